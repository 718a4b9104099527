"""Memory housekeeping for bulk work."""

import gc
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while a burst of long-lived objects is
    built (the rows of a national file, a model instance per row to write, a batch of
    recomputed values).

    The collector runs whenever allocations outnumber deallocations by a margin, and each
    full run walks every live object: with a few hundred thousand rows alive it ran again
    and again and took about half of the import's time (measured in
    ``bench/bench_upload.py``). Reference counting still frees everything that is not in a
    cycle; cycles made meanwhile are collected once the collector is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

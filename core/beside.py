"""Work beside the caller: a thread on a database connection of its own, so that PostgreSQL
takes a read or a write on the second core while the caller computes. Only on PostgreSQL
outside a transaction (``available``): another connection would not see a transaction's
uncommitted rows, and would break its atomicity."""

import threading
from contextlib import contextmanager

from django.db import connection, transaction


def available():
    """Whether work may go beside the caller here (see the module)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Beside:
    """``target()`` run in a thread of the given ``name`` on a connection of its own, closed
    when it ends. ``join`` waits for it and raises, in the caller's thread, what it raised."""

    def __init__(self, target, name):
        self.failure = None
        self._target = target
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self._target()
        except BaseException as error:  # raised in the caller's thread
            self.failure = error
        finally:
            connection.close()  # this thread's own

    def join(self):
        self.thread.join()
        self.raise_failure()

    def raise_failure(self):
        if self.failure is not None:
            raise self.failure


@contextmanager
def read_beside(read):
    """``read()`` (it only reads) as of the moment this is entered, run beside the caller
    from a snapshot taken before the block starts, so nothing the caller does within it, and
    no change committed meanwhile, is seen by ``read``. Where work cannot go beside
    (``available``), ``read()`` runs here, first. Yields a function that waits for the result
    and gives it (or raises what ``read`` raised)."""
    if not available():
        found = read()
        yield lambda: found
        return
    taken, outcome = threading.Event(), {}

    def work():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SELECT 1")  # a transaction's snapshot is taken by its first query
                taken.set()
                outcome["found"] = read()
        finally:
            taken.set()

    beside = Beside(work, "read-beside")
    taken.wait()

    def result():
        beside.join()
        return outcome["found"]

    try:
        yield result
    finally:
        beside.thread.join()  # never left running after the block

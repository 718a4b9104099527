"""Reading as of now while the caller goes on: PostgreSQL works on a second core for a read
that would otherwise hold up the work that follows it."""

import threading
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_beside(read):
    """``read()`` (it only reads) as of the moment this is entered, run beside the caller:
    on PostgreSQL, outside a transaction, on a connection of its own in a thread, from a
    snapshot taken before the block starts, so nothing the caller does within it, and no
    change committed meanwhile, is seen by ``read``. Elsewhere (SQLite, or within a
    transaction, whose uncommitted rows another connection would not see) ``read()`` runs
    here, first. Yields a function that waits for the result and gives it (or raises what
    ``read`` raised)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
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
        except BaseException as error:  # given to the caller, in its thread
            outcome["error"] = error
        finally:
            taken.set()
            connection.close()  # this thread's own

    thread = threading.Thread(target=work, name="read-beside", daemon=True)
    thread.start()
    taken.wait()

    def result():
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["found"]

    try:
        yield result
    finally:
        thread.join()  # never left running after the block

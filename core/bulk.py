"""Writing many rows at once: an upsert on a natural key that, on PostgreSQL, streams the
rows with ``COPY`` into a temporary table and merges them in one statement, leaving rows
whose values did not change untouched. Elsewhere (SQLite, the embedded default) it is
Django's ``bulk_create(update_conflicts=True)``; both give the same rows.

Django's ``bulk_create`` builds one parameterised INSERT per batch; for hundreds of
thousands of rows with JSON columns the SQL building alone takes longer than PostgreSQL
takes to store them. ``COPY`` sends the values as text with no SQL per row.

Rows are model instances, as for ``bulk_create``, or tuples (``upsert_rows``); no signals are sent (as with
``bulk_create``), so history-tracked models must not be written this way.
"""

import hashlib
import io
import queue
import threading
from contextlib import contextmanager

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from . import beside

COPY_MIN_ROWS = 500  # below this, the temporary table costs more than it saves
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


class RawJSON(str):
    """A JSON column's value already serialised (a vectorised engine builds it as text):
    copied as it is, and parsed only where Django writes it."""


def upsert(model, rows, *, unique_fields, update_fields, compare_fields=None):
    """Insert ``rows`` (instances of ``model``), or update ``update_fields`` of the rows that
    already exist with the same ``unique_fields``. Returns how many rows were given.

    On PostgreSQL an existing row is updated only when one of ``compare_fields`` (default:
    the updated fields) differs, so that recomputing what did not change writes nothing; a
    timestamp among the updated fields then says when the values last changed."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:  # auto_now stamps, as bulk_create would set them
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for row in rows:
                field.pre_save(row, add=True)
    names = [field.attname for field in fields]
    values = [[getattr(row, name) for name in names] for row in rows]
    return upsert_rows(model, names, values, unique_fields=unique_fields, update_fields=update_fields,
                       compare_fields=compare_fields)


def upsert_rows(model, names, rows, *, unique_fields, update_fields, compare_fields=None):
    """``upsert`` of ``rows`` given as tuples of the values of the fields ``names``, without
    a model instance per row on PostgreSQL. Auto-now timestamps not among ``names`` are set
    to now."""
    if not rows:
        return 0
    names = list(names)
    stamps = _stamps(model, names)
    if stamps:
        now = timezone.now()
        names += stamps
        rows = [(*row, *(now for _stamp in stamps)) for row in rows]
    if connection.vendor == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        _copy_upsert(model, names, _copy_text([model._meta.get_field(name) for name in names], rows), unique_fields,
                     update_fields, compare_fields or update_fields)
    else:
        attnames = [model._meta.get_field(name).attname for name in names]
        instances = [model(**dict(zip(attnames, _parsed(row), strict=True))) for row in rows]
        model.objects.bulk_create(instances, batch_size=2000, update_conflicts=True, unique_fields=unique_fields,
                                  update_fields=update_fields)
    return len(rows)


def upsert_frame(model, frame, *, unique_fields, update_fields, compare_fields=None, absent=None):
    """``upsert_rows`` of a Polars frame whose columns are fields of ``model`` (a JSON field
    as JSON text): on PostgreSQL written as CSV by Polars and copied, no Python object per
    row or value. ``absent``, a boolean Series beside ``frame``, says which rows had no stored
    row of their key when the caller read the table: those are copied straight into it, as
    the merge through a temporary table costs as much again as the copy (a recompute from
    empty). Should another writer have stored one of them meanwhile, they are merged after all."""
    if frame.is_empty():
        return 0
    writer = getattr(_behind, "writer", None)
    if writer is not None and not connection.in_atomic_block:
        return writer.put(model, frame, {"unique_fields": unique_fields, "update_fields": update_fields,
                                         "compare_fields": compare_fields, "absent": absent})
    names = frame.columns
    if absent is not None and connection.vendor == "postgresql" and frame.height >= COPY_MIN_ROWS:
        new = frame.filter(absent)
        copied = _copied_in(model, new)  # else another writer stored one meanwhile: all merged below
        return (new.height if copied else 0) + upsert_frame(
            model, frame.filter(~absent) if copied else frame, unique_fields=unique_fields,
            update_fields=update_fields, compare_fields=compare_fields)
    if connection.vendor != "postgresql" or frame.height < COPY_MIN_ROWS:
        json = [isinstance(model._meta.get_field(name), models.JSONField) for name in names]
        rows = [tuple(RawJSON(value) if is_json and value is not None else value
                      for is_json, value in zip(json, row, strict=True)) for row in frame.iter_rows()]
        return upsert_rows(model, names, rows, unique_fields=unique_fields, update_fields=update_fields,
                           compare_fields=compare_fields)
    frame, text = _csv(model, frame)
    _copy_upsert(model, frame.columns, text, unique_fields, update_fields, compare_fields or update_fields,
                 options="WITH (FORMAT csv)")
    return frame.height


@contextmanager
def written_behind():
    """Within the block, ``upsert_frame`` hands its rows to a thread that writes them, in the
    order given, on a connection of its own (``core.beside``), and returns at once: while
    PostgreSQL takes in one batch on the second core, the caller computes the next. Leaving
    the block waits until every row is written, and raises what a write raised (the rows
    handed over after it are not written). Where work cannot go beside the caller (SQLite,
    within a transaction), rows are written at once. What the caller reads within the block
    must not be what it handed over."""
    if not beside.available() or getattr(_behind, "writer", None):
        yield
        return
    writer = _behind.writer = _Writer()
    try:
        yield
    finally:
        _behind.writer = None
        writer.jobs.put(None)
        writer.worker.thread.join()
    writer.worker.raise_failure()


_behind = threading.local()


class _Writer:
    """The thread of ``written_behind``: writes the frames handed to it, in order."""

    def __init__(self):
        self.jobs = queue.Queue(maxsize=1)  # one batch waits while one is written: two in memory at most
        self.worker = beside.Beside(self._run, "written-behind")

    def put(self, model, frame, options):
        self.jobs.put((model, frame, options))
        return frame.height

    def _run(self):
        failure = None
        while (job := self.jobs.get()) is not None:
            if failure is None:  # after a failure the rest is taken and dropped
                model, frame, options = job
                try:
                    upsert_frame(model, frame, **options)
                except BaseException as error:  # raised once the caller leaves the block
                    failure = error
        if failure is not None:
            raise failure


def _csv(model, frame):
    """``frame`` with ``model``'s auto-now fields set to now, and its rows as CSV for COPY."""
    stamps = _stamps(model, frame.columns)
    if stamps:
        import polars as pl  # only the vectorised engines write frames, and they have it loaded

        now = timezone.now()
        frame = frame.with_columns(pl.lit(now).alias(stamp) for stamp in stamps)
    text = io.BytesIO()
    frame.write_csv(text, include_header=False)  # a null as nothing, an empty text as ""
    text.seek(0)
    return frame, text


def _copied_in(model, frame):
    """Copy ``frame``'s rows, none of whose keys were stored, straight into ``model``'s table;
    false, the copy undone to its savepoint, if one of them was stored meanwhile."""
    if frame.is_empty():
        return True
    written, text = _csv(model, frame)
    columns = ", ".join(_q(model._meta.get_field(name).column) for name in written.columns)
    try:
        with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.copy_expert(f"COPY {_q(model._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)",
                                      text)
    except IntegrityError as error:
        if getattr(error.__cause__, "pgcode", None) != _UNIQUE_VIOLATION:
            raise
        return False
    return True


def _stamps(model, names):
    """The auto-now fields of ``model`` not among ``names``: set to now on every write."""
    return [f.attname for f in model._meta.concrete_fields
            if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and f.attname not in names
            and f.name not in names]


def row_digest(values):
    """A 64-bit fingerprint of a row's written values (JSON with its keys sorted, as a dict's
    order may differ from run to run), stored beside the row: a recompute that arrives at
    the same fingerprint leaves the row alone without sending it to the database."""
    text = "\x1f".join(
        value if isinstance(value, RawJSON) else
        orjson.dumps(value, default=_JSON_DEFAULT, option=_JSON_OPTIONS | orjson.OPT_SORT_KEYS).decode()
        if isinstance(value, (dict, list)) else "" if value is None else str(value)
        for value in values)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def changed(rows, stored, *, key_width):
    """The ``rows`` (tuples: the key's ``key_width`` values first, their digest last) whose
    digest differs from ``stored`` ({key: digest} of the rows in the database)."""
    return [row for row in rows if stored.get(row[:key_width]) != row[-1]]


def _parsed(row):
    return [orjson.loads(str(value)) if isinstance(value, RawJSON) else value for value in row]


def _copy_upsert(model, names, text, unique_fields, update_fields, compare_fields, options=""):
    """Merge the rows of ``text`` (a file of COPY's text format, or as ``options`` say) into
    ``model``'s table."""
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    columns = [f.column for f in fields]
    table, temporary = meta.db_table, f"bulk_{meta.db_table}"
    quoted = ", ".join(_q(c) for c in columns)
    conflict = ", ".join(_q(meta.get_field(name).column) for name in unique_fields)
    updated = [meta.get_field(name).column for name in update_fields]
    assignments = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in updated)
    compared = [meta.get_field(name).column for name in compare_fields]
    changed = " OR ".join(f"{_q(table)}.{_q(c)} IS DISTINCT FROM EXCLUDED.{_q(c)}" for c in compared)
    with connection.cursor() as cursor:
        # The columns' types without their constraints: the id is not among the copied columns.
        drop = "ON COMMIT DROP" if connection.in_atomic_block else ""
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_q(temporary)} {drop} AS SELECT {quoted} FROM {_q(table)} WITH NO DATA"  # noqa: S608
        )
        try:
            with connection.wrap_database_errors:  # psycopg2's own cursor: its errors as Django's, like every query's
                cursor.cursor.copy_expert(f"COPY {_q(temporary)} ({quoted}) FROM STDIN {options}", text)
            cursor.execute(
                f"INSERT INTO {_q(table)} ({quoted}) SELECT {quoted} FROM {_q(temporary)} "  # noqa: S608 — quoted names
                f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments} WHERE {changed}"
            )
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(temporary)}")


def insert_rows(model, names, rows):
    """Insert ``rows``, tuples of the values of the fields ``names``, in one statement: on
    PostgreSQL with COPY straight from the tuples, without a model instance per row;
    elsewhere with ``bulk_create``. No signals are sent."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in fields]
        model.objects.bulk_create([model(**dict(zip(attnames, _parsed(row), strict=True))) for row in rows])
        return
    columns = ", ".join(_q(field.column) for field in fields)
    with connection.cursor() as cursor, connection.wrap_database_errors:  # an IntegrityError is Django's, as usual
        cursor.cursor.copy_expert(f"COPY {_q(model._meta.db_table)} ({columns}) FROM STDIN", _copy_text(fields, rows))


def _copy_text(fields, rows):
    """``rows`` (sequences of the fields' values) in COPY's text format: tab-separated,
    \\N for NULL, backslash escapes."""
    converters = [_text(field) for field in fields]
    lines = ("\t".join(convert(value) for convert, value in zip(converters, row, strict=True)) for row in rows)
    return io.StringIO("".join(line + "\n" for line in lines))


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# orjson: the lineage and scorecard JSON of a national recompute took a third of the COPY
# text with the standard encoder. What orjson does not know (Decimal, lazy text, and
# datetimes, to keep Django's format) goes to Django's encoder, as for a JSONField.
_JSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_JSON_DEFAULT = DjangoJSONEncoder().default


def _json(value):
    if isinstance(value, RawJSON):
        return value
    return orjson.dumps(value, default=_JSON_DEFAULT, option=_JSON_OPTIONS).decode()


def _text(field):
    if isinstance(field, models.JSONField):
        return lambda value: "\\N" if value is None else _escaped(_json(value))
    stored = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(stored, (models.IntegerField, models.DecimalField)):
        return lambda value: "\\N" if value is None else str(value)  # digits need no escaping
    if isinstance(field, models.BooleanField):
        return lambda value: "\\N" if value is None else ("t" if value else "f")
    if isinstance(field, models.DateTimeField):
        return lambda value: "\\N" if value is None else value.isoformat()
    return lambda value: "\\N" if value is None else _escaped(str(value))


def _escaped(text):
    if "\\" in text or not text.isprintable():  # most values need no escaping: skip the slower translate
        return text.translate(_ESCAPES)
    return text


def _q(name):
    return connection.ops.quote_name(name)

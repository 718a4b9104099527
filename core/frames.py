"""Query results as Polars frames, for the vectorised engines: on PostgreSQL streamed with
``COPY (query) TO STDOUT`` as CSV (no Python object per row or value), elsewhere (SQLite,
the embedded default) fetched through Django's cursor. Both give the same frame."""

import io

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection


def frame(queryset, schema):
    """The rows of ``queryset`` (a ``values_list`` whose columns are ``schema``'s, in order)
    as a frame of ``schema`` ({column: Polars type}). A moment is read as
    ``pl.Datetime("us", "UTC")``, exactly: COPY writes it with its offset, which Polars'
    CSV reader applies."""
    if connection.vendor != "postgresql":
        return pl.DataFrame(list(queryset), schema=schema, orient="row")
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter on an empty list: Django asks nothing
        return pl.DataFrame(schema=schema)
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        buffer = io.BytesIO()
        with connection.wrap_database_errors:
            cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.getbuffer().nbytes:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    # COPY writes a boolean as t or f, which Polars' CSV reader does not take as one.
    read = {name: pl.String if kind == pl.Boolean else kind for name, kind in schema.items()}
    found = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=read)
    booleans = [name for name, kind in schema.items() if kind == pl.Boolean]
    return found.with_columns(pl.col(name) == "t" for name in booleans) if booleans else found


DIGEST_SEED = 25  # fixed: a digest must come out the same in every run with the same Polars


def digest(columns):
    """A 64-bit fingerprint of each row's ``columns`` (expressions), the vectorised
    counterpart of ``core.bulk.row_digest`` for rows a frame writes: stored beside the row,
    it lets the next recompute leave an unchanged row alone. Polars' hash is the same from
    run to run of one Polars version; after an upgrade every row is written once again."""
    texts = [column.cast(pl.String).fill_null("\x00") for column in columns]
    return pl.concat_str(texts, separator="\x1f").hash(seed=DIGEST_SEED).reinterpret(signed=True).alias("digest")


def quarters(periods):
    """A frame of the ``year`` and ``quarter`` of each of ``periods`` (``Quarter``s), to join on."""
    return pl.DataFrame({"year": [q.year for q in periods], "quarter": [q.number for q in periods]},
                        schema={"year": pl.Int64, "quarter": pl.Int64})


def changed(fresh, stored, *, keys):
    """The rows of ``fresh`` (a frame with ``keys`` and a ``digest``) that ``stored`` (the
    keys and digests in the database) does not hold with the same digest: the vectorised
    counterpart of ``core.bulk.changed``."""
    return fresh.join(stored.select(*keys, "digest"), on=[*keys, "digest"], how="anti", nulls_equal=True)


def absent(rows, stored, *, keys):
    """A boolean Series beside ``rows``: true where ``stored`` (the keys in the database, each
    once) holds no row of the key, so that the row is new (``core.bulk.upsert_frame``)."""
    held = stored.select(keys).with_columns(_held=pl.lit(True))
    return rows.select(keys).join(held, on=keys, how="left", maintain_order="left")["_held"].is_null()

"""Query results as Polars frames, for the vectorised engines: on PostgreSQL streamed with
``COPY (query) TO STDOUT`` as CSV (no Python object per row or value), elsewhere (SQLite,
the embedded default) fetched through Django's cursor. Both give the same frame."""

import io

import polars as pl
from django.db import connection


def frame(queryset, schema):
    """The rows of ``queryset`` (a ``values_list`` whose columns are ``schema``'s, in order)
    as a frame of ``schema`` ({column: Polars type})."""
    sql, params = queryset.query.sql_with_params()
    if connection.vendor != "postgresql":
        return pl.DataFrame(list(queryset), schema=schema, orient="row")
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        buffer = io.BytesIO()
        with connection.wrap_database_errors:
            cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.getbuffer().nbytes:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)

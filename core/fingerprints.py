"""Fingerprints of the records a recompute reads, by region: a bulk recompute compares them
with the ones its last run stored and leaves alone the regions whose records did not change,
instead of computing everything again to find that nothing did.

A fingerprint is made of every column of every row of the sources it is given (or of the
columns a source names, for a table whose long texts nothing computed reads). Rows are
hashed one by one and the hashes added up: the order rows come in does not matter, and any
change, addition or removal of a row changes the sum (but for a chance of one in 2⁶⁴). On
PostgreSQL the database hashes and sums, so no row leaves it; elsewhere (SQLite, the
embedded default, at a district's scale) the rows are read and hashed here. The two never
meet: a fingerprint is only compared with one made by the same database.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F

REGION = "fingerprint_region"  # the column a source's rows are grouped by


@dataclass(frozen=True)
class Source:
    """Rows a recompute reads. ``region`` is the lookup from ``model`` to the id of the
    region a row belongs to ("report__region_id"), or None for rows every region reads (the
    standards, the national figures). ``columns`` are the columns to fingerprint, by
    default every concrete one; ``also`` adds columns of related rows ("judged_by__username")."""

    model: type
    region: str | None
    columns: tuple = ()
    also: tuple = ()

    @property
    def label(self):
        return self.model._meta.label_lower

    def rows(self, region_ids=None):
        """A values_list query: the region id (when the source has one), then the columns."""
        columns = self.columns or tuple(field.attname for field in self.model._meta.concrete_fields)
        rows = self.model._base_manager.order_by()
        if self.region is None:
            return rows.values_list(*columns, *self.also)
        rows = rows.filter(**{f"{self.region}__in": region_ids})
        return rows.annotate(**{REGION: F(self.region)}).values_list(REGION, *columns, *self.also)


def of_regions(sources, region_ids):
    """{region id: fingerprint} of ``region_ids``: the rows of every source, the regions' own
    and those every region reads, and the code that computes from them."""
    regional = [source for source in sources if source.region is not None]
    common = [source for source in sources if source.region is None]
    shared = [code()]
    for source in common:
        count, total = _sums(source.rows()).get(None, (0, 0))
        shared.append(f"{source.label}:{count}:{total}")
    parts = defaultdict(list)
    for source in regional:
        sums = _sums(source.rows(region_ids), by_region=True)
        for region_id in region_ids:
            count, total = sums.get(region_id, (0, 0))
            parts[region_id].append(f"{source.label}:{count}:{total}")
    return {region_id: _hex(shared + parts[region_id]) for region_id in region_ids}


def combined(*texts):
    """One fingerprint of ``texts`` (a region's and what else a result depends on)."""
    return _hex(texts)


def _hex(texts):
    return hashlib.blake2b("\n".join(texts).encode(), digest_size=16).hexdigest()


def _sums(rows, *, by_region=False):
    """{region id (None when not by region): (rows, sum of their hashes)} of a values_list."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter on an empty list of regions
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            group = f"t.{REGION}" if by_region else "NULL"
            cursor.execute(f"SELECT {group}, count(*), sum(hashtextextended(t::text, 0)) FROM ({sql}) AS t "  # noqa: S608 — Django's query
                           f"GROUP BY 1", params)
            return {region_id: (count, int(total)) for region_id, count, total in cursor.fetchall()}
        cursor.execute(sql, params)
        sums = {}
        for row in cursor.fetchall():
            key = row[0] if by_region else None
            count, total = sums.get(key, (0, 0))
            sums[key] = (count + 1, total + _row_hash(row))
        return sums


def _row_hash(row):
    return int.from_bytes(hashlib.blake2b(repr(row).encode(), digest_size=8).digest(), "big", signed=True)


@cache
def code():
    """A fingerprint of what computes besides the rows: the portal's own Python code, its
    translations (lineage has words), the time zone (a report is on time by the day there)
    and Polars. A deployment that may compute differently makes every region's fingerprint
    new, so the first bulk recompute after it computes everything. Read once a process."""
    digest = hashlib.blake2b(digest_size=16)
    base = Path(settings.BASE_DIR)
    packages = [top for top in sorted(base.iterdir())
                if (top / "__init__.py").exists() and top.name not in {"tests", "bench"}]
    files = [path for package in packages for path in sorted(package.rglob("*.py"))]
    files += [path for folder in settings.LOCALE_PATHS for path in sorted(Path(folder).rglob("*.po"))]
    for path in files:
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    digest.update(f"{settings.TIME_ZONE} {settings.LANGUAGE_CODE}".encode())
    digest.update(metadata.version("polars").encode())
    return digest.hexdigest()

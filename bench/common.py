"""What every benchmark shares: Django set up outside ``manage.py``, a timer, and one way
of printing a figure beside the baseline it is compared with in the same run, and the bar
it must meet.

A benchmark script starts with::

    from common import setup
    setup()

and prints its figures with ``figure()``; ``make bench`` runs them all (see
docs/performance.md).
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup():
    """Django outside manage.py. DEBUG stays off: under DEBUG Django keeps every query's SQL
    in memory and the figures would measure that."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def timed(function):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def figure(label, seconds, *, baseline=None, baseline_label="", max_ratio=None, max_seconds=None, extra=""):
    """Print one figure: its time, the baseline's, the ratio, and whether the bars are met."""
    line = f"{label:<46} {seconds:9.2f} s"
    verdicts = []
    if baseline is not None:
        ratio = seconds / baseline if baseline else float("inf")
        line += f"   baseline {baseline:8.2f} s ({baseline_label})   ratio {ratio:5.2f}x"
        if max_ratio is not None:
            verdicts.append(f"≤{max_ratio:g}x {'ok' if ratio <= max_ratio else 'MISSED'}")
    if max_seconds is not None:
        verdicts.append(f"≤{max_seconds:g} s {'ok' if seconds <= max_seconds else 'MISSED'}")
    if extra:
        line += f"   {extra}"
    if verdicts:
        line += "   [" + ", ".join(verdicts) + "]"
    print(line, flush=True)


def latency(label, p50_ms, p95_ms, *, baseline_ms, baseline_label="", max_p95_ms=None, extra="", p99_ms=None):
    """Print one page-latency figure: p50 and p95 (and p99 when given) under load, the
    unloaded p50 of the same page in the same run, the ratio p95 / that baseline, and
    whether p95 meets its bar. Milliseconds, because ``figure()``'s two decimals of a
    second hide a page's time."""
    ratio = p95_ms / baseline_ms if baseline_ms else float("inf")
    p99 = f"   p99 {p99_ms:6.0f} ms" if p99_ms is not None else ""
    line = (
        f"{label:<28} p50 {p50_ms:6.0f} ms   p95 {p95_ms:6.0f} ms{p99}"
        f"   baseline p50 {baseline_ms:6.0f} ms ({baseline_label})   ratio p95/baseline {ratio:5.2f}x"
    )
    if extra:
        line += f"   {extra}"
    if max_p95_ms is not None:
        line += f"   [p95 ≤{max_p95_ms:g} ms {'ok' if p95_ms <= max_p95_ms else 'MISSED'}]"
    print(line, flush=True)


def heading(text):
    print(f"\n== {text} ==", flush=True)


def require_scale_data():
    """The counties of ``generate_scale_data``; exits with the command to run when absent."""
    from demo.scale import MARKER
    from org.models import Region

    counties = Region.objects.filter(plans__title__endswith=MARKER).distinct().order_by("code")
    if not counties.exists():
        sys.exit("No scale data in this database: run `manage.py generate_scale_data --regions 2844 --quarters 8`.")
    return counties


def recreate_database(suffix):
    """Drop the PostgreSQL database of DATABASE_URL and create it empty, so every run starts
    the same; its name must end in ``suffix``, so that no other database is dropped by
    mistake. Returns the name."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    name = config.get("NAME") or ""
    if config.get("ENGINE") != "django.db.backends.postgresql" or not name.endswith(suffix):
        sys.exit(f"DATABASE_URL must name a PostgreSQL database ending in {suffix} (it is dropped and created "
                 f"again), e.g. postgres://postgres@127.0.0.1:5432/jieshui{suffix}")
    server = psycopg2.connect(dbname="postgres", user=config["USER"], password=config["PASSWORD"] or None,
                              host=config["HOST"] or None, port=config["PORT"] or None)
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            # FORCE: a server left by an interrupted run must not keep the database.
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        server.close()
    return name


@contextmanager
def celery_workers(count, *, log_dir):
    """``count`` single-process Celery workers on REDIS_URL (purged first), as a deployment
    runs one per core; stopped on leaving, whatever happened."""
    from config.celery import app

    app.control.purge()
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
               "--without-heartbeat", "--without-gossip", "--without-mingle", f"--logfile={log_dir}/worker-%n.log",
               "-n"]
    workers = [
        subprocess.Popen([*command, f"bench{n}-{os.getpid()}@%h"], cwd=ROOT, env=dict(os.environ),  # noqa: S603
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for n in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=1)) < count:
            if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
                sys.exit(f"the Celery workers did not start (is Redis running? make services); logs in {log_dir}")
        yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()

"""Gunicorn settings of the portal, as deploy/jieshui-web.service starts it:

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi

GUNICORN_BIND, GUNICORN_WORKERS and GUNICORN_TIMEOUT override the values below (in
/etc/jieshui/env, or in the environment of tests/deploy/prove.py)."""

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers serve one request at a time. Two per core plus one keeps the cores busy while
# the other workers wait on PostgreSQL. nginx buffers every upload and download, so a clerk
# on a slow district line never holds a worker for the length of the transfer.
# sched_getaffinity counts the cores this process may use, not every core of the host.
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * len(os.sched_getaffinity(0)) + 1))

# The longest request is the confirm step of 统计数据批量导入 at national scale: it reads the
# whole table again and writes every figure in one transaction, about 30 s on the
# development machine (docs/performance.md). 120 s leaves four times that for a busier or
# slower server. A worker killed at the timeout rolls its transaction back, so nothing is
# left half-written, but the import could then never get through. nginx waits a little
# longer (deploy/nginx.conf), so gunicorn, not the proxy, ends an over-long request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# A restart lets a request in flight finish for as long as it may run at all, so a deploy
# does not cut a bulk import off halfway.
graceful_timeout = timeout
keepalive = 5

# Workers are replaced after this many requests (at staggered counts), which bounds the
# memory a worker keeps after reading large workbooks.
max_requests = 1000
max_requests_jitter = 100

# The workers' heartbeat files live in memory: a worker is not taken for dead because the
# disk is slow while a backup runs.
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's own advice, not a temporary file of ours
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Not preloaded: `systemctl reload jieshui-web` (HUP) then starts workers on the new code.
preload_app = False

# Logs go to stdout/stderr, which systemd keeps in the journal.
accesslog = "-"
errorlog = "-"
loglevel = "info"

# Only nginx on this host may tell gunicorn the original scheme (X-Forwarded-Proto).
forwarded_allow_ips = "127.0.0.1"


# prometheus_client's multiprocess mode for /metrics (PROMETHEUS_MULTIPROC_DIR, set by
# deploy/jieshui-web.service): each worker writes its counts to files in that folder.


def on_starting(server):
    """Start from an empty folder: files of an earlier run would add its counts to this one's
    (systemd's RuntimeDirectory is new at each start; a start by hand may reuse a folder)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """A worker that ended (replaced after max_requests, or at a reload): its counters stay in
    the sums, its live gauges go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

"""A real Celery worker against the test database, for tests marked ``integration``.

They need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). Without them the tests are
skipped, unless REQUIRE_INTEGRATION is set (as `make test-integration` and CI do), in
which case a missing service fails the run instead of passing it quietly.

The fault tests also start workers of their own (``start_worker``) on a redis-server of
their own (``own_broker``), which they may stop, start or kill workers on.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _unavailable(reason):
    if os.environ.get("REQUIRE_INTEGRATION"):
        pytest.fail(f"integration services missing: {reason}")
    pytest.skip(reason)


def require_services():
    if not settings.REDIS_URL:
        _unavailable("REDIS_URL is not set")
    if connection.vendor != "postgresql":
        _unavailable("DATABASE_URL is not PostgreSQL")


@pytest.fixture(autouse=True)
def _integration_services():
    require_services()


def _test_database_url():
    test_db = connection.settings_dict
    return (
        f"postgres://{test_db['USER']}:{test_db['PASSWORD'] or ''}@{test_db['HOST'] or '127.0.0.1'}:"
        f"{test_db['PORT'] or 5432}/{test_db['NAME']}"
    )


def start_worker(name, *, database_url, pool="solo", **env):
    """A Celery worker process named ``name`` against the test database; ``env`` adds to
    (or overrides) its environment, e.g. REDIS_URL for another broker. Returns once it
    answers a ping through the broker the test process's Celery app points at."""
    from config.celery import app

    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--concurrency=1",
            "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", name,
        ],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.test", **env),
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1, destination=[name]):
        if worker.poll() is not None or time.monotonic() > deadline:
            stop_worker(worker)
            pytest.fail(f"the Celery worker {name} did not start")
    return worker


def stop_worker(worker):
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    require_services()
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    from config.celery import app

    app.control.purge()
    worker = start_worker(f"test-{os.getpid()}@{socket.gethostname()}", database_url=database_url)
    try:
        yield worker
    finally:
        stop_worker(worker)


# --- a broker of the test's own, to stop and start -------------------------------------------------


class OwnRedis:
    """A redis-server of one test alone, on a free loopback port, keeping nothing on disk:
    the test may stop and start it (never the machine's shared Redis)."""

    def __init__(self, directory):
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def answers(self):
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False


def _point_celery_at(broker_url, result_backend):
    """Send the test process's jobs (and control commands) to ``broker_url`` from now on."""
    from config.celery import app

    app.conf.broker_url, app.conf.result_backend = broker_url, result_backend
    # The pools of connections to the previous broker are left open (kombu keeps them for
    # that broker and hands them out again when it is pointed back there), just not used.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_broker(tmp_path):
    """A redis-server of this test's own (see OwnRedis), which the test process's Celery app
    uses as its broker until the test ends; workers are started on it with
    ``start_worker(..., REDIS_URL=own_broker.url)``."""
    require_services()
    from config.celery import app

    server = OwnRedis(tmp_path)
    server.start()
    before = app.conf.broker_url, app.conf.result_backend
    _point_celery_at(server.url, server.url)
    try:
        yield server
    finally:
        _point_celery_at(*before)
        if server.process.poll() is None:
            server.stop()


@pytest.fixture
def database_url(django_db_setup):
    return _test_database_url()

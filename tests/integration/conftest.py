"""A real Celery worker against the test database, for tests marked ``integration``.

They need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). Without them the tests are
skipped, unless REQUIRE_INTEGRATION is set (as `make test-integration` and CI do), in
which case a missing service fails the run instead of passing it quietly.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    require_services()
    with django_db_blocker.unblock():
        test_db = connection.settings_dict
        database_url = (
            f"postgres://{test_db['USER']}:{test_db['PASSWORD'] or ''}@{test_db['HOST'] or '127.0.0.1'}:"
            f"{test_db['PORT'] or 5432}/{test_db['NAME']}"
        )
    from config.celery import app

    app.control.purge()
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.test")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()

"""What the browser tests share: Debian's Chromium (never a browser Playwright downloads)
in Chinese, the demo, signing in through the form, and a screenshot when a step fails.

pytest finds fixtures by name in a test module, so a browser module imports the ones it
uses from here. The demo and step fixtures are defined under another function name
(``name=``) so that a test taking them as arguments does not shadow the import.
"""

import itertools
import os
import sqlite3
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
DEMO_PASSWORD = "browser-test-pw"

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# fixtures and between the pages happen while no page is being driven, so the guard can
# safely be lifted.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture(name="jobs_in_process")
def fixture_jobs_in_process():
    """Jobs the live server enqueues run in it, whatever broker the suite is configured with."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(name="demo")
def fixture_demo(transactional_db, jobs_in_process):
    """The demo as ``make run`` leaves it, its jobs run here, and the jobs of the test too.
    Sent to a broker nobody reads (the suite on PostgreSQL + Redis), the demo's recomputes
    would never run and would leave their regions marked as waiting for one, so that the
    pages' later changes enqueue none either.

    On SQLite the first test loads it and keeps a copy of the whole database (SQLite's backup
    API, in memory); each later test gets that copy back in milliseconds instead of loading
    the demo again (20 s each). The copy is of the same day's load; the files the demo wrote
    stay on disk."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        if _SNAPSHOT:
            _SNAPSHOT[0].backup(connection.connection)
            return
    call_command("load_demo", password=DEMO_PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if connection.vendor == "sqlite":
        snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(snapshot)
        _SNAPSHOT.append(snapshot)


_SNAPSHOT = []  # the SQLite database as the first demo load left it


def sign_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


@pytest.fixture(name="step")
def fixture_step(page, tmp_path):
    """``with step("name"):`` around a step of a journey: when the step fails, the page as
    it was is saved as a numbered PNG in the test's temporary folder and the failure says
    where. Nothing is written while the steps pass."""
    numbers = itertools.count(1)

    @contextmanager
    def step(name):
        number = next(numbers)
        try:
            yield
        except Exception as error:
            path = tmp_path / f"{number:02d}-{name}.png"
            with suppress(PlaywrightError):  # a crashed page must not hide the failure itself
                page.screenshot(path=path, full_page=True)
                error.add_note(f"screenshot of the page: {path}")
            raise

    return step

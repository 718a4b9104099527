"""The sign-in storm: fifty people signing in within a minute, as on a quarter's deadline
morning, through the login form of the portal served as in production. p50, p95 and max of
a sign-in with Argon2id (org.hashers) beside the same storm with Django's previous default,
PBKDF2 of 1,000,000 rounds, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jieshui_signin \\
        .venv/bin/python bench/bench_signin.py [--users 50] [--spread 60]

Needs PostgreSQL and ``pip install -r requirements-bench.txt``. The database of DATABASE_URL
(its name must end in ``_signin``) is dropped, created, migrated and given ``--users``
reviewer accounts of one district, and one more that signs in alone.

A person GETs the login form (its CSRF token) and POSTs the credentials; the answer must be
the redirect to the home page. A sign-in's time is the POST's: what a person waits for
after pressing 登录. Each person is a thread of its own, in two storms:

- at once: every form fetched first, then every POST sent at the same moment;
- within a minute: each person arrives at a random moment of ``--spread`` seconds (fixed
  seed), fetches the form and signs in.

1. Baseline: gunicorn with bench/settings_pbkdf2.py (the production settings with Django's
   own hashers, PBKDF2 first), every account holding a PBKDF2 hash: one sign-in alone
   (median of five after one to warm up), the storm at once, the storm within a minute.
2. gunicorn with the production settings (Argon2id first), the hashes still PBKDF2: the
   storm at once is everyone's first sign-in after the upgrade, each PBKDF2 hash checked and
   rehashed; afterwards every account's stored hash must be Argon2id at OWASP's parameters.
3. With those Argon2id hashes: one sign-in alone, the storm at once, the storm within a
   minute. Bar: p95 ≤ 2 s in both storms.

Beside the times, the CPU seconds gunicorn's processes spent on the POSTs of the storm at
once (psutil): on a machine shared with other work the times vary with that work, the
portal's own work does not; divided by the cores it is the last sign-in's wait on
otherwise idle cores.

A failed sign-in, a server error in gunicorn's log or a hash left un-rehashed makes the
script exit non-zero.
"""

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import psutil
import requests
from common import figure, heading, recreate_database, setup
from served import GUNICORN_WORKERS, percentile, served_portal
from steps import problem, run, sign_in

setup()

from accounts import BENCH_PASSWORD, bench_user  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from org.models import Department, Region, User  # noqa: E402

MAX_P95_SECONDS = 2.0
ALONE_ROUNDS = 5
SEED = 25  # the moments people arrive at within the minute: the same every run
PREFIX = "signin_"
ALONE = f"{PREFIX}alone"
ARGON2ID_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"
PBKDF2_SETTINGS = "bench.settings_pbkdf2"
PRODUCTION_SETTINGS = "config.settings.production"
# A PBKDF2 storm queues for tens of seconds on a busy machine; gunicorn's own timeout is 60 s.
REQUEST_TIMEOUT = 120


class SignInFailed(RuntimeError):
    pass


@dataclass
class Storm:
    seconds: list  # each sign-in's POST
    failures: list
    cpu: float  # seconds of CPU the server's processes spent on the POSTs (at once) or the whole storm

    @property
    def p50(self):
        return percentile(self.seconds, 0.5)

    @property
    def p95(self):
        return percentile(self.seconds, 0.95)

    @property
    def max(self):
        return max(self.seconds)


# --- setup ----------------------------------------------------------------------------------------


def set_up(users):
    """A new database with ``users`` reviewers of one district, and the one who signs in alone."""
    name = recreate_database("_signin")
    call_command("migrate", interactive=False, verbosity=0, stdout=StringIO())
    district = Region.objects.create(code="500156", name="武隆区", level=Region.Level.COUNTY)
    bureau = Department.objects.create(region=district, short_name="区水利局", name="重庆市武隆区水利局")
    usernames = [f"{PREFIX}{number:02d}" for number in range(1, users + 1)]
    for username in [*usernames, ALONE]:
        bench_user(username, User.Role.REVIEWER, bureau, f"压测审核员{username[-2:]}")
    return name, usernames


def store_pbkdf2_hashes():
    """Every bench account's password as Django's default hashed it until org.hashers (one
    hash shared by all: the same work to check as fifty, without fifty to compute)."""
    User.objects.filter(username__startswith=PREFIX).update(
        password=make_password(BENCH_PASSWORD, hasher="pbkdf2_sha256")
    )
    connection.close()  # the served portal has its own connections; this one would sit idle


def not_rehashed(usernames):
    stored = User.objects.filter(username__in=usernames).values_list("password", flat=True)
    left = sum(1 for password in stored if not password.startswith(ARGON2ID_OWASP))
    connection.close()
    return left


# --- signing in -----------------------------------------------------------------------------------


def sign_in_once(base, username, *, before_post=None):
    """Seconds of the credentials' POST of one sign-in through the login form, after its GET.
    ``before_post`` is called between the two (the storm's starting line)."""
    session = requests.Session()
    seconds = {}

    def send(request):
        if request.method == "POST" and before_post is not None:
            before_post()
        start = time.perf_counter()
        response = session.request(
            request.method,
            base + request.url,
            data=request.data or None,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
        )
        seconds[request.name] = time.perf_counter() - start
        wrong = problem(request, response)
        if wrong:
            raise SignInFailed(f"{username}: {wrong}")
        return response

    run(sign_in(username, BENCH_PASSWORD), send)
    return seconds["sign-in"]


def alone(base):
    """Median seconds of one sign-in with nobody else about (after one to warm a worker up)."""
    sign_in_once(base, ALONE)
    return statistics.median(sign_in_once(base, ALONE) for _ in range(ALONE_ROUNDS))


def server_cpu(portal):
    """Seconds of CPU gunicorn's master and workers have spent: on a machine shared with other
    work the storm's wall time varies, the work the portal does for it does not."""
    master = psutil.Process(portal.pid)
    return sum(sum(process.cpu_times()[:2]) for process in [master, *master.children(recursive=True)])


def storm(portal, usernames, *, spread):
    """Every account signs in once, in a thread of its own: all POSTs at the same moment
    (``spread`` 0), or each person arriving at a random moment of ``spread`` seconds."""
    seconds, failures = [], []
    cpu_before = [server_cpu(portal)]

    def at_the_starting_line():
        # Every form fetched: from here on the server's CPU goes to the credentials' POSTs.
        cpu_before[0] = server_cpu(portal)

    barrier = None if spread else threading.Barrier(len(usernames), action=at_the_starting_line)
    moments = random.Random(SEED)
    arrivals = [moments.uniform(0, spread) if spread else 0 for _ in usernames]
    started = time.monotonic()

    def person(username, arrival):
        time.sleep(max(0.0, started + arrival - time.monotonic()))
        try:
            starting_line = (lambda: barrier.wait(timeout=REQUEST_TIMEOUT)) if barrier else None
            seconds.append(sign_in_once(portal.base, username, before_post=starting_line))
        except (SignInFailed, requests.RequestException, threading.BrokenBarrierError) as error:
            failures.append(f"{username}: {error!r}" if not isinstance(error, SignInFailed) else str(error))
            if barrier is not None:
                barrier.abort()  # the others must not wait for someone who never comes

    people = [threading.Thread(target=person, args=pair) for pair in zip(usernames, arrivals, strict=True)]
    for thread in people:
        thread.start()
    for thread in people:
        thread.join()
    return Storm(seconds or [float("nan")], failures, server_cpu(portal) - cpu_before[0])


# --- main -----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="people signing in, one account each (default 50)")
    parser.add_argument("--spread", type=float, default=60, help="seconds the second storm is spread over (60)")
    args = parser.parse_args()
    if not 2 <= args.users <= 200 or not 1 <= args.spread <= 600:
        parser.error("--users must be 2–200 and --spread 1–600")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill must also stop the server
    started = time.perf_counter()
    name, usernames = set_up(args.users)
    store_pbkdf2_hashes()
    setup_seconds = time.perf_counter() - started
    problems = []
    with tempfile.TemporaryDirectory(prefix="bench_signin_") as folder:
        first, second = Path(folder) / "pbkdf2", Path(folder) / "argon2"
        for each in (first, second):
            each.mkdir()
        load_before = os.getloadavg()[0]
        with served_portal(first, PBKDF2_SETTINGS) as portal:
            pbkdf2_alone = alone(portal.base)
            pbkdf2_at_once = storm(portal, usernames, spread=0)
            pbkdf2_spread = storm(portal, usernames, spread=args.spread)
            problems += portal.errors()
        # The static files the first portal collected: collecting again takes a minute.
        with served_portal(second, PRODUCTION_SETTINGS, static_root=first / "static") as portal:
            upgrade = storm(portal, usernames, spread=0)
            left = not_rehashed(usernames)
            argon2_alone = alone(portal.base)
            argon2_at_once = storm(portal, usernames, spread=0)
            argon2_spread = storm(portal, usernames, spread=args.spread)
            problems += portal.errors()
        load_after = os.getloadavg()[0]
    if left:
        problems.append(f"{left} of {args.users} stored hashes not Argon2id ({ARGON2ID_OWASP}…) after signing in")
    storms = (pbkdf2_at_once, pbkdf2_spread, upgrade, argon2_at_once, argon2_spread)
    problems += [failure for each in storms for failure in each.failures]

    heading(
        f"Sign-in storm on {name}: {args.users} people through the login form, gunicorn "
        f"({GUNICORN_WORKERS} sync workers, production settings) on loopback"
    )
    print(
        f"{os.cpu_count()} cores; 1-minute load average {load_before:.1f} before, {load_after:.1f} after; "
        f"setup {setup_seconds:.0f} s; baseline: the same server with Django's own hashers and PBKDF2 hashes "
        "of 1,000,000 rounds",
        flush=True,
    )
    figure("1 sign-in alone, Argon2id (median)", argon2_alone, baseline=pbkdf2_alone, baseline_label="PBKDF2")
    users = args.users
    figure(
        "server CPU per sign-in POST, Argon2id",
        argon2_at_once.cpu / users,
        baseline=pbkdf2_at_once.cpu / users,
        baseline_label="PBKDF2",
        extra=f"the storm at once; rehashing PBKDF2: {upgrade.cpu / users:.2f} s",
    )
    cores = os.cpu_count()
    figure(
        f"{users} at once: server CPU ÷ {cores} cores",
        argon2_at_once.cpu / cores,
        baseline=pbkdf2_at_once.cpu / cores,
        baseline_label="PBKDF2",
        extra="the last sign-in's wait on otherwise idle cores",
    )
    show(f"{args.users} at once", argon2_at_once, pbkdf2_at_once, bar=True)
    show(f"{args.users} within {args.spread:g} s", argon2_spread, pbkdf2_spread, bar=True)
    show(f"{args.users} at once, PBKDF2 rehashed", upgrade, pbkdf2_at_once, bar=False)
    print(
        f"after the first sign-in: {args.users - left} of {args.users} stored hashes are Argon2id m=19456,t=2,p=1",
        flush=True,
    )
    for line in problems[:20]:
        print(f"FAILED: {line}")
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    if problems:
        sys.exit(f"FAILED: {len(problems)} failed sign-ins, server errors or hashes not rehashed.")


def show(label, measured, baseline, *, bar):
    """p50, p95 (with the bar when ``bar``) and max of a storm beside the PBKDF2 storm's."""
    figure(f"{label}: p50", measured.p50, baseline=baseline.p50, baseline_label="PBKDF2")
    figure(
        f"{label}: p95",
        measured.p95,
        baseline=baseline.p95,
        baseline_label="PBKDF2",
        max_seconds=MAX_P95_SECONDS if bar else None,
    )
    figure(f"{label}: max", measured.max, baseline=baseline.max, baseline_label="PBKDF2")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted: the server was stopped")

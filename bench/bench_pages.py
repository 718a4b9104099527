"""Latency and queries per request of four pages at national scale: the scorecards of a
county (reports:summary), the city view (reports:city), the review inbox
(tasks:review_inbox) and a plan (tasks:plan_detail).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jieshui_bench \\
        .venv/bin/python bench/bench_pages.py [--users 20] [--seconds 30] [--think 1] [--quarter 2026Q3]

Needs the data of ``manage.py generate_scale_data`` and ``pip install -r requirements-bench.txt``.
It adds bench accounts (``bench_…``) and, where a city or province has no department, its
water bureau; nothing else is written but sessions and sign-in records, and the planner
statistics of tables that have none yet (see ``analyze_stale_tables``; ``--no-analyze``).

1. Queries per request, in-process (django.test.Client): each page seen by viewers whose
   scope grows from one county to the whole country. The count must not grow with it.
2. Latency through the production stack (gunicorn, production settings, WhiteNoise) on
   loopback: each page's p50 with one user reading pages one after another (the baseline),
   then p50 and p95 with ``--users`` locust users signed in through the login form.
   Any request that does not answer 200 makes the script exit non-zero.
"""

import argparse
import itertools
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from common import heading, require_scale_data, setup, timed
from served import (
    GUNICORN_WORKERS,
    failure_count,
    one_user_baseline,
    print_latencies,
    print_totals,
    run_locust,
    served_portal,
)
from steps import LOGIN_URL

# The in-process client renders with the plain static storage of the dev settings; the
# served run below uses the production settings and their collected, hashed files.
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
setup()

from accounts import BENCH_PASSWORD, bench_user, water_bureau  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.periods import Quarter  # noqa: E402
from demo.scale import MARKER  # noqa: E402
from org.models import User  # noqa: E402
from org.scoping import visible_to  # noqa: E402
from reports.models import RegionVerdict, Scorecard  # noqa: E402
from tasks.models import Plan, ProgressReport  # noqa: E402

MAX_P95_MS = 200
REVIEWED_COUNTIES = 18  # reviewer accounts, of counties spread over the country; + 2 supervisors = 20 accounts
BASELINE_ROUNDS = 3  # sequential reads of every account's every page for the one-user baseline
PAGES = ["scorecards", "city view", "review inbox", "plan detail"]
LOGIN_FORM = f'action="{LOGIN_URL}"'


# --- accounts and the pages each reads -----------------------------------------------------


def county_plan(county):
    return Plan.objects.filter(region=county, title__endswith=MARKER).order_by("pk").first()


def pages_of(user, county, quarter):
    """[(page, url, text the page must show)] of ``user`` looking at ``county``."""
    plan = county_plan(county)
    # The inbox must list the county's entries, not only its heading: the link to one of them.
    entry = (
        ProgressReport.objects.filter(item__plan=plan, year=quarter.year, quarter=quarter.number)
        .exclude(state=ProgressReport.State.DRAFT)
        .order_by("pk")
        .first()
    )
    pages = [
        ("scorecards", f"{reverse('reports:summary')}?region={county.code}&quarter={quarter}", county.name),
        ("city view", f"{reverse('reports:city')}?quarter={quarter}", county.name),
        (
            "review inbox",
            f"{reverse('tasks:review_inbox')}?quarter={quarter}",
            f'href="{entry.get_absolute_url()}"' if entry else quarter.label,
        ),
        ("plan detail", reverse("tasks:plan_detail", args=[plan.pk]), plan.title),
    ]
    if user.role == User.Role.SUPERVISOR:
        pages = [page for page in pages if page[0] != "review inbox"]  # reviewing is not a supervisor's
    return pages


@transaction.atomic
def bench_accounts(counties):
    """The 20 accounts of the load: reviewers of counties spread over the country, the
    supervisor of the first one's city and of its province; and an administrator, who
    only serves the national end of the query counts."""
    chosen = [counties[i * len(counties) // REVIEWED_COUNTIES] for i in range(REVIEWED_COUNTIES)]
    chosen = list(dict.fromkeys(chosen))  # fewer counties than reviewers: each once
    reviewers = [
        (bench_user(f"bench_reviewer_{c.code}", User.Role.REVIEWER, water_bureau(c), f"基准测试审核员{c.code}"), c)
        for c in chosen
    ]
    first = chosen[0]
    city, province = first.parent, first.parent.parent
    supervisors = [
        (bench_user(f"bench_supervisor_{r.code}", User.Role.SUPERVISOR, water_bureau(r), f"基准测试督导{r.code}"),
         first)
        for r in (city, province)
    ]
    admin = bench_user("bench_admin", User.Role.ADMIN, None, "基准测试管理员")
    return reviewers + supervisors, admin


# --- the database's planner statistics ------------------------------------------------------


def analyze_stale_tables():
    """ANALYZE the tables autovacuum would analyze now, by its default rule (more than
    50 + 10 % of the rows changed since the last ANALYZE); returns their names.

    PostgreSQL chooses its plans from table statistics, which autovacuum refreshes after a
    bulk load such as generate_scale_data. Where autovacuum is off, a freshly generated
    database has none: the planner then expects a few rows where there are 150,000 and the
    review inbox takes a second instead of a millisecond — a state no deployment runs in.
    ANALYZE reads the tables and writes only the statistics."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE n_mod_since_analyze > 50 + 0.1 * n_live_tup ORDER BY relname"
        )
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return tables


# --- 1. queries per request, in-process ----------------------------------------------------


def get_checked(client, url, must_show):
    """(response, what is wrong with it or "")."""
    response = client.get(url)
    text = response.content.decode()
    if response.status_code != 200:
        return response, f"status {response.status_code}"
    if LOGIN_FORM in text or must_show not in text:
        return response, f"200 but not the page expected (it should show {must_show})"
    return response, ""


def query_counts(accounts, admin, quarter):
    """Each page for the first county, seen by a viewer of that county, of its city, of its
    province and of the whole country: the query count must not rise as the scope widens.
    Returns (pages whose count rises, pages a viewer could not open)."""
    reviewer, county = accounts[0]
    (city_supervisor, _), (province_supervisor, _) = accounts[-2:]
    viewers = [("county reviewer", reviewer), ("city supervisor", city_supervisor),
               ("province supervisor", province_supervisor), ("administrator", admin)]
    # Wall time of one request, and the CPU time this process spent on it: on a shared
    # machine the first depends on the neighbours, the second hardly.
    print(f"{'page':<14} {'viewer':<20} {'districts seen':>14} {'queries':>8} {'wall':>9} {'cpu':>9} {'size':>10}")
    grows, problems = [], []
    for page in PAGES:
        counts = []
        for label, user in viewers:
            found = [p for p in pages_of(user, county, quarter) if p[0] == page]
            districts = visible_to(user).districts().count()
            if not found:
                print(f"{page:<14} {label:<20} {districts:>14,}   — (not this role's page: 404 by design)")
                continue
            _name, url, must_show = found[0]
            client = Client()
            client.force_login(user)
            get_checked(client, url, must_show)  # first request: templates compiled, caches filled
            cpu = time.process_time()
            with CaptureQueriesContext(connection) as queries:
                seconds, (response, problem) = timed(lambda c=client, u=url, m=must_show: get_checked(c, u, m))
            cpu = time.process_time() - cpu
            if problem:
                print(f"{page:<14} {label:<20} {districts:>14,}   UNEXPECTED: {url} {problem}")
                problems.append(f"{page} as {label}: {problem}")
                continue
            counts.append(len(queries))
            print(f"{page:<14} {label:<20} {districts:>14,} {len(queries):>8} {seconds * 1000:>6.0f} ms "
                  f"{cpu * 1000:>6.0f} ms {len(response.content) / 1024:>6.0f} KiB")
        rises = [(a, b) for a, b in itertools.pairwise(counts) if b > a]
        if rises:
            grows.append(f"{page} ({', '.join(f'{a} → {b}' for a, b in rises)})")
    print(f"query counts that rise with a wider scope: {', '.join(grows) if grows else 'none'}")
    return grows, problems


# --- 2. latency through gunicorn and locust -------------------------------------------------


def latency_run(accounts, quarter, users, seconds, think):
    plan = [
        {"username": user.username, "password": BENCH_PASSWORD,
         "steps": [{"kind": "page", "name": page, "url": url} for page, url, _ in pages_of(user, county, quarter)]}
        for user, county in accounts
    ]
    with tempfile.TemporaryDirectory(prefix="bench_pages_") as folder, served_portal(Path(folder)) as portal:
        load_before = os.getloadavg()[0]
        baseline = one_user_baseline(portal.base, plan, BASELINE_ROUNDS)
        work = {"accounts": plan, "think_seconds": think, "page_seconds": seconds}
        rows, failed, _cut_off = run_locust(portal.base, work, users, seconds, Path(folder))
        load_after = os.getloadavg()[0]
        errors = portal.errors()
    heading(f"Latency: gunicorn ({GUNICORN_WORKERS} sync workers, production settings) on loopback; "
            f"{users} locust users for {seconds} s, {think:g} s think time on average")
    # Latency on a shared machine means little if something else was using the cores.
    print(f"{os.cpu_count()} cores; 1-minute load average {load_before:.1f} before the baseline, "
          f"{load_after:.1f} after the load")
    print_latencies(rows, baseline, PAGES, users=users, max_p95_ms=MAX_P95_MS)
    print_totals(rows, failed, errors)
    return failure_count(rows) + len(errors)


# --- main ----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users (default 20)")
    parser.add_argument("--seconds", type=int, default=30, help="length of the locust run (default 30)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between a user's requests (default 1; 0 = back-to-back)"
    )
    parser.add_argument("--quarter", help="quarter the pages show, e.g. 2026Q3 (default: the data's last)")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="leave stale planner statistics as they are (see analyze_stale_tables)")
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 1 <= args.seconds <= 600:
        parser.error("--users must be 1–200 and --seconds 1–600")
    # A kill (not only Ctrl-C) must also run the finally blocks that stop the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The test client's host name. Not setup_test_environment(): its instrumented template
    # rendering would be timed with the pages.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # A 404 is shown in the table of query counts; Django's warning would land in its middle.
    logging.getLogger("django.request").setLevel(logging.ERROR)

    counties = list(require_scale_data())
    latest = ProgressReport.objects.filter(item__plan__region=counties[0]).order_by("-year", "-quarter")
    quarter = Quarter.parse(args.quarter) if args.quarter else Quarter(*latest.values_list("year", "quarter")[0])
    accounts, admin = bench_accounts(counties)
    scorecards = Scorecard.objects.filter(year=quarter.year, quarter=quarter.number).count()
    verdicts = RegionVerdict.objects.filter(year=quarter.year, quarter=quarter.number).count()
    entries = ProgressReport.objects.filter(year=quarter.year, quarter=quarter.number).count()
    heading(f"Pages at scale: {len(counties):,} counties on {connection.vendor}, quarter {quarter}")
    analyzed = analyze_stale_tables() if args.analyze else []
    if analyzed:
        print(f"ANALYZE of {len(analyzed)} tables whose planner statistics were missing or stale "
              f"(autovacuum would have done it): {', '.join(analyzed)}")
    print(
        f"{entries:,} progress entries, {scorecards:,} scorecards and {verdicts:,} verdicts in {quarter}; "
        f"{len(accounts)} accounts: {len(accounts) - 2} county reviewers, a city and a province supervisor"
    )
    if not scorecards:
        print("NOTE: no scorecards computed for this quarter: the scorecards and city pages are measured empty.")

    heading("Queries per request (in-process, django.test.Client, second request of each viewer)")
    grows, problems = query_counts(accounts, admin, quarter)
    connection.close()  # the served run has its own connections; this one would sit idle meanwhile

    failures = latency_run(accounts, quarter, args.users, args.seconds, args.think)
    if grows:
        print("\nQuery counts rise with a wider scope: " + ", ".join(grows))
    if problems:
        print("\nPages a viewer could not open in-process:\n  " + "\n  ".join(problems))
    if failures or problems:
        sys.exit(f"\nFAILED: {failures} failed requests or server errors under load, {len(problems)} pages in-process.")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted: the server and locust were stopped")

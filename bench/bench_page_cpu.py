"""CPU per request of the load run's pages, in-process: what a gunicorn worker spends on
each of them, without the network, the queueing or the other users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jieshui_pagecpu \\
        .venv/bin/python bench/bench_page_cpu.py [--repeat 40] [--reuse] [--profile "plan detail"]

The database is set up as bench/load_run.py sets up its own (it is dropped and created
again, so its name must end in ``_pagecpu``): the demo, 30 generated counties, every score
computed, and one account of each role with the same steps as the load run's baseline
accounts. ``--reuse`` keeps the database and the steps of an earlier run (written beside
it in the temporary folder), so that the code of two branches can be compared on the same
data. The portal runs with the production settings (cached templates, WhiteNoise's
manifest of collected static files), DEBUG off, the requests through Django's test client
with the whole middleware stack; the users are signed in by session, not by the login form.

For each page: milliseconds of this process's CPU per request (the worker's cost; the
database's own CPU is not in it), wall milliseconds (with the database's time), and the
SQL queries of one request. The baseline in the same run is the sign-in form read by an
anonymous user: the cost of the middleware and the base template with nothing in them.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, heading, recreate_database, setup
from served import SECRET_KEY, collect_static

STATIC = Path(tempfile.gettempdir()) / "bench_page_cpu_static"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PORTAL_DEMO": "true",  # load_demo and generate_scale_data for the setup
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(STATIC),
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("REDIS_URL", None)  # recomputes inline, as in the load run
os.environ.pop("DJANGO_DEBUG", None)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jieshui_pagecpu")
setup()

import dj_database_url  # noqa: E402
import load_run  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from steps import FORM_VERSION, LOGIN_URL  # noqa: E402

from core.periods import Quarter  # noqa: E402
from org.models import User  # noqa: E402

# The load run's pages, by the line they are counted in, with how many of them it served at
# 2 s think time: the order of the report, busiest first.
PAGES = [
    "to-do",
    "progress form",
    "draft save",
    "entry detail",
    "indicators board",
    "plan detail",
    "task table export",
    "review inbox",
    "home (reporter)",
    "scorecards",
    "report page",
    "home (reviewer)",
    "home (supervisor)",
    "city view",
]


def steps_file():
    name = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
    return Path(tempfile.gettempdir()) / f"bench_page_cpu_{name}.json"


def set_up(reuse):
    """{role: the baseline account's plan entry}, from the load run's own planner."""
    if reuse and steps_file().exists():
        return json.loads(steps_file().read_text())
    started = time.perf_counter()
    recreate_database("_pagecpu")
    load_run.load_data()
    quarter = Quarter.containing(timezone.localdate())
    # Many entries set aside for the reviewer: each decision takes one.
    _, baseline = load_run.plan_accounts(3, 20, 2, quarter)
    accounts = {account["role"]: account for account in baseline}
    steps_file().write_text(json.dumps(accounts, ensure_ascii=False))
    print(f"setup {time.perf_counter() - started:.0f} s", flush=True)
    return accounts


def requests_by_page(accounts):
    """{page: (client, function of no argument sending one request and checking it)}."""
    found = {}
    for role, account in accounts.items():
        client = Client()
        client.force_login(User.objects.get(username=account["username"]))
        for step in account["steps"]:
            if step["kind"] == "page" and step["name"] not in found:
                found[step["name"]] = getter(client, step["url"], step["must_show"])
        for entry in account.get("drafts", [])[:1]:
            found.setdefault("progress form", getter(client, entry["url"], entry["must_show"]))
            found.setdefault("draft save", draft_saver(client, entry))
            found.setdefault("to-do", getter(client, entry["saved_location"], ""))
        for entry in account.get("reviews", [])[:1]:
            found.setdefault("entry detail", getter(client, entry["url"], entry["review_url"]))
        del role
    anonymous = Client()
    found["sign-in form (baseline)"] = getter(anonymous, LOGIN_URL, "csrfmiddlewaretoken")
    return found


def getter(client, url, must_show):
    def get():
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url}: {response.status_code}")
        if must_show and not response.get("Content-Disposition") and must_show not in response.content.decode():
            sys.exit(f"GET {url}: does not show {must_show!r}")
        return response

    return get


def draft_saver(client, entry):
    """A draft save as the form posts it, with the version the form shows (read once, then
    counted up: each save moves it by one)."""
    version = [int(FORM_VERSION.search(client.get(entry["url"]).content.decode()).group(1))]

    def save():
        data = {
            "version": str(version[0]),
            "status": "in_progress",
            "percent": "30",
            "quantity": "",
            "work_done": f"按计划推进本项工作（第{version[0]}次保存）",
            "problems": "",
            "next_plan": "继续推进。",
        }
        response = client.post(entry["url"], data)
        if response.status_code != 302 or response["Location"] != entry["saved_location"]:
            sys.exit(f"POST {entry['url']}: {response.status_code} {response.get('Location')}")
        version[0] += 1
        return response

    return save


def measure(pages, repeat):
    """{page: (median CPU ms, median wall ms, queries of one request)}. The pages take turns,
    one request each per round after a round to warm up, so that what the process has piled
    up by then (garbage to collect, caches) weighs on every page alike."""
    samples = {name: ([], []) for name in pages}
    for round_number in range(repeat + 1):
        for name, send in pages.items():
            c, w = time.process_time(), time.perf_counter()
            send()
            if round_number:
                samples[name][0].append((time.process_time() - c) * 1000)
                samples[name][1].append((time.perf_counter() - w) * 1000)
    figures = {}
    for name, send in pages.items():
        with CaptureQueriesContext(connection) as queries:
            send()
        cpu, wall = samples[name]
        figures[name] = (statistics.median(cpu), statistics.median(wall), len(queries))
    return figures


def profile(send, repeat, name):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        send()
    profiler.disable()
    heading(f"Profile of {name}, {repeat} requests (cumulative)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    heading(f"Profile of {name}, {repeat} requests (own time)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40, help="requests measured per page (default 40)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and steps of an earlier run")
    parser.add_argument("--profile", metavar="PAGE", help="profile this page under cProfile instead")
    parser.add_argument("--only", metavar="PAGE", action="append", help="measure only these pages")
    args = parser.parse_args()
    accounts = set_up(args.reuse)
    collect_static(dict(os.environ))
    pages = requests_by_page(accounts)
    if args.profile:
        profile(pages[args.profile], args.repeat, args.profile)
        return
    git = os.popen(f"git -C {ROOT} log -1 --format='%h %s'").read().strip()  # noqa: S605 — a fixed command
    heading(f"CPU per request, in-process, production settings, {args.repeat} requests each; code {git[:70]}")
    print(f"1-minute load average {os.getloadavg()[0]:.1f}")
    baseline_name = "sign-in form (baseline)"
    missing = [name for name in args.only or PAGES if name not in pages]
    for name in missing:
        print(f"{name:<26} not among the accounts' steps")
    wanted = [name for name in args.only or PAGES if name in pages]
    figures = measure({name: pages[name] for name in [baseline_name, *wanted]}, args.repeat)
    base_cpu = figures[baseline_name][0]
    for name, (cpu, wall, queries) in figures.items():
        ratio = "" if name == baseline_name else f"   {cpu / base_cpu:5.1f}× the baseline's CPU"
        print(f"{name:<26} CPU {cpu:6.1f} ms   wall {wall:6.1f} ms   {queries:3d} queries{ratio}")
    print(f"1-minute load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

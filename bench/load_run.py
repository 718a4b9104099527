"""The bounded load run: ``--users`` people signed in through the login form (50) working
for ``--seconds`` (120) against the portal served as in production on loopback, with zero
errors — every answer the expected one — or the script exits non-zero.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jieshui_load \\
        .venv/bin/python bench/load_run.py [--users 50] [--seconds 120] [--think 5]

Needs PostgreSQL and ``pip install -r requirements-bench.txt``; REDIS_URL is ignored: jobs
run inline in the web workers (the embedded default), so an approval recomputes the
district's scorecards within its request.

1. Setup, the same every run (20 s on a quiet machine): the database of DATABASE_URL — its name must
   end in ``_load``, it is dropped — is created empty and migrated; ``load_demo``;
   ``generate_scale_data --regions 30 --quarters 8`` (its plans extended to this year, so
   that this quarter has work to report); ``recompute_all``; one account per user, across
   roles: 60 % department reporters, 30 % district reviewers, the rest city or province
   supervisors, each in a department of its own (reporters) or a district of its own
   (reviewers, while there are enough). Each reporter has work items of this quarter only
   they write; each reviewer has entries set aside, submitted, that only they decide.
2. gunicorn with the production settings on a free 127.0.0.1 port (bench/served.py).
3. Baseline: one account of each role, alone, going through its cycle of steps (below)
   three times after a round to warm up: each request's p50 with nobody else about.
4. Load: locust headless (bench/locustfile.py), every user signed in through the login form
   first, then ``--seconds`` of each role's cycle with think time before every step:
   - reporter: home, 本季度待办, open an entry and save a draft (POST with the form's token
     and version, redirected to the to-do with 草稿已保存), the plan, the indicator board,
     the department's task table export (.xlsx);
   - reviewer: home, the review inbox, open a submitted entry and approve it or return it
     with a comment (and see it confirmed), scorecards, the plan, the indicator board, the
     quarterly report page, the task table export;
   - supervisor: home, the districts compared, a district's scorecards, indicator board,
     plan, report page and export.
   Any status other than the expected one (200, or 302 to the expected address), a page
   without what it must show, a server error in gunicorn's log, or a save or decision
   missing from the database afterwards (a lost update) is a failure.
"""

import argparse
import itertools
import math
import os
import signal
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

from common import heading, recreate_database, setup
from served import (
    GUNICORN_WORKERS,
    failure_count,
    one_user_baseline,
    print_latencies,
    print_totals,
    run_locust,
    served_portal,
)

os.environ.pop("REDIS_URL", None)  # jobs inline, in the setup and in the served portal alike
os.environ["LOG_LEVEL"] = "WARNING"  # the eager jobs of the setup would log a line each
setup()

from accounts import BENCH_PASSWORD, bench_user, water_bureau  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from steps import XLSX  # noqa: E402

from core.periods import Quarter  # noqa: E402
from demo.scale import MARKER  # noqa: E402
from indicators.models import Adoption  # noqa: E402
from org.models import Region, User  # noqa: E402
from tasks.models import Assignment, Plan, ProgressReport, TaskNode  # noqa: E402
from tasks.services import progress_open  # noqa: E402

SCALE_REGIONS, SCALE_QUARTERS = 30, 8  # ~4 s to generate: districts enough for a district per reviewer
DEMO_DISTRICT = "500156"  # 武隆: the demo plan copied to this year
DEMO_SUPERVISED = "500000"  # 重庆: the demo supervisor's region, above 武隆 and 黔江
DRAFT_ITEMS = 3  # work items each reporter writes
BASELINE_ROUNDS = 3
# A clerk reads a page or fills a form for a few seconds before the next click (a real one
# takes far longer over an entry); at 2 s fifty users already saturate two cores.
THINK_SECONDS = 5.0
# Seconds the steps under way at the end get to finish: a save or decision sent but never
# counted would show as a difference between the answers and the database.
STOP_TIMEOUT = 30
REPORTER_SHARE, REVIEWER_SHARE = 0.6, 0.3
RETURN_COMMENT = "请补充本季度完成情况的佐证材料。"
# Each role's cycle of steps: pages by the line they are counted in, and the three form steps
# (draft, approve, return), whose requests are counted as progress form / draft save / to-do
# and entry detail / approve or return / entry detail.
CYCLES = {
    User.Role.REPORTER: ["home (reporter)", "to-do", "draft", "plan detail", "draft", "indicators board", "to-do",
                         "draft", "task table export"],
    User.Role.REVIEWER: ["home (reviewer)", "review inbox", "approve", "review inbox", "approve", "scorecards",
                         "review inbox", "return", "plan detail", "indicators board", "report page",
                         "task table export"],
    User.Role.SUPERVISOR: ["home (supervisor)", "city view", "scorecards", "indicators board", "plan detail",
                           "report page", "task table export"],
}
# The lines of the figures, in the order a day's work meets them.
NAMES = ["home (reporter)", "home (reviewer)", "home (supervisor)", "to-do", "progress form", "draft save",
         "review inbox", "entry detail", "approve", "return", "scorecards", "city view", "indicators board",
         "plan detail", "report page", "task table export"]


# --- 1. setup -----------------------------------------------------------------------------------


def load_data():
    """[(step, seconds)] of filling the new database."""
    timings = []

    def step(label, *args, **options):
        start = time.perf_counter()
        call_command(*args, stdout=StringIO(), **options)
        timings.append((label, time.perf_counter() - start))

    step("migrate", "migrate", interactive=False, verbosity=0)
    step("load_demo", "load_demo")
    step(f"generate_scale_data --regions {SCALE_REGIONS}", "generate_scale_data", regions=SCALE_REGIONS,
         quarters=SCALE_QUARTERS)
    # Its plans end with the last finished quarter: in a first quarter that is last year, and
    # this quarter's clerks would have nothing to report.
    Plan.objects.filter(title__endswith=MARKER).update(end_year=Quarter.containing(timezone.localdate()).year)
    step("recompute_all", "recompute_all")
    return timings


def running_plan(region, year):
    return Plan.objects.filter(region=region, start_year__lte=year, end_year__gte=year).order_by("-start_year").first()


class District:
    """A district that takes part: its running plan, the reporters' departments with the
    items they may still write this quarter, and the entries its reviewers may decide."""

    def __init__(self, region, quarter):
        self.region, self.quarter = region, quarter
        self.plan = running_plan(region, quarter.year)
        self.departments = self._writable_items()
        self._entries = self._decidable_entries()

    def _writable_items(self):
        """[(department, [items])]: the lead departments, most items first, with the items
        whose entry this quarter does not exist yet or is still the department's to change."""
        closed = ProgressReport.objects.filter(item__plan=self.plan, year=self.quarter.year,
                                               quarter=self.quarter.number).exclude(
            state__in=ProgressReport.EDITABLE_STATES).values_list("item", "department")
        closed = set(closed)
        items = {}
        leads = Assignment.objects.filter(node__plan=self.plan, node__level=TaskNode.Level.WORK_ITEM, role="lead")
        for lead in leads.select_related("department", "node").order_by("node__position"):
            if (lead.node_id, lead.department_id) not in closed:
                items.setdefault(lead.department, []).append(lead.node)
        return sorted(items.items(), key=lambda pair: (-len(pair[1]), pair[0].pk))

    def _decidable_entries(self):
        """The plan's entries of finished quarters, latest first: what reviewers are given."""
        entries = ProgressReport.objects.filter(item__plan=self.plan).filter(
            Q(year__lt=self.quarter.year) | Q(year=self.quarter.year, quarter__lt=self.quarter.number))
        return iter(entries.select_related("department").order_by("-year", "-quarter", "pk"))

    def take_department(self):
        if not self.departments:
            sys.exit(f"{self.region}: no department left with work to report this quarter")
        return self.departments.pop(0)

    def take_entries(self, count):
        taken = [entry for _, entry in zip(range(count), self._entries, strict=False)]
        if len(taken) < count:
            sys.exit(f"{self.region}: {count} entries wanted for a reviewer, {len(taken)} left")
        return taken


def set_aside_for_review(entries):
    """The entries as their department submitted them, waiting for the reviewer they are
    reserved for (data preparation, so written directly: no history, no recompute)."""
    ProgressReport.objects.filter(pk__in=[e.pk for e in entries]).update(
        state=ProgressReport.State.SUBMITTED, submitted_at=Coalesce("submitted_at", timezone.now()),
        reviewed_at=None, reviewed_by=None, review_comment="",
    )


def role_counts(users):
    """Reporters, reviewers and supervisors in the run's shares; from three users on, at
    least one of each."""
    reviewers = max(1, round(users * REVIEWER_SHARE)) if users > 1 else 0
    supervisors = max(1, users - round(users * REPORTER_SHARE) - reviewers) if users > 2 else 0
    return {User.Role.REPORTER: users - reviewers - supervisors, User.Role.REVIEWER: reviewers,
            User.Role.SUPERVISOR: supervisors}


def reviews_needed(seconds, think):
    """More decisions than a reviewer can take in ``seconds``: a step is followed by at least
    half the mean think time, and a user starts anywhere in its cycle."""
    cycle = CYCLES[User.Role.REVIEWER]
    per_cycle = sum(1 for name in cycle if name in ("approve", "return"))
    steps = math.ceil(seconds / (0.5 * think)) + 2  # +1 finishing during the stop, +1 rounding
    return math.ceil(steps * per_cycle / len(cycle)) + per_cycle


class Planner:
    """Creates the accounts and writes each one's steps for the locustfile."""

    def __init__(self, quarter):
        self.quarter, self.finished = quarter, quarter.previous()
        demo = Region.objects.get(code=DEMO_DISTRICT)
        scale = Region.objects.filter(plans__title__endswith=MARKER).distinct().order_by("code")
        self.districts = [District(region, quarter) for region in [demo, *scale]]
        self.supervised = [Region.objects.get(code=DEMO_SUPERVISED), *self._scale_regions_above(scale)]
        with translation.override("zh-hans"):
            self.saved_message = _("Draft saved.")
            self.approved_message = _("Approved. The entry is now locked.")
            self.returned_message = _("Returned to %(department)s.")
            self.no_board_message = _("No region you can see has adopted an indicator set yet.")
        self.counters = {}  # (prefix, role) -> accounts made
        self.positions = itertools.count()  # accounts made: which district or region is next

    @staticmethod
    def _scale_regions_above(counties):
        cities = Region.objects.filter(children__in=counties).distinct().order_by("code")
        provinces = Region.objects.filter(children__in=cities).distinct().order_by("code")
        return [*cities, *provinces]

    def _username(self, role, prefix):
        number = self.counters[(prefix, role)] = self.counters.get((prefix, role), 0) + 1
        return f"{prefix}_{role}_{number:02d}"

    def account(self, role, *, prefix="load", reviews=0):
        """(user, its steps and entries) of a new account of ``role``: each takes the next
        district or region in turn, and there a department (a reporter) or ``reviews``
        entries (a reviewer) of its own."""
        username = self._username(role, prefix)
        position = next(self.positions)
        if role == User.Role.SUPERVISOR:
            return self._supervisor(username, self.supervised[position % len(self.supervised)])
        district = self.districts[position % len(self.districts)]
        if role == User.Role.REPORTER:
            return self._reporter(username, district)
        return self._reviewer(username, district, reviews)

    def _reporter(self, username, district):
        department, items = district.take_department()
        user = bench_user(username, User.Role.REPORTER, department, f"压测填报员{username[-2:]}")
        todo = reverse("tasks:progress_todo")
        drafts = []
        for item in items[:DRAFT_ITEMS]:
            # The empty draft the form's first opening creates, made now, so that its version
            # before the run is known and every save can be found afterwards.
            entry = progress_open(item=item, department=department, quarter=self.quarter)
            drafts.append({
                "pk": entry.pk, "version": entry.version, "saves": 1, "percent": 20 + 10 * len(drafts),
                "url": reverse("tasks:progress_entry", args=[item.pk, str(self.quarter)]),
                "must_show": 'name="version"', "saved_location": f"{todo}?quarter={self.quarter}",
            })
        pages = {
            "home (reporter)": (reverse("home"), str(user)),
            "to-do": (todo, department.name),
            **self._district_pages(district, department=department),
        }
        steps = [self._step(name, pages) for name in CYCLES[User.Role.REPORTER]]
        return user, {"steps": steps, "drafts": drafts}

    def _reviewer(self, username, district, reviews):
        user = bench_user(username, User.Role.REVIEWER, water_bureau(district.region), f"压测审核员{username[-2:]}")
        entries = district.take_entries(reviews)
        set_aside_for_review(entries)
        inbox = f"{reverse('tasks:review_inbox')}?quarter={entries[0].period}"
        pages = {
            "home (reviewer)": (reverse("home"), str(user)),
            # Its first entry's link: the inbox lists this district's entries, not only its heading.
            "review inbox": (inbox, f'href="{entries[0].get_absolute_url()}"'),
            **self._district_pages(district),
        }
        decisions = [{
            "pk": entry.pk, "url": entry.get_absolute_url(), "review_url": reverse("tasks:progress_review",
                                                                                   args=[entry.pk]),
            "approve_message": self.approved_message,
            "return_message": self.returned_message % {"department": entry.department},
        } for entry in entries]
        steps = [self._step(name, pages) for name in CYCLES[User.Role.REVIEWER]]
        return user, {"steps": steps, "reviews": decisions}

    def _supervisor(self, username, region):
        user = bench_user(username, User.Role.SUPERVISOR, water_bureau(region), f"压测督导{username[-2:]}")
        below = set(Region.objects.filter(region.subtree_q()).values_list("pk", flat=True))
        district = next(d for d in self.districts if d.region.pk in below)
        pages = {
            "home (supervisor)": (reverse("home"), str(user)),
            "city view": (f"{reverse('reports:city')}?quarter={self.finished}", district.region.name),
            **self._district_pages(district, region_in_address=True),
        }
        steps = [self._step(name, pages) for name in CYCLES[User.Role.SUPERVISOR]]
        return user, {"steps": steps}

    def _district_pages(self, district, *, department=None, region_in_address=False):
        """{name: (address, text it must show)} of the district's pages, for the last finished
        quarter (the one with computed figures)."""
        region, plan = district.region, district.plan
        query = f"?region={region.code}&quarter={self.finished}" if region_in_address else f"?quarter={self.finished}"
        title = f"{region.name} · "  # how a district's page starts
        export = reverse("tasks:plan_export", args=[plan.pk])
        # A district that adopted no standard: its people see the board's empty state.
        board = title if Adoption.objects.filter(region=region).exists() else self.no_board_message
        return {
            "scorecards": (reverse("reports:summary") + query, title),
            "indicators board": (reverse("indicators:board") + query, board),
            "report page": (reverse("reports:quarterly") + query, title),
            "plan detail": (reverse("tasks:plan_detail", args=[plan.pk]), plan.title),
            "task table export": (f"{export}?department={department.pk}" if department else export, ""),
        }

    def _step(self, name, pages):
        if name == "draft":
            return {"kind": "draft", "work_done": "按计划推进本项工作，完成阶段任务。", "next_plan": "继续推进。",
                    "saved_message": self.saved_message}
        if name in ("approve", "return"):
            return {"kind": "review", "action": name, "comment": RETURN_COMMENT if name == "return" else ""}
        url, must_show = pages[name]
        step = {"kind": "page", "name": name, "url": url, "must_show": must_show}
        if name == "task table export":
            step["content_type"] = XLSX
        return step


@transaction.atomic
def plan_accounts(users, seconds, think, quarter):
    """(the load's accounts, the baseline's accounts): plan entries for the locustfile."""
    planner = Planner(quarter)
    counts = role_counts(users)
    pool = reviews_needed(seconds, think)
    load = [planner.account(role, reviews=pool) for role, count in counts.items() for _ in range(count)]
    # The baseline's own accounts: its drafts and decisions must not touch the load's.
    per_cycle = sum(1 for name in CYCLES[User.Role.REVIEWER] if name in ("approve", "return"))
    baseline = [planner.account(role, prefix="baseline", reviews=(BASELINE_ROUNDS + 1) * per_cycle)
                for role in CYCLES]
    return [_entry(user, work) for user, work in load], [_entry(user, work) for user, work in baseline]


def _entry(user, work):
    return {"username": user.username, "password": BENCH_PASSWORD, "role": user.role, **work}


# --- after the run: nothing lost ----------------------------------------------------------------


def lost_updates(accounts, rows):
    """What the database misses of what locust saw succeed: every draft saved moved its
    entry's version by one, every decision left its entry approved or returned."""
    problems = []
    drafts = [d for account in accounts for d in account.get("drafts", [])]
    stored = dict(ProgressReport.objects.filter(pk__in=[d["pk"] for d in drafts]).values_list("pk", "version"))
    saved = sum(stored[d["pk"]] - d["version"] for d in drafts)
    answered = _succeeded(rows, "draft save")
    if saved != answered:
        problems.append(f"{answered} draft saves answered as saved, {saved} found in the database")
    decided = [e["pk"] for account in accounts for e in account.get("reviews", [])]
    states = ProgressReport.objects.filter(pk__in=decided).values_list("state", flat=True)
    for state, name in ((ProgressReport.State.APPROVED, "approve"), (ProgressReport.State.RETURNED, "return")):
        found, answered = sum(1 for s in states if s == state), _succeeded(rows, name)
        if found != answered:
            problems.append(f"{answered} {name} decisions answered as done, {found} entries {state} in the database")
    return problems


def _succeeded(rows, name):
    row = rows.get(name)
    return int(row["Request Count"]) - int(row["Failure Count"]) if row else 0


# --- main ---------------------------------------------------------------------------------------


def set_up(users, seconds, think):
    """Database, data and accounts; prints what it took. Returns (load accounts, baseline accounts)."""
    started = time.perf_counter()
    name = recreate_database("_load")
    timings = load_data()
    quarter = Quarter.containing(timezone.localdate())
    start = time.perf_counter()
    accounts, baseline_accounts = plan_accounts(users, seconds, think, quarter)
    made = len(accounts) + len(baseline_accounts)
    timings.append((f"{made} accounts and their entries", time.perf_counter() - start))
    connection.close()  # the served portal has its own connections; this one would sit idle meanwhile
    heading(f"Setup of {name}: {time.perf_counter() - started:.0f} s")
    for label, taken in timings:
        print(f"{label:<46} {taken:6.1f} s")
    roles = {role: sum(1 for a in accounts if a["role"] == role) for role in CYCLES}
    print(f"{roles[User.Role.REPORTER]} reporters, {roles[User.Role.REVIEWER]} reviewers, "
          f"{roles[User.Role.SUPERVISOR]} supervisors; this quarter {quarter}, figures of {quarter.previous()}")
    return accounts, baseline_accounts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent locust users, one account each (default 50)")
    parser.add_argument("--seconds", type=int, default=120, help="length of the load after sign-in (default 120)")
    parser.add_argument("--think", type=float, default=THINK_SECONDS,
                        help=f"mean seconds between a user's steps (default {THINK_SECONDS:g})")
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 1 <= args.seconds <= 600 or not 0.2 <= args.think <= 60:
        parser.error("--users must be 1–200, --seconds 1–600 and --think 0.2–60")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill must also run the finally blocks
    started = time.perf_counter()
    accounts, baseline_accounts = set_up(args.users, args.seconds, args.think)

    plan = {"accounts": accounts, "think_seconds": args.think, "page_seconds": args.seconds, "stagger_start": True}
    with tempfile.TemporaryDirectory(prefix="load_run_") as folder, served_portal(Path(folder)) as portal:
        load_before, start = os.getloadavg()[0], time.perf_counter()
        baseline = one_user_baseline(portal.base, baseline_accounts, BASELINE_ROUNDS)
        baseline_seconds, start = time.perf_counter() - start, time.perf_counter()
        rows, failed, cut_off = run_locust(portal.base, plan, args.users, args.seconds, Path(folder),
                                           stop_timeout=STOP_TIMEOUT)
        load_seconds, load_after = time.perf_counter() - start, os.getloadavg()[0]
        errors = portal.errors()
    problems = lost_updates(accounts, rows)
    if cut_off:
        problems.append(f"steps still unanswered {STOP_TIMEOUT} s after the end were cut off")

    heading(f"Load: gunicorn ({GUNICORN_WORKERS} sync workers, production settings, jobs inline) on loopback; "
            f"{args.users} locust users for {args.seconds} s after signing in, {args.think:g} s think time on average")
    # Latency on a shared machine means little if something else was using the cores.
    print(f"{os.cpu_count()} cores; 1-minute load average {load_before:.1f} before the baseline, "
          f"{load_after:.1f} after the load; baseline {baseline_seconds:.0f} s, "
          f"locust {load_seconds:.0f} s with the sign-ins")
    print_latencies(rows, baseline, NAMES, users=args.users, with_p99=True)
    print_totals(rows, failed, errors, with_p99=True)
    for problem in problems:
        print(f"NOT AS ANSWERED: {problem}")
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    if failure_count(rows) or errors or problems:
        sys.exit(f"FAILED: {failure_count(rows)} failed requests, {len(errors)} server errors, "
                 f"{len(problems)} differences between the answers and the database.")
    print(f"Zero errors: {int(rows['Aggregated']['Request Count'])} requests, every answer the expected one, "
          f"every save and decision in the database.")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted: the server and locust were stopped")

"""The simulated users of ``bench/bench_pages.py`` and ``bench/load_run.py``: each signs in
through the real login form as one account of the run's plan and then goes through that
account's cycle of steps (bench/steps.py: pages to read, drafts to save, entries to
review), with think time between steps.

Run by those scripts, which create the accounts, start the server and pass the plan in
BENCH_LOCUST_PLAN (a JSON file); on its own this file has nothing to do. It must not
import Django: locust monkey-patches the standard library with gevent when imported.
"""

import itertools
import json
import os

import gevent
from gevent.event import Event
from locust import HttpUser, between, constant, events, task
from steps import PoolUsedUp, Walk, problem, run, sign_in

PLAN_FILE = os.environ.get("BENCH_LOCUST_PLAN")
if not PLAN_FILE:
    raise SystemExit("bench/locustfile.py is run by bench/bench_pages.py or bench/load_run.py (BENCH_LOCUST_PLAN).")
with open(PLAN_FILE, encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)

ACCOUNTS = PLAN["accounts"]  # [{"username", "password", "steps": [...], "drafts": [...], "reviews": [...]}]
THINK = float(PLAN["think_seconds"])
PAGE_SECONDS = float(PLAN["page_seconds"])
# People do not all click the moment the last of them has signed in: with this, each user
# first thinks as between any two steps, instead of all fifty firing at once.
STAGGER_START = PLAN.get("stagger_start", False)

# Users take the accounts in turn, so 20 users are 20 different people of different roles.
_next_account = itertools.count()
# Steps start only once every user has signed in: simultaneous password hashes would
# otherwise sit in front of the first page requests and the figures would measure the
# sign-in burst, not the pages. Sign-ins are reported on their own lines. The run then
# lasts PAGE_SECONDS from that moment (locust's --run-time is only the backstop).
_signed_in = itertools.count(1)
_everyone_signed_in = Event()
SIGN_IN_WAIT = 60  # seconds; a stuck sign-in must not hold the others back for the whole run


@events.test_stop.add_listener
def let_the_statistics_catch_up(**_kwargs):
    # locust writes its CSV files once a second and not again on exit: without this pause the
    # requests of the last second — the steps let finish after the end — would be missing.
    gevent.sleep(2)


class PortalUser(HttpUser):
    # A person reads a page and clicks on: THINK seconds on average between steps
    # (0 makes every user fire back-to-back, a saturation test rather than a latency one).
    wait_time = between(0.5 * THINK, 1.5 * THINK) if THINK > 0 else constant(0)

    def on_start(self):
        index = next(_next_account)
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        # Start each user at a different step, so the first round is not all one page.
        self.walk = Walk(self.account, start=index % len(self.account["steps"]))
        try:
            run(sign_in(self.account["username"], self.account["password"]), self.send)
        finally:
            if next(_signed_in) == self.environment.runner.target_user_count:
                _everyone_signed_in.set()
                gevent.spawn_later(PAGE_SECONDS, self.environment.runner.quit)
        _everyone_signed_in.wait(timeout=SIGN_IN_WAIT)
        if STAGGER_START:
            gevent.sleep(self.wait_time())

    def send(self, request):
        """One request, counted under its name; a wrong answer is recorded as a failure."""
        with self.client.request(request.method, request.url, name=request.name, data=request.data or None,
                                 allow_redirects=False, catch_response=True) as response:
            wrong = problem(request, response)
            if wrong:
                response.failure(f"{self.account['username']}: {wrong}")
                return None
            return response

    @task
    def next_step(self):
        try:
            requests = self.walk.next_step()
        except PoolUsedUp as error:
            self.environment.events.request.fire(request_type="STEP", name="review pool", response_time=0,
                                                 response_length=0, exception=error, context={})
            return
        run(requests, self.send)

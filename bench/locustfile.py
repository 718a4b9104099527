"""The simulated users of ``bench/bench_pages.py``: each signs in through the real login
form as one bench account (a county reviewer or a city/province supervisor) and then reads
that account's pages in turn.

Run by bench_pages.py, which creates the accounts, starts the server and passes the plan
in BENCH_PAGES_PLAN (a JSON file); on its own this file has nothing to do. It must not
import Django: locust monkey-patches the standard library with gevent when imported.
"""

import itertools
import json
import os
import re

import gevent
from gevent.event import Event
from locust import HttpUser, between, constant, task

PLAN_FILE = os.environ.get("BENCH_PAGES_PLAN")
if not PLAN_FILE:
    raise SystemExit("bench/locustfile.py is run by bench/bench_pages.py, which sets BENCH_PAGES_PLAN.")
with open(PLAN_FILE, encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)

ACCOUNTS = PLAN["accounts"]  # [{"username", "password", "pages": [[name, url], ...]}]
THINK = float(PLAN["think_seconds"])
PAGE_SECONDS = float(PLAN["page_seconds"])
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN_URL = "/accounts/login/"

# Users take the accounts in turn, so 20 users are 20 different people of different roles.
_next_account = itertools.count()
# Page requests start only once every user has signed in: 20 simultaneous password hashes
# would otherwise sit in front of the first page requests and the figures would measure
# the sign-in burst, not the pages. Sign-ins are reported on their own line. The run then
# lasts PAGE_SECONDS from that moment (locust's --run-time is only the backstop).
_signed_in = itertools.count(1)
_everyone_signed_in = Event()
SIGN_IN_WAIT = 60  # seconds; a stuck sign-in must not hold the others back for the whole run


class PortalUser(HttpUser):
    # A person reads a page and clicks on: THINK seconds on average between requests
    # (0 makes every user fire back-to-back, a saturation test rather than a latency one).
    wait_time = between(0.5 * THINK, 1.5 * THINK) if THINK > 0 else constant(0)

    def on_start(self):
        index = next(_next_account)
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        pages = self.account["pages"]
        # Start each user at a different page, so the first round is not all one page.
        self.pages = itertools.islice(itertools.cycle(pages), index % len(pages), None)
        try:
            self.sign_in()
        finally:
            if next(_signed_in) == self.environment.runner.target_user_count:
                _everyone_signed_in.set()
                gevent.spawn_later(PAGE_SECONDS, self.environment.runner.quit)
        _everyone_signed_in.wait(timeout=SIGN_IN_WAIT)

    def sign_in(self):
        form = self.client.get(LOGIN_URL, name="sign-in form")
        token = CSRF_TOKEN.search(form.text)
        data = {
            "username": self.account["username"],
            "password": self.account["password"],
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "next": "",
        }
        with self.client.post(LOGIN_URL, data=data, name="sign-in", allow_redirects=False, catch_response=True) as r:
            # Success is a redirect away from the login page; a wrong password or an axes
            # lockout answers 200 or 403 with the form again.
            if r.status_code != 302 or LOGIN_URL in r.headers.get("Location", LOGIN_URL):
                r.failure(f"sign-in of {self.account['username']} refused: status {r.status_code}")

    @task
    def read_next_page(self):
        name, url = next(self.pages)
        # Redirects are not followed: a lost session answers 302 to the login page, and
        # that must count as a failure, not as a fast 200 of the login form.
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url}: status {response.status_code}")

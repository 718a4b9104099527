"""What a simulated user does, one step at a time, and what each answer must be: shared by
the locust users (bench/locustfile.py) and the one-user baselines of the page benchmark
and the load run, so both measure the same requests and refuse the same answers.

A step is a dict from the run's plan (JSON): ``{"kind": "page", "name", "url"}`` reads a
page; ``"draft"`` opens a progress entry, saves a draft through the form and lands on the
to-do with the confirmation; ``"review"`` opens an entry of the reviewer's inbox,
approves it or returns it with a comment and sees the decision confirmed. A step's
requests come from a generator that receives each answer before yielding the next request,
so a form is posted with the token and version of the page it came from.

No Django here, nor gevent: locust imports this under its own monkey-patching, and the
baselines run it with plain ``requests``.
"""

import itertools
import re
from dataclasses import dataclass, field

LOGIN_URL = "/accounts/login/"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_VERSION = re.compile(r'name="version" value="(\d+)"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Request:
    name: str  # the line of the statistics it is counted in
    method: str
    url: str
    data: dict = field(default_factory=dict)
    status: int = 200  # the one status that is right
    location: str = ""  # where a redirect must lead
    must_show: str = ""  # text a page must contain (a message, the district's name)
    content_type: str = ""  # a download's type; it must also come as an attachment


def problem(request, response):
    """What is wrong with ``response`` to ``request``, or ""."""
    if response.status_code != request.status:
        return f"{request.method} {request.url}: status {response.status_code}, expected {request.status}"
    if request.location and response.headers.get("Location", "") != request.location:
        return f"{request.method} {request.url}: redirected to {response.headers.get('Location')!r}"
    if request.content_type:
        if not response.headers.get("Content-Type", "").startswith(request.content_type):
            return f"{request.url}: {response.headers.get('Content-Type')!r} instead of {request.content_type}"
        if not response.headers.get("Content-Disposition", "").startswith("attachment"):
            return f"{request.url}: not sent as an attachment"
    elif request.must_show and request.must_show not in response.text:
        return f"{request.method} {request.url}: the page does not show {request.must_show!r}"
    return ""


def form_token(response):
    found = CSRF_TOKEN.search(response.text)
    return found.group(1) if found else ""


def sign_in(username, password):
    """The login form, then the credentials: success is the redirect to the home page; a
    wrong password or an axes lockout answers 200 or 403 with the form again."""
    form = yield Request("sign-in form", "GET", LOGIN_URL)
    data = {"username": username, "password": password, "csrfmiddlewaretoken": form_token(form), "next": ""}
    yield Request("sign-in", "POST", LOGIN_URL, data=data, status=302, location="/")


def page(step):
    # Redirects are never followed: a lost session answers 302 to the login page, and that
    # must count as a failure, not as a fast 200 of the login form.
    kind = {"content_type": step["content_type"]} if step.get("content_type") else {}
    yield Request(step["name"], "GET", step["url"], must_show=step.get("must_show", ""), **kind)


def draft(step, entry):
    """Open the entry's form, save it as a draft (the reporter's own entry, so the version
    read from the form is still the stored one), follow the redirect to the to-do."""
    form = yield Request("progress form", "GET", entry["url"], must_show=entry["must_show"])
    version = FORM_VERSION.search(form.text)
    data = {
        "csrfmiddlewaretoken": form_token(form), "version": version.group(1) if version else "",
        "status": "in_progress", "percent": str(entry["percent"]), "quantity": "",
        "work_done": f"{step['work_done']}（第{entry['saves']}次保存）", "problems": "", "next_plan": step["next_plan"],
    }
    entry["saves"] += 1
    yield Request("draft save", "POST", entry["url"], data=data, status=302, location=entry["saved_location"])
    yield Request("to-do", "GET", entry["saved_location"], must_show=step["saved_message"])


def review(step, entry):
    """Open a submitted entry, approve or return it, and see the decision confirmed on the
    entry's page it leads back to (a refused decision leads there too, with another message)."""
    form = yield Request("entry detail", "GET", entry["url"], must_show=entry["review_url"])
    version = FORM_VERSION.search(form.text)  # the decision is on the version the page showed
    data = {"csrfmiddlewaretoken": form_token(form), "action": step["action"], "comment": step.get("comment", ""),
            "version": version.group(1) if version else ""}
    yield Request(step["action"], "POST", entry["review_url"], data=data, status=302, location=entry["url"])
    yield Request("entry detail", "GET", entry["url"], must_show=entry[f"{step['action']}_message"])


class PoolUsedUp(RuntimeError):
    """A reviewer has decided every entry set aside for them: the run's plan was too small."""


class Walk:
    """One account's way through its cycle of steps, from position ``start``: drafts cycle
    over the account's own entries, reviews take each of its set-aside entries once."""

    def __init__(self, account, start=0):
        self.steps = itertools.islice(itertools.cycle(account["steps"]), start, None)
        self.drafts = itertools.cycle(account.get("drafts") or [None])
        self.reviews = iter(account.get("reviews", []))

    def next_step(self):
        """The requests of the next step, as a generator for ``run``."""
        step = next(self.steps)
        if step["kind"] == "page":
            return page(step)
        if step["kind"] == "draft":
            return draft(step, next(self.drafts))
        entry = next(self.reviews, None)
        if entry is None:
            raise PoolUsedUp(f"no entry left to {step['action']}")
        return review(step, entry)


def run(requests, send):
    """Send a step's requests in turn. ``send(request)`` returns the answer, or None when it
    was wrong (and recorded as such): the step then stops. Returns whether it went through."""
    answer = None
    while True:
        try:
            request = requests.send(answer)
        except StopIteration:
            return True
        answer = send(request)
        if answer is None:
            return False

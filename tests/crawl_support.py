"""A crawl of the portal as one signed-in user sees it: every link a page shows is opened,
a few of each kind, and what each answered is recorded.

Used by tests/test_crawl.py (every link a user is shown opens for that user) and by
bench/crawl.py (how long each page takes on the demo)."""

import re
import time
from collections import Counter
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve

LINK = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]+)\"", re.IGNORECASE)
# Not pages: signing out ends the crawl's session, static and uploaded files are served
# by the web server in production.
NOT_PAGES = ("/accounts/logout", "/admin/logout", "/static/", "/media/", "/i18n/")


@dataclass
class Visit:
    url: str
    status: int
    seconds: float
    found_on: str


def _route(path, query):
    """What makes two addresses 'the same kind of page': the URL pattern and the names of
    the query parameters (a second plan's page teaches nothing the first did not)."""
    try:
        match = resolve(path)
    except Resolver404:
        return (path, ())
    return (match.route, tuple(sorted({name for name, _value in parse_qsl(query)})))


def _links(page_url, html):
    for href in LINK.findall(html):
        href = unescape(href).strip()
        if href.startswith(("mailto:", "javascript:", "tel:")):
            continue
        address = urlsplit(urljoin(page_url, href))
        if address.netloc not in ("", "testserver"):
            continue
        yield address.path + (f"?{address.query}" if address.query else "")


def crawl(client, start="/", *, per_route=1, skip=()):
    """Visit ``start`` and every page reachable from it through links, at most ``per_route``
    addresses of each kind; return the visits in the order made."""
    queue, queued, kinds, visits = [(start, "")], {start}, Counter(), []
    skipped = NOT_PAGES + tuple(skip)
    while queue:
        url, found_on = queue.pop(0)
        began = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        visits.append(Visit(url, response.status_code, time.perf_counter() - began, found_on))
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            targets = [response["Location"]]
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            targets = _links(url, body.decode("utf-8", "replace"))
        else:
            continue
        for target in targets:
            path, _, query = target.partition("?")
            if target in queued or path.startswith(skipped):
                continue
            kind = _route(path, query)
            if kinds[kind] >= per_route:
                continue
            kinds[kind] += 1
            queued.add(target)
            queue.append((target, url))
    return visits

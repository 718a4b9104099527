"""Every page of the demo as its users see it: a crawl (tests/crawl_support.py) as each demo
account, up to ``--per-route`` addresses of each kind of page, printing how many pages each
user reached, what they answered, and their time beside the home page's in the same run.

    .venv/bin/python bench/crawl.py [--per-route 20] [--database .cache/crawl.sqlite3]

Builds the demo in a fresh SQLite database of its own (``make run``'s embedded default),
in-process through django.test.Client, so the figures are the portal's own time without a
web server. Exits non-zero if any page answered other than 200 or a redirect.
"""

import argparse
import io
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERS = ["wulong_cgj", "qianjiang_cgj", "wulong_reviewer", "qianjiang_reviewer", "cq_city", "expert_cqu_1", "admin"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-route", type=int, default=20, help="addresses of each kind of page (default 20)")
    parser.add_argument("--database", default=str(ROOT / ".cache" / "crawl.sqlite3"))
    options = parser.parse_args()
    Path(options.database).parent.mkdir(exist_ok=True)
    Path(options.database).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{options.database}"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import heading, setup

    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from org.models import User
    from tests.crawl_support import crawl

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client's host
    call_command("migrate", verbosity=0)
    call_command("load_demo", password="crawl-bench-1", stdout=io.StringIO())
    heading(f"crawl of the demo, up to {options.per_route} addresses of each kind of page")
    failures, everything = [], []
    for username in USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        crawl(client, per_route=1)  # warm: templates compiled, caches filled
        visits = crawl(client, per_route=options.per_route)
        home = statistics.median(crawl(client, per_route=0)[0].seconds for _ in range(5))
        times = sorted(v.seconds * 1000 for v in visits)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{username:<20} {len(visits):5d} pages   p50 {statistics.median(times):6.0f} ms   p95 {p95:6.0f} ms"
              f"   max {times[-1]:6.0f} ms   baseline home page {home * 1000:5.0f} ms   ratio max/home "
              f"{times[-1] / (home * 1000):5.1f}x", flush=True)
        failures += [f"{username}: {v.status} {v.url} (from {v.found_on})"
                     for v in visits if v.status not in (200, 302)]
        everything += [(v.seconds, username, v.url) for v in visits]
    heading("the ten slowest pages")
    for seconds, username, url in sorted(everything, reverse=True)[:10]:
        print(f"{seconds * 1000:6.0f} ms   {username:<20} {url}")
    print(f"\n{len(everything)} pages in all, {len(failures)} not 200/302")
    for line in failures:
        print("  " + line)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

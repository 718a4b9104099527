"""The navigation bar fits a 1440 px screen in one row, in Chinese and in English, for each kind
of account: in English it was 2,154 px wide and pushed the page sideways."""

import pytest

from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    sign_in,
)

pytestmark = [pytest.mark.browser]

ACCOUNTS = ["wulong_cgj", "wulong_reviewer", "cq_city", "admin"]  # reporter, reviewer, city, administrator
LANGUAGES = ["zh-hans", "en"]

MEASURE = """() => {
  const bar = document.querySelector("[data-testid=navbar]");
  const links = [...bar.querySelectorAll(".navbar-nav > .nav-item")].filter(item => item.offsetParent);
  return {
    bar: bar.scrollWidth, page: document.documentElement.scrollWidth, viewport: window.innerWidth,
    // How far apart the entries' tops are: a second row would be some 40 px below the first.
    spread: Math.max(...links.map(item => item.getBoundingClientRect().top))
            - Math.min(...links.map(item => item.getBoundingClientRect().top)),
    expanded: getComputedStyle(bar.querySelector(".navbar-toggler")).display === "none",
    links: links.length,
  };
}"""


@pytest.fixture
def browser_context_args(browser_context_args):  # noqa: F811 (the shared one, at the size of an office screen)
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


def test_the_bar_fits_1440_px_in_both_languages(demo, live_server, page):
    measured = {}
    for username in ACCOUNTS:
        sign_in(page, live_server, username)
        for language in LANGUAGES:
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            page.goto(live_server.url + "/")
            assert page.locator("html").get_attribute("lang") == language
            measured[username, language] = page.evaluate(MEASURE)
    for (username, language), size in measured.items():
        where = f"{username} in {language}: {size}"
        # Laid out as a bar (not folded behind the menu button), with its entries on one row...
        assert size["expanded"] and size["spread"] < 10 and size["links"] >= 4, where
        # ...and nothing wider than the window.
        assert size["bar"] <= size["viewport"] and size["page"] <= size["viewport"], where

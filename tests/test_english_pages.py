"""A user who picks English in the footer reads English labels: the bar, the column headings,
the buttons, the badges and every quarter ("2026 Q3", not "2026年第三季度"). What the documents
wrote (department names, task text, plan titles) stays as written, so the checks look at the
page's own words only: the elements that are labels, never table cells or paragraphs.
"""

import re

import pytest
from django.urls import reverse
from lxml import html

from org.models import User
from reports.models import Scorecard
from tasks.models import Plan

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
CHINESE_QUARTER = re.compile(r"\d{4}\s*年第[一二三四]季度")
ENGLISH_QUARTER = re.compile(r"\b\d{4} Q[1-4]\b")

# The page's own labels. Each is a whole element whose words the portal writes; where one of
# them carries a name from the data (an account name in the menu), the test says so below.
LABELS = "//nav[@data-testid='navbar']//a[contains(@class, 'nav-link') or contains(@class, 'dropdown-item')]" \
         " | //thead//th | //button | //label | //legend | //dt | //*[contains(@class, 'badge')]"
# Where quarters are written as labels: titles, headings, quarter pickers, breadcrumbs, buttons.
QUARTER_PLACES = "//title | //h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //option | //button" \
                 " | //*[contains(@class, 'btn')] | //*[contains(@class, 'breadcrumb-item')] | //thead//th" \
                 " | //*[contains(@class, 'badge')]"

USERS = ["wulong_cgj", "wulong_reviewer", "cq_city", "admin"]
WULONG = "500156"  # every one of USERS sees it


def data_names():
    """Names the data gives, which label elements may carry as they are (a department's badge)."""
    from carriers.models import CarrierKind
    from indicators.models import IndicatorSet
    from org.models import Department, Region

    names = set(Region.objects.values_list("name", flat=True))
    names |= set(IndicatorSet.objects.values_list("name", flat=True))
    names |= set(CarrierKind.objects.values_list("name", flat=True))
    for name, short_name in Department.objects.values_list("name", "short_name"):
        names |= {name, short_name}
    names |= {str(user) for user in User.objects.all()}
    return sorted(names, key=len, reverse=True)  # the longest first: 区城管局 before 城管局


def chinese_words(text, names):
    """What is Chinese in ``text`` once the names from the data are taken out."""
    for name in names:
        text = text.replace(name, "")
    return CJK.findall(text)


@pytest.fixture
def demo(demo_of_today, db):
    """The demo (``demo_of_today`` in conftest); conftest puts the thread back in Chinese afterwards."""


def in_english(client, url):
    client.cookies["django_language"] = "en"
    response = client.get(url)
    assert response.status_code == 200, url
    return html.fromstring(response.content.decode())


def texts(page, xpath):
    return [" ".join(element.text_content().split()) for element in page.xpath(xpath)]


def pages_of(user):
    """The bar's pages of this account, and a page of each kind below them it can open."""
    from org.context_processors import ADMINISTRATION, NAVIGATION

    role = User.Role.ADMIN if user.is_administrator else user.role
    urls = [reverse(name) for _label, name, roles in NAVIGATION + ADMINISTRATION if role in roles]
    plan = Plan.objects.filter(region__code=WULONG, scorecards__isnull=False).order_by("-end_year").first()
    urls.append(plan.get_absolute_url())
    if role != User.Role.REPORTER:
        urls.append(f"{reverse('reports:quarterly')}?region={WULONG}")
        card = Scorecard.objects.filter(plan=plan).order_by("-year", "-quarter").first()
        urls.append(reverse("reports:scorecard", args=[card.pk]))
    return urls


@pytest.mark.parametrize("username", USERS)
def test_the_labels_of_the_main_pages_are_english(demo, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    names = data_names()
    for url in pages_of(user):
        page = in_english(client, url)
        chinese = [text for text in texts(page, LABELS) if chinese_words(text, names)]
        assert not chinese, (url, chinese)


@pytest.mark.parametrize("username", ["wulong_reviewer", "cq_city"])
def test_quarters_are_written_in_the_language_of_the_page(demo, client, username):
    """The same pages in Chinese and in English: every 2026年第三季度 of the Chinese page's
    labels is a 2026 Q3 on the English one."""
    user = User.objects.get(username=username)
    client.force_login(user)
    seen_chinese = 0
    for url in pages_of(user):
        client.cookies["django_language"] = "zh-hans"
        chinese_page = html.fromstring(client.get(url).content.decode())
        chinese = [text for text in texts(chinese_page, QUARTER_PLACES) if CHINESE_QUARTER.search(text)]
        english = texts(in_english(client, url), QUARTER_PLACES)
        assert not [text for text in english if CHINESE_QUARTER.search(text)], url
        if chinese:
            seen_chinese += 1
            assert any(ENGLISH_QUARTER.search(text) for text in english), url
    assert seen_chinese >= 2  # the pages did show quarters: the test looked at something


def test_the_bar_has_one_entry_for_the_department(demo, client):
    """本部门工作 and 本部门 were two entries of the bar side by side: one now, and the
    department's own page is a link on it."""
    user = User.objects.get(username="wulong_cgj")
    client.force_login(user)
    page = html.fromstring(client.get(reverse("home")).content.decode())
    entries = texts(page, "//nav[@data-testid='navbar']//a[contains(@class, 'nav-link')]")
    assert "本部门工作" in entries and "本部门" not in entries
    assert len(entries) == len(set(entries))
    work = html.fromstring(client.get(reverse("tasks:my_work")).content.decode())
    (link,) = work.xpath("//a[@data-testid='department-page']")
    assert link.get("href") == user.department.get_absolute_url()

"""A reporter lands on what is due: this quarter's entries not yet submitted with their
deadline and the days left, what came back with the reviewer's words, the unread messages;
a helpful line when nothing is due. A reviewer's home counts what waits in the inbox."""

# ruff: noqa: F811  (fixtures of other test modules are imported and named as parameters)

import time_machine
from django.urls import reverse

from org.models import Notification
from tasks.models import TaskNode
from tasks.services import progress_open, progress_return, progress_save
from tests.test_progress import Q3, fill, item, plan, urban, user  # noqa: F401

ON_28_SEPTEMBER = "2019-09-28 09:00 +0800"


def home(username, client_for):
    with time_machine.travel(ON_28_SEPTEMBER, tick=False):
        return client_for(user(username)).get(reverse("home")).content.decode()


def led(plan, urban):
    return list(TaskNode.objects.filter(plan=plan, assignments__department=urban, assignments__role="lead"))


def submit(item, urban):
    report = progress_open(item=item, department=urban, quarter=Q3)
    progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    return report


def test_the_home_lists_what_is_due_with_the_deadline_and_days_left(plan, urban, client_for):
    items = led(plan, urban)
    submit(items[0], urban)
    page = home("wulong_cgj", client_for)
    assert f'data-testid="home-due-count">{len(items) - 1}<' in page
    assert page.count('data-testid="home-due-entry"') == min(len(items) - 1, 10)
    assert "2019年9月30日截止" in page and "剩余 2 天" in page
    assert reverse("tasks:progress_entry", args=[items[1].pk, "2019Q3"]) in page
    assert reverse("tasks:progress_entry", args=[items[0].pk, "2019Q3"]) not in page  # submitted


def test_a_returned_entry_shows_with_the_reviewers_comment(plan, urban, client_for):
    returned = submit(led(plan, urban)[0], urban)
    progress_return(report=returned, user=user("wulong_reviewer"), comment="请附上验收照片<script>",
                    version=returned.version)
    Notification.objects.create(user=user("wulong_cgj"), key="t:1", title="另一条未读消息", url="/")
    page = home("wulong_cgj", client_for)
    assert 'data-testid="home-returned-entry"' in page and "请附上验收照片&lt;script&gt;" in page
    assert returned.get_absolute_url() in page and "另一条未读消息" in page


def test_nothing_due_says_so(plan, urban, client_for):
    for each in led(plan, urban):
        submit(each, urban)
    page = home("wulong_cgj", client_for)
    assert 'data-testid="home-due-done"' in page and 'data-testid="home-due-count"' not in page
    assert "没有被退回" in page
    # A department that leads nothing is told that, not that all is submitted.
    assert 'data-testid="home-due-none"' in home("wulong_gyyq", client_for)


def test_the_reviewers_home_counts_the_inbox(item, urban, client_for):
    submit(item, urban)
    assert 'data-testid="home-queue">1<' in home("wulong_reviewer", client_for)


def test_the_reporters_home_asks_no_more_with_more_items(plan, urban, client_for, django_assert_max_num_queries):
    client = client_for(user("wulong_cgj"))

    def count():
        with time_machine.travel(ON_28_SEPTEMBER, tick=False), django_assert_max_num_queries(40) as queries:
            client.get(reverse("home"))
        return len(queries.captured_queries)

    before = count()
    submit(led(plan, urban)[0], urban)
    for index, each in enumerate(led(plan, urban)[1:4]):
        report = submit(each, urban)
        progress_return(report=report, user=user("wulong_reviewer"), comment=f"退回{index}", version=report.version)
    assert count() <= before

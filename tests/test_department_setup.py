"""A district's departments, groups and accounts set up through pages and the command: from
its own list (a workbook through the staged import, a pasted list, one typed), refused by row
with nothing written, edited with the version check; every change announced once kept."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import events
from core.models import AuditEntry
from org.models import Department, DepartmentAlias, DepartmentGroup, Region, User
from org.services.departments import departments_commit, departments_read_text, kind_from_text

# 昆明市五华区's wording, not 武隆's: 街道 named 街道办事处, a 供水企业 and a 园区, a title row
# above the header, the columns in another order, a 类别 left empty (taken from the name).
WUHUA = [
    ["五华区节水型社会达标建设责任单位名单"],
    ["序号", "单位名称", "类别", "简称", "别称"],
    [1, "昆明市五华区水务局", "部门", "区水务局", "五华区水务局、区水务"],
    [2, "昆明市五华区住房和城乡建设局", "部门", "区住建局", ""],
    [3, "五华区华山街道办事处", "街道", "华山街道", ""],
    [4, "五华区厂口街道", "", "", ""],
    [5, "昆明自来水集团有限公司五华分公司", "供水企业", "五华供水分公司", ""],
    [6, "五华科技产业园", "园区", "", ""],
]


def workbook(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def wuhua(world):
    province = Region.objects.create(code="530000", name="云南省", level="province")
    city = Region.objects.create(code="530100", name="昆明市", level="city", parent=province)
    return Region.objects.create(code="530102", name="五华区", level="county", parent=city)


@pytest.fixture
def announced():
    seen = []

    def listen(region):
        seen.append(region.code)

    events.subscribe(events.DEPARTMENTS_CHANGED, listen)
    yield seen
    events._LISTENERS[events.DEPARTMENTS_CHANGED].remove(listen)


def upload(client, region, data, name="单位名单.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("org:department_upload", args=[region.code]), {"file": file})


def test_a_districts_own_list_is_previewed_then_added(wuhua, administrator, client_for, announced,
                                                      django_capture_on_commit_callbacks):
    client = client_for(administrator)
    response = upload(client, wuhua, workbook(WUHUA))
    assert response.status_code == 302
    preview = client.get(response.url).content.decode()
    assert "昆明市五华区水务局" in preview and "第3行" in preview and "供水企业" in preview
    assert not Department.objects.filter(region=wuhua).exists()  # nothing before the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response.url)
    assert done.status_code == 302 and done.url.startswith(reverse("org:region_detail", args=["530102"]))
    departments = {d.name: d for d in Department.objects.filter(region=wuhua)}
    assert len(departments) == 6
    bureau = departments["昆明市五华区水务局"]
    assert (bureau.short_name, bureau.kind) == ("区水务局", "bureau")
    assert sorted(a.name for a in bureau.aliases.all()) == ["五华区水务局", "区水务"]
    assert departments["五华区华山街道办事处"].kind == "subdistrict"
    street = departments["五华区厂口街道"]  # no 简称, no 类别: the full name, a 街道 by its ending
    assert (street.short_name, street.kind) == ("五华区厂口街道", "subdistrict")
    assert departments["昆明自来水集团有限公司五华分公司"].kind == "utility"
    assert departments["五华科技产业园"].kind == "park"
    assert announced == ["530102"]


def test_the_same_list_again_changes_nothing_and_a_new_spelling_is_added(wuhua):
    rows = departments_read_text("名称\t简称\t类别\t别称\n昆明市五华区水务局\t区水务局\t部门\t")
    assert departments_commit(region=wuhua, rows=rows).added == 1
    again = departments_commit(region=wuhua, rows=rows)
    assert (again.added, again.changed) == (0, 0)
    more = departments_read_text("昆明市五华区水务局,区水务局,部门,五华水务")
    assert departments_commit(region=wuhua, rows=more).changed == 1
    assert list(DepartmentAlias.objects.filter(region=wuhua).values_list("name", flat=True)) == ["五华水务"]
    Department.objects.filter(region=wuhua).update(is_active=False)
    assert departments_commit(region=wuhua, rows=rows).changed == 1  # listed again: in use again
    assert Department.objects.get(region=wuhua).is_active


def test_bad_rows_are_refused_by_row_and_nothing_is_written(world, wuhua, administrator, client_for):
    Department.objects.create(region=wuhua, name="昆明市五华区水务局", short_name="区水务局")
    bad = [
        *WUHUA[:2],
        [1, "五华区住建局", "部门", "区住建局", ""],
        [2, "五华区住房和城乡建设局", "部门", "区住建局", ""],  # the 简称 of row 3 again
        [3, "五华区水务管理站", "部门", "站", "区水务局"],  # an alias that is another department's short name
        [4, "五华区某某中心", "事业单位", "", ""],  # an unknown 类别
        [5, "", "部门", "空名", ""],  # no 名称
        [6, "五华区大观街道", "街道", "大观街道", ""],  # a good row: not written either
    ]
    client = client_for(administrator)
    preview_url = upload(client, wuhua, workbook(bad)).url
    page = client.get(preview_url).content.decode()
    assert "第4行：“区住建局”与第3行重复" in page
    assert "第5行：“区水务局”已是单位“昆明市五华区水务局”的名称或别称" in page
    assert "第6行：类别“事业单位”不是以下之一" in page
    assert "第7行：名称为空" in page
    client.post(preview_url)
    assert list(Department.objects.filter(region=wuhua).values_list("short_name", flat=True)) == ["区水务局"]
    # the same spelling in another district is no conflict
    other = departments_read_text("重庆市武隆区水利局,区水利局,部门")
    assert departments_commit(region=wuhua, rows=other).added == 1


def test_a_workbook_without_a_name_column_is_sent_back(wuhua, administrator, client_for):
    client = client_for(administrator)
    response = upload(client, wuhua, workbook([["单位", "简称"], ["某局", "某局"]]))
    page = client.get(response.url, follow=True).content.decode()
    assert "没有含“名称”列的表头行" in page


def test_pasting_and_typing_use_the_same_checks(wuhua, administrator, client_for, announced,
                                                django_capture_on_commit_callbacks):
    client = client_for(administrator)
    url = reverse("org:department_add", args=[wuhua.code])
    with django_capture_on_commit_callbacks(execute=True):
        pasted = client.post(url, {"text": "五华区护国街道办事处\t护国街道\t街道\t护国\n"
                                           "五华区发展和改革局\t区发改局\t\t"})
    assert pasted.status_code == 302
    assert Department.objects.get(short_name="护国街道").kind == "subdistrict"
    refused = client.post(url, {"text": "五华区发改局，区发改局，部门"})  # the short name is taken
    assert refused.status_code == 200 and "第1行" in refused.content.decode()
    assert Department.objects.filter(region=wuhua).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        typed = client.post(url, {"one-name": "五华区科学技术局", "one-short_name": "", "one-kind": "bureau",
                                  "one-aliases": "区科技局、五华科技局"})
    assert typed.status_code == 302
    science = Department.objects.get(name="五华区科学技术局")
    assert science.short_name == "五华区科学技术局" and science.aliases.count() == 2
    assert announced == ["530102", "530102"]


def test_editing_checks_the_version_and_deactivates_without_deleting(world, administrator, client_for, announced,
                                                                     django_capture_on_commit_callbacks):
    client = client_for(administrator)
    bureau = world.urban_bureau
    url = reverse("org:department_edit", args=[bureau.pk])
    form = {"name": bureau.name, "short_name": "区城市管理局", "kind": "bureau", "aliases": "区城管局",
            "version": bureau.version}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, form).status_code == 302
    bureau.refresh_from_db()
    assert bureau.short_name == "区城市管理局" and bureau.is_active is False  # the box was not ticked
    assert [a.name for a in bureau.aliases.all()] == ["区城管局"]
    assert announced == ["500156"]
    stale = client.post(url, {**form, "short_name": "区城管", "is_active": "on"})  # the version it started from
    assert stale.status_code == 200 and "他人已保存了这条记录" in stale.content.decode()
    bureau.refresh_from_db()
    assert bureau.short_name == "区城市管理局"
    renamed = {**form, "name": "重庆市武隆区城市管理和综合执法局", "aliases": "", "version": bureau.version}
    assert client.post(url, renamed).status_code == 302
    bureau.refresh_from_db()  # the names tables wrote before still find it
    assert sorted(a.name for a in bureau.aliases.all()) == ["重庆市武隆区城市管理局"]
    taken = client.post(url, {**form, "short_name": "区水利局", "version": bureau.version})
    assert "已是单位" in taken.content.decode()
    assert Department.objects.filter(pk=bureau.pk).exists()


def test_a_group_lists_its_members_and_a_town_added_later_joins(world, reviewer, client_for, announced,
                                                                django_capture_on_commit_callbacks):
    client = client_for(reviewer)  # the district's own reviewer may keep its groups
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("org:group_create", args=[world.district.code]), {
            "name": "各镇（街道）", "kinds": ["subdistrict"], "members": [world.water_bureau.pk],
            "aliases_text": "各乡镇（街道）、各街镇"})
    assert response.status_code == 302
    group = DepartmentGroup.objects.get(region=world.district, name="各镇（街道）")
    assert group.aliases == ["各乡镇（街道）", "各街镇"]
    assert announced == ["500156"]
    departments_commit(region=world.district, rows=departments_read_text("武隆区仙女山街道办事处,仙女山街道,街道"))
    page = client.get(reverse("org:group_edit", args=[group.pk])).content.decode()
    assert "仙女山街道" in page and "凤山街道" in page and "区水利局" in page
    live = client.get(reverse("org:group_members", args=[world.district.code]),
                      {"kinds": ["subdistrict"], "members": [world.economy_bureau.pk, world.other_water_bureau.pk]})
    assert "区经济信息委" in live.text and "仙女山街道" in live.text and "区水利局" not in live.text
    duplicate = client.post(reverse("org:group_create", args=[world.district.code]), {"name": "各镇（街道）"})
    assert "已有同名的统称" in duplicate.content.decode()


def test_an_administrator_makes_an_account_with_a_password_shown_once(world, administrator, client_for):
    client = client_for(administrator)
    url = reverse("org:user_create", args=[world.district.code])
    page = client.post(url, {"username": "wulong_jxw", "display_name": "武隆区经信委填报员", "role": "reporter",
                             "department": world.economy_bureau.pk, "password": ""}).content.decode()
    account = User.objects.get(username="wulong_jxw")
    assert account.department == world.economy_bureau and account.role == "reporter"
    shown = page.split('user-select-all">')[1].split("<")[0]
    assert account.check_password(shown)
    assert shown not in client.get(reverse("org:region_detail", args=[world.district.code])).content.decode()
    taken = client.post(url, {"username": "WULONG_JXW", "display_name": "x", "role": "reporter",
                              "department": world.economy_bureau.pk}).content.decode()
    assert "WULONG_JXW" in taken and User.objects.filter(username__iexact="wulong_jxw").count() == 1
    other = client.post(url, {"username": "x1", "display_name": "x", "role": "reporter",
                              "department": world.other_water_bureau.pk})
    assert other.status_code == 200 and not User.objects.filter(username="x1").exists()


def test_who_may_set_up(world, reviewer, reporter, outsider, supervisor, client_for):
    district = world.district.code
    assert client_for(reviewer).get(reverse("org:department_add", args=[district])).status_code == 200
    assert client_for(reviewer).get(reverse("org:user_create", args=[district])).status_code == 404
    for user in (reporter, outsider, supervisor):
        client = client_for(user)
        assert client.get(reverse("org:department_add", args=[district])).status_code == 404
        assert client.post(reverse("org:department_add", args=[district]), {"text": "某局"}).status_code == 404
        assert client.get(reverse("org:department_edit", args=[world.urban_bureau.pk])).status_code == 404
        assert client.get(reverse("org:group_create", args=[district])).status_code == 404
    assert not Department.objects.filter(name="某局").exists()


def test_the_command_adds_from_a_file_and_refuses_bad_input(wuhua, tmp_path, capsys):
    good = tmp_path / "五华区单位.xlsx"
    good.write_bytes(workbook(WUHUA))
    call_command("add_departments", str(good), region="530102")
    assert "新增部门 6 个" in capsys.readouterr().out
    bad = tmp_path / "重复.xlsx"
    bad.write_bytes(workbook([["名称", "简称"], ["五华区新局甲", "新局"], ["五华区新局乙", "新局"]]))
    with pytest.raises(CommandError, match="未写入"):
        call_command("add_departments", str(bad), region="530102")
    assert "第3行" in capsys.readouterr().err
    assert not Department.objects.filter(short_name="新局").exists()
    with pytest.raises(CommandError, match="不是已启用的区县"):
        call_command("add_departments", str(good), region="530100")
    with pytest.raises(CommandError, match="不是已启用的区县"):
        call_command("add_departments", str(good), region="530103")
    runs = AuditEntry.objects.filter(route="command:add_departments").order_by("pk")
    assert [run.outcome for run in runs] == ["success", "failed", "failed", "failed"]
    assert runs[0].target == {"file": str(good), "region": "530102"}


@pytest.mark.parametrize("text, name, kind", [
    ("乡镇", "", "subdistrict"), ("镇", "", "subdistrict"), ("镇（街道）", "", "subdistrict"),
    ("供水单位", "", "utility"), ("工业园区", "", "park"), ("政府部门", "", "bureau"), (" 部门 ", "", "bureau"),
    ("", "白马镇", "subdistrict"), ("", "五华区龙翔街道办事处", "subdistrict"), ("", "区镇村建设管理中心", "bureau"),
    ("事业单位", "", None), ("镇街道", "", None),
])
def test_kind_words_of_other_districts(text, name, kind):
    assert kind_from_text(text, name) == kind

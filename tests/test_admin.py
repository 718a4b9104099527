"""The Django admin of regions, departments, aliases, groups and users."""

from django.urls import reverse

from org.models import DepartmentAlias, DepartmentGroup


def alias_formset(department, names):
    data = {
        "region": department.region_id,
        "name": department.name,
        "short_name": department.short_name,
        "kind": department.kind,
        "is_active": "on",
        "aliases-TOTAL_FORMS": str(len(names)),
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for i, name in enumerate(names):
        data[f"aliases-{i}-name"] = name
    return data


def test_admin_pages_open(world, administrator, client_for):
    client = client_for(administrator)
    for name in ["org_region", "org_department", "org_departmentgroup", "org_user"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_adding_an_alias_sets_its_region(world, administrator, client_for):
    url = reverse("admin:org_department_change", args=[world.water_bureau.pk])
    response = client_for(administrator).post(url, alias_formset(world.water_bureau, ["水利局"]))
    assert response.status_code == 302
    alias = DepartmentAlias.objects.get(name="水利局")
    assert alias.department == world.water_bureau and alias.region == world.district


def test_an_alias_taken_by_another_department_is_refused_on_its_row(world, administrator, client_for):
    url = reverse("admin:org_department_change", args=[world.water_bureau.pk])
    response = client_for(administrator).post(url, alias_formset(world.water_bureau, ["区城市管理局"]))
    assert response.status_code == 200
    assert "“区城市管理局”在本行政区已用于区城管局" in response.content.decode()
    assert not DepartmentAlias.objects.filter(department=world.water_bureau).exists()


def test_group_form_takes_kinds_and_spellings_per_line(world, administrator, client_for):
    response = client_for(administrator).post(
        reverse("admin:org_departmentgroup_add"),
        {
            "region": world.district.pk,
            "name": "各有关单位",
            "kinds": ["bureau", "park"],
            "aliases": "有关单位\n\n相关单位 ",
        },
    )
    assert response.status_code == 302
    group = DepartmentGroup.objects.get(name="各有关单位")
    assert group.kinds == ["bureau", "park"] and group.aliases == ["有关单位", "相关单位"]


def test_reviewers_cannot_use_the_admin(world, reviewer, client_for):
    response = client_for(reviewer).get(reverse("admin:org_department_changelist"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))

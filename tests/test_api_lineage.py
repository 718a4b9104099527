"""The lineage /api/v1/indicator-values/{id} answers is the lineage page's, for each of the
demo's 20 indicators (formulas with their constants, reference values, registry counts,
utilities, checklists); apart from tests/test_api_reads.py, whose district is the demo's."""

import pytest
from django.urls import reverse

from indicators import selectors
from indicators.models import ComputedValue
from indicators.templatetags.standards import formula_words
from org.models import Region, User
from tests.api_support import api_for


@pytest.fixture
def demo(db):
    """The demo's regions, indicators and registry: 20 indicators of 黔江 with every kind of
    lineage (formulas with their constants, reference values, registry counts, utilities,
    checklists)."""
    from demo import catalogue as indicator_demo
    from demo import regions as org_demo
    from demo import registry as carrier_demo

    org_demo.load(password="pw-for-tests-1")
    indicator_demo.load(password="")
    carrier_demo.load(password="")
    return Region.objects.get(code="500114")


def test_the_lineage_in_the_api_is_what_the_lineage_page_shows(demo, client_for):
    reviewer = User.objects.get(username="qianjiang_reviewer")
    api = api_for(reviewer.department, User.Role.REVIEWER, username="qianjiang_system")
    client = client_for(reviewer)
    values = list(ComputedValue.objects.filter(region=demo, year=2023, quarter=4)
                  .select_related("indicator__indicator_set", "region"))
    assert len(values) == 20
    seen = {"constants": False, "references": False, "registry": False, "utilities": False, "checklist": False}
    for computed in values:
        response = api.get(reverse("api:indicator_value_detail", kwargs={"value_id": computed.pk}))
        assert response.status_code == 200, response.content.decode()
        answer = response.json()
        page = selectors.lineage_page(computed)
        explained = answer["explained"]
        assert answer["lineage"] == computed.lineage  # as the computation stored it
        assert answer["value"] == (None if computed.value is None else str(computed.value))
        assert answer["status"] == computed.status and answer["explanation"] == computed.explanation
        # The words the page writes out, the same in the answer.
        assert explained["constants"] == [{"name": name, "value": value} for name, value in page["constants"]]
        assert [(r["code"], r["name"], r["value"]) for r in explained["references"]] == [
            (r["code"], r["name"], r["value"]) for r in page["references"]]
        assert [(r["name"], r["value"], len(r["counted"])) for r in explained["registry"]] == [
            (r["name"], r["value"], len(r["counted"])) for r in page["registry"]]
        assert explained["formula_words"] == formula_words(computed.lineage.get("formula", ""))
        assert explained["scored"] == page["scored"] and explained["corrections"] == page["corrections"]
        inputs = computed.lineage.get("inputs", {})
        used = {code: entry for code, entry in inputs.items() if isinstance(entry, dict) and entry.get("entry")}
        assert [(f["code"], f["value"]) for f in explained["figures"]] == [(c, e["value"]) for c, e in used.items()]
        for figure in explained["figures"]:
            row = page["entries"][figure["entry"]]
            assert figure["name"] == row.element.name and figure["unit"] == row.element.unit
            assert figure["department"] == row.report.department.short_name and figure["state"] == row.report.state
        assert [u["utility"] for u in explained["utilities"]] == list(inputs.get("utilities", {}))
        assert [c["question"] for c in explained["checklist"]] == computed.lineage.get("checklist", [])
        # Whatever the page prints by name, the answer names too.
        html = client.get(reverse("indicators:lineage", args=[computed.pk])).content.decode()
        for name in [c["name"] for c in explained["constants"]] + [f["name"] for f in explained["figures"]] + [
                r["name"] for r in explained["references"]]:
            assert name in html, (computed.indicator.code, name)
        for key in seen:
            seen[key] = seen[key] or bool(explained[key])
    assert all(seen.values()), seen  # every kind of lineage was compared
    days = [c for v in values for c in selectors.lineage_page(v)["constants"] if c[0] == "本年1月1日至本季度末的天数"]
    assert days  # the computation's own names are written out, not their codes

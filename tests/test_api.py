"""/api/v1/ as a whole: its description, tokens, limits and answers (the routes themselves in
tests/test_api_*.py, their scope in tests/test_api_matrix.py)."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from openapi_spec_validator import validate

from core.models import AuditEntry
from org.models import ApiToken, User
from org.services.tokens import TOKEN_PATTERN, digest_of, parse_expiry, token_authenticate, token_create
from tests.api_support import ApiClient, api_for, system_account


@pytest.fixture
def api(world):
    return api_for(world.urban_bureau)


def test_the_openapi_description_validates_and_names_every_route(world, api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    description = response.json()
    validate(description)
    assert description["info"]["version"] == "1"
    assert "/api/v1/me" in description["paths"]
    # Every route but the description itself asks for the token.
    assert description["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), (method, path)


def test_the_description_is_for_a_token_or_a_signed_in_person_only(world, reviewer, client_for):
    assert ApiClient().get("/api/v1/openapi.json").status_code == 401
    assert Client().get("/api/v1/docs").status_code == 302
    assert client_for(reviewer).get("/api/v1/openapi.json").status_code == 200


def test_the_docs_page_loads_everything_from_the_portal(world, reviewer, client_for):
    page = client_for(reviewer).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_a_system_account_never_signs_in_to_a_page(world):
    account = system_account(world.urban_bureau)
    assert not account.has_usable_password()
    client = Client()
    response = client.post("/accounts/login/", {"username": account.username, "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_only_the_digest_of_a_token_is_stored(world):
    account = system_account(world.urban_bureau)
    row, token = token_create(account=account, name="城管台账", days=90)
    assert TOKEN_PATTERN.match(token)
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.digest == digest_of(token) and token not in json.dumps(
        list(ApiToken.objects.values()), default=str)
    assert token_authenticate(token).pk == row.pk


def test_tokens_are_only_for_system_accounts(world, reporter):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        token_create(account=reporter, name="x")


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("6m", 180), ("1y", 365), ("30", 30)])
def test_validity_is_written_in_days_weeks_months_or_years(text, days):
    assert parse_expiry(text) == days


@pytest.mark.parametrize("text", ["0d", "abc", "-5d", "4y", ""])
def test_a_validity_outside_1_to_3_years_is_refused(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        parse_expiry(text)


def test_create_api_token_prints_the_token_once_and_logs_the_run(world):
    account = system_account(world.urban_bureau)
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", account.username, "--read-only", "--expires", "30d", stdout=out, stderr=err)
    token = out.getvalue().strip()
    row = token_authenticate(token)
    assert row.read_only and row.account == account
    assert abs((row.expires_at - timezone.now()) - datetime.timedelta(days=30)) < datetime.timedelta(minutes=1)
    assert "只显示这一次" in err.getvalue() and token not in err.getvalue()
    entry = AuditEntry.objects.get(route="command:create_api_token")
    assert entry.outcome == AuditEntry.Outcome.SUCCESS and token not in json.dumps(entry.target)


def test_create_api_token_refuses_a_person_and_a_bad_validity(world, reporter):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="系统账号"):
        call_command("create_api_token", reporter.username, stdout=io.StringIO(), stderr=io.StringIO())
    account = system_account(world.urban_bureau)
    with pytest.raises(CommandError, match="天数"):
        call_command("create_api_token", account.username, "--expires", "soon", stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_the_token_is_who_the_call_is_and_when_it_was_last_used(world, api):
    answer = api.get("/api/v1/me").json()
    assert answer["username"] == api.account.username and answer["department"] == "区城管局"
    assert answer["token"].startswith(api.row.prefix) and api.token not in json.dumps(answer)
    api.row.refresh_from_db()
    assert api.row.last_used_at is not None and api.row.last_used_ip == "127.0.0.1"


def test_a_disabled_system_account_stops_its_tokens_at_once(world, api):
    User.objects.filter(pk=api.account.pk).update(is_active=False)
    response = api.get("/api/v1/me")
    assert response.status_code == 401 and "停用" in response.json()["detail"]


def test_answers_are_utf8_as_written(world, api):
    response = api.get(f"/api/v1/departments/{world.urban_bureau.pk}")
    assert "区城管局".encode() in response.content
    assert response["Content-Type"].startswith("application/json")


def test_a_page_pulled_again_unchanged_is_304_and_changed_is_200(world):
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    first = api.get("/api/v1/departments", {"region": world.district.code})
    etag = first["ETag"]
    assert api.get("/api/v1/departments", {"region": world.district.code}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    world.street.short_name = "凤山街道办"
    world.street.save()
    again = api.get("/api/v1/departments", {"region": world.district.code}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_pages_are_stable_and_say_what_comes_next(world):
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    first = api.get("/api/v1/departments", {"page_size": 2}).json()
    second = api.get("/api/v1/departments", {"page_size": 2, "page": 2}).json()
    assert first["count"] == 4 and first["next_page"] == 2 and second["next_page"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_a_wrong_query_value_names_the_field_in_chinese(world, api):
    response = api.get("/api/v1/regions", {"page": "二"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "page", "message": "page：须为整数"}]


@override_settings(API_RATE="3/min")
def test_each_token_has_its_own_rate(world):
    one, other = api_for(world.urban_bureau), api_for(world.economy_bureau)
    answers = [one.get("/api/v1/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = one.get("/api/v1/me")
    assert "频繁" in refused.json()["detail"] and int(refused["Retry-After"]) > 0
    assert other.get("/api/v1/me").status_code == 200


def test_a_throttle_cache_that_cannot_answer_lets_calls_through(world, api, monkeypatch):
    from django.core.cache import caches

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(caches["throttle"], "get", broken)
    assert api.get("/api/v1/me").status_code == 200


@override_settings(API_MAX_BODY_BYTES=1024)
def test_a_body_over_the_limit_is_413_before_it_is_read(world, api):
    response = api.post("/api/v1/me", raw="x" * 2048)
    assert response.status_code == 413 and "MB" in response.json()["detail"]


def test_an_unknown_route_under_the_api_is_404(world, api):
    assert api.get("/api/v1/nothing-here").status_code == 404


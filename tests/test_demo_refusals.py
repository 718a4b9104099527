"""The demo refuses bad data loudly and writes nothing. These need an empty database, so they
do not share test_demo.py's loaded demo (where its password from the settings is tested)."""

import io

import pytest
from django.core.management import CommandError, call_command

from demo import regions, regions_data
from org.models import Region, User


def load(password="demo-pass-1"):
    call_command("load_demo", password=password, stdout=io.StringIO())


def test_unknown_region_code_is_a_loud_error(db, monkeypatch):
    monkeypatch.setattr(regions_data, "DEPARTMENTS", {**regions_data.DEPARTMENTS, "999999": []})
    with pytest.raises(CommandError, match="999999"):
        load()
    assert Region.objects.count() == 0  # nothing half-written


def test_unknown_department_of_a_user_is_a_loud_error(db, monkeypatch):
    monkeypatch.setattr(regions, "DEMO_USERS", [("x", "X", "500156", "区火星局", User.Role.REPORTER)])
    with pytest.raises(CommandError, match="区火星局"):
        load()
    assert Region.objects.count() == 0


def test_unknown_group_member_is_a_loud_error(db, monkeypatch):
    groups = {"500156": [{"name": "测试统称", "kinds": [], "members": ["区火星局"], "aliases": []}]}
    monkeypatch.setattr(regions_data, "GROUPS", groups)
    with pytest.raises(CommandError, match="区火星局"):
        load()


def test_a_spelling_claimed_twice_is_a_loud_error(db, monkeypatch):
    rows = [
        {"short_name": "甲局", "name": "甲局全称", "kind": "bureau", "aliases": ["同名"]},
        {"short_name": "乙局", "name": "乙局全称", "kind": "bureau", "aliases": ["同名"]},
    ]
    monkeypatch.setattr(regions_data, "DEPARTMENTS", {"500156": rows})
    monkeypatch.setattr(regions_data, "GROUPS", {})
    with pytest.raises(CommandError, match="同名"):
        load()

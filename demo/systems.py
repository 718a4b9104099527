"""The demo's system accounts (系统账号) and their API tokens, so the token page has something
to show and a developer has an account to make a token for:

    python manage.py create_api_token wulong_cgj_system

The demo's own tokens are made with secrets nobody keeps (a token is shown only when it is
made): they stand for tokens handed to other systems, one used today, one never used."""

import datetime

from org.models import ApiToken, Department, User
from org.services.tokens import system_account_create, token_create

from . import dates

SYSTEMS = [
    # username, display name, region code, department, role, token's user, read only
    ("wulong_cgj_system", "武隆区城管局供排水台账系统（演示）", "500156", "区城管局", User.Role.REPORTER,
     "城管局供排水台账", False),
    ("cq_city_platform", "重庆市节水管理平台（演示）", "500000", "市水利局", User.Role.SUPERVISOR,
     "市级节水管理平台", True),
]


def load(*, password):
    made = 0
    for username, display_name, code, short_name, role, used_by, read_only in SYSTEMS:
        account = User.objects.filter(username=username).first()
        if account is None:
            department = Department.objects.get(region__code=code, short_name=short_name)
            account = system_account_create(username=username, display_name=display_name, role=role,
                                            department=department)
            made += 1
        if not ApiToken.objects.filter(account=account).exists():
            row, _token = token_create(account=account, name=used_by, days=180, read_only=read_only)
            if not read_only:
                # Used this morning: the page's 最近使用 column is alive on any day.
                ApiToken.objects.filter(pk=row.pk).update(
                    last_used_at=dates.now() - datetime.timedelta(hours=2), last_used_ip="10.20.1.15")
    return f"{made} system accounts"

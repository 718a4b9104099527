"""Calling /api/v1/ in tests as another system would: a system account, its token, JSON."""

import json

from django.test import Client

from org.models import User
from org.services.tokens import system_account_create, token_create


class ApiClient:
    """A test client that signs every call with ``token`` (none: an anonymous caller)."""

    def __init__(self, token=None, *, row=None, account=None):
        self.token, self.row, self.account = token, row, account
        self.client = Client(HTTP_HOST="127.0.0.1")

    def _headers(self, extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra)
        return headers

    def get(self, path, params=None, **extra):
        return self.client.get(path, params or {}, **self._headers(extra))

    def post(self, path, payload=None, *, raw=None, **extra):
        body = raw if raw is not None else json.dumps(payload if payload is not None else {}, ensure_ascii=False)
        return self.client.generic("POST", path, body, content_type="application/json", **self._headers(extra))

    def put(self, path, payload=None, **extra):
        return self.client.generic("PUT", path, json.dumps(payload or {}, ensure_ascii=False),
                                   content_type="application/json", **self._headers(extra))

    def call(self, method, path, payload=None, **extra):
        if method == "get":
            return self.get(path, payload, **extra)
        return self.client.generic(method.upper(), path, json.dumps(payload or {}, ensure_ascii=False),
                                   content_type="application/json", **self._headers(extra))


def system_account(department, role=User.Role.REPORTER, *, username=None):
    username = username or f"sys_{department.region.code}_{department.pk}_{role}"
    found = User.objects.filter(username=username).first()
    return found or system_account_create(username=username, display_name=f"{department.short_name}系统",
                                          role=role, department=department)


def api_for(department, role=User.Role.REPORTER, *, read_only=False, days=30, username=None):
    """An ApiClient with a fresh token of ``department``'s system account of ``role``."""
    account = system_account(department, role, username=username)
    row, token = token_create(account=account, name="测试系统", days=days, read_only=read_only)
    return ApiClient(token, row=row, account=account)


def anonymous():
    return ApiClient()

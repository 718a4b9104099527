"""The staged-import framework (core.staged_import, core.pending_uploads) through a real
flow, the water-users registry: a pending upload is the user's own, expires, fits a per-user
quota, and a confirmation that fails writes nothing."""

import time
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

from carriers.imports import USERS
from carriers.models import UserYear, WaterUser
from core import pending_uploads
from core.errors import ImportBlocked
from org.models import User
from tests.test_carrier_import import GOOD_USERS, upload, user_row, users_book


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def reviewer(regions):
    return User.objects.get(username="wulong_reviewer")


@pytest.fixture
def client(client_for, reviewer):
    return client_for(reviewer)


def pending_files(user):
    folder = f"{pending_uploads.FOLDER}/{user.pk}"
    from django.core.files.storage import default_storage

    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


def test_another_users_token_is_not_found_and_cannot_be_confirmed(regions, client, client_for):
    url = upload(client, USERS, users_book(GOOD_USERS)).url
    # Another reviewer of the same department: allowed to import there, not to confirm this upload.
    department = User.objects.get(username="wulong_reviewer").department
    other = client_for(User.objects.create(username="wulong_reviewer_2", department=department,
                                           role=User.Role.REVIEWER))
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    assert not WaterUser.objects.filter(region=regions["wulong"]).exists()
    assert client.get(url).status_code == 200  # still there for its owner


def test_a_token_of_another_kind_is_not_found(client):
    url = upload(client, USERS, users_book(GOOD_USERS)).url
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("carriers:import_preview", args=["carriers", token])).status_code == 404


def test_an_expired_upload_sends_the_user_back_to_upload_in_chinese(regions, client, reviewer):
    url = upload(client, USERS, users_book(GOOD_USERS)).url
    session = client.session
    for meta in session[pending_uploads.SESSION_KEY].values():
        meta["kept_at"] = time.time() - pending_uploads.EXPIRY_HOURS * 3600 - 60
    session.save()
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("carriers:import_upload", args=[USERS])
    assert any("上传的文件已过期" in text and "请重新上传" in text for text in messages_of(response))
    assert pending_files(reviewer) == [] and not WaterUser.objects.exists()
    assert client.get(url).status_code == 404  # gone from the session too


def test_an_upload_whose_file_was_purged_has_expired(client, reviewer):
    url = upload(client, USERS, users_book(GOOD_USERS)).url
    assert pending_uploads.purge_stale() == 0  # just made: not stale yet
    later = pending_uploads.timezone.now() + pending_uploads.timedelta(hours=pending_uploads.EXPIRY_HOURS + 1)
    assert pending_uploads.purge_stale(now=later) == 1
    response = client.get(url)
    assert response.status_code == 302 and any("已过期" in text for text in messages_of(response))


def test_the_quota_drops_the_users_oldest_uploads(client, reviewer, monkeypatch):
    monkeypatch.setattr(pending_uploads, "MAX_PER_USER", 3)
    urls = []
    for number in range(4):
        urls.append(upload(client, USERS, users_book([user_row(total=1000 + number)])).url)
        time.sleep(0.01)  # distinct modification times
    assert len(pending_files(reviewer)) == 3
    oldest = client.get(urls[0])
    assert oldest.status_code == 302 and any("已过期" in text for text in messages_of(oldest))
    assert all(client.get(url).status_code == 200 for url in urls[1:])


def test_the_quota_counts_bytes_and_another_session_of_the_same_user(reviewer, client_for, monkeypatch):
    data = users_book(GOOD_USERS)
    monkeypatch.setattr(pending_uploads, "MAX_BYTES_PER_USER", 2 * len(data) + 10)
    first, second = client_for(reviewer), client_for(reviewer)  # two browsers, one quota
    url = upload(first, USERS, data).url
    time.sleep(0.01)
    upload(second, USERS, data)
    time.sleep(0.01)
    upload(second, USERS, data)
    assert len(pending_files(reviewer)) == 2
    assert first.get(url).status_code == 302  # the oldest, made in the other session, was dropped


def test_nothing_is_written_when_the_commit_fails_in_the_database(regions, client):
    url = upload(client, USERS, users_book(GOOD_USERS)).url
    with mock.patch("carriers.imports.registry_changed", side_effect=DatabaseError("disk full")):
        response = client.post(url)
    assert response.status_code == 200
    assert any("数据库未能保存这次导入" in text for text in messages_of(response))
    assert not WaterUser.objects.exists() and not UserYear.objects.exists()
    assert client.post(url).status_code == 302 and WaterUser.objects.count() == 3  # still pending: try again


def test_nothing_is_written_when_the_commit_is_blocked(regions, client):
    url = upload(client, USERS, users_book(GOOD_USERS)).url
    blocked = ImportBlocked(["第3行A列（单位名称）：与刚保存的记录冲突"])
    with mock.patch("carriers.imports.registry_changed", side_effect=blocked):
        response = client.post(url)
    assert response.status_code == 200 and not WaterUser.objects.exists()
    assert "未保存任何内容：第3行A列（单位名称）：与刚保存的记录冲突" in messages_of(response)
    assert "与刚保存的记录冲突" in response.content.decode()
    assert "确认导入" not in response.content.decode()  # blocked: upload again


def test_an_unreadable_file_goes_back_to_the_upload_page_and_is_dropped(client, reviewer):
    from django.core.files.storage import default_storage

    url = upload(client, USERS, users_book(GOOD_USERS)).url
    session = client.session
    (meta,) = session[pending_uploads.SESSION_KEY].values()
    with default_storage.open(meta["path"], "wb") as stored:
        stored.write(b"PK\x03\x04 not a workbook")
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("carriers:import_upload", args=[USERS])
    assert any(text.startswith("无法读取该文件：") for text in messages_of(response))
    assert pending_files(reviewer) == []

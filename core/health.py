"""``/health/``: is the portal able to work? Built on django-health-check's checks and the
view that runs them side by side, each within HEALTH_CHECK_TIMEOUT seconds (a dead Redis or
a silent host must not hang the endpoint or a gunicorn worker):

- **database**: ``SELECT 1`` on a connection of its own;
- **redis**: a PING to the broker at REDIS_URL;
- **worker**: a Celery worker answers a ping through the broker and consumes the queue;
- **beat**: beat's heartbeat job ran within HEALTH_BEAT_MAX_AGE_SECONDS (``core.schedule``);
- **disk**: MEDIA_ROOT's disk has HEALTH_MIN_FREE_DISK_MB free for uploads.

Without REDIS_URL (the embedded default: jobs run in the web process) the redis and worker
checks say they are not used and count as healthy; beat is then ``run_schedule``.

200 when every check passes, 503 otherwise. Anybody gets the overall status and each check's
name with ok or failed, which is what an uptime monitor or a load balancer needs and tells a
stranger nothing the deployment guide does not; the messages (ages, free space, the reason
a service did not answer) and timings only go to a signed-in administrator. No message ever
holds a URL or a password (``_without_secrets``).
"""

import asyncio
import dataclasses
import datetime
import shutil
import typing
from pathlib import Path
from urllib.parse import urlsplit

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from health_check.views import HealthCheckView

from org.scoping import visible_to

from . import schedule

NOT_USED = _("not used: without REDIS_URL the jobs run in the web process")


def _timeout():
    return datetime.timedelta(seconds=settings.HEALTH_CHECK_TIMEOUT)


def _reason(error):
    """What went wrong in a few words, never the error's text (a client's error may quote
    the URL it was given)."""
    return type(error).__name__


def _portal_app():
    from config.celery import app

    return app


def broker_client():
    """A client of the broker that gives up within the check's timeout."""
    seconds = settings.HEALTH_CHECK_TIMEOUT
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=seconds, socket_timeout=seconds)


@dataclasses.dataclass
class PortalCheck(HealthCheck):
    """A check of the portal: its ``name`` in the JSON, and a ``note`` it may leave when it
    passes (what it measured, or that it is not used)."""

    name: typing.ClassVar[str] = ""
    timeout: datetime.timedelta = dataclasses.field(default_factory=_timeout, repr=False)
    note: object = dataclasses.field(default="", init=False, repr=False)


@dataclasses.dataclass
class DatabaseCheck(PortalCheck, Database):
    name: typing.ClassVar[str] = "database"

    def run(self):
        try:
            super().run()
        except HealthCheckException as error:
            raise ServiceUnavailable(format_lazy(_("The database does not answer ({})."), error.message)) from error


def broker_unanswered():
    """None when the broker (Redis at REDIS_URL) answers a PING, else the error it raised."""
    client = broker_client()
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return error
    finally:
        client.close()
    return None


@dataclasses.dataclass
class RedisCheck(PortalCheck):
    name: typing.ClassVar[str] = "redis"

    def run(self):
        if not settings.REDIS_URL:
            self.note = NOT_USED
            return
        error = broker_unanswered()
        if error is not None:
            raise ServiceUnavailable(format_lazy(_("Redis does not answer ({})."), _reason(error))) from error


@dataclasses.dataclass
class WorkerCheck(PortalCheck, Ping):
    """django-health-check's ping of the workers (and that one consumes the default queue),
    asked only once the broker answers: kombu would otherwise retry its connection for
    longer than the check may take."""

    name: typing.ClassVar[str] = "worker"
    app: object = dataclasses.field(default_factory=_portal_app, repr=False)
    limit: int | None = dataclasses.field(default=1, repr=False)

    def run(self):
        if not settings.REDIS_URL:
            self.note = NOT_USED
            return
        error = broker_unanswered()
        if error is not None:
            raise ServiceUnavailable(_("The broker does not answer, so no worker can be asked.")) from error
        try:
            super().run()
        except HealthCheckException as error:
            raise ServiceUnavailable(
                format_lazy(_("No Celery worker answered within {} s ({})."), settings.HEALTH_CHECK_TIMEOUT,
                            error.message)
            ) from error


@dataclasses.dataclass
class BeatCheck(PortalCheck):
    """Beat's heartbeat (``core.schedule.HEARTBEAT``), queued by Celery beat and run by a
    worker, or run by ``run_schedule`` itself. Read in the request's own thread
    (``sync_to_async``), on its database connection."""

    name: typing.ClassVar[str] = "beat"

    async def run(self):
        last = await sync_to_async(schedule.last_heartbeat)()
        if last is None:
            raise ServiceUnavailable(_("Beat's heartbeat has never run: start Celery beat (or run_schedule)."))
        age = int((timezone.now() - last).total_seconds())
        when = timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")
        if age > settings.HEALTH_BEAT_MAX_AGE_SECONDS:
            raise ServiceUnavailable(format_lazy(
                _("Beat's heartbeat last ran {} s ago (at {}), more than {} s: beat or run_schedule is stopped, "
                  "or no worker runs the jobs it queues."), age, when, settings.HEALTH_BEAT_MAX_AGE_SECONDS))
        self.note = format_lazy(_("last heartbeat {} s ago (at {})"), age, when)


@dataclasses.dataclass
class DiskCheck(PortalCheck):
    name: typing.ClassVar[str] = "disk"

    def run(self):
        folder = Path(settings.MEDIA_ROOT)
        while not folder.exists() and folder != folder.parent:  # before the first upload made it
            folder = folder.parent
        usage = shutil.disk_usage(folder)
        free, total = usage.free // 2**20, usage.total // 2**20
        if free < settings.HEALTH_MIN_FREE_DISK_MB:
            raise ServiceUnavailable(format_lazy(_("Only {} MB free of {} MB for uploads, less than {} MB."), free,
                                                 total, settings.HEALTH_MIN_FREE_DISK_MB))
        self.note = format_lazy(_("{} MB free of {} MB for uploads"), free, total)


CHECKS = (DatabaseCheck, RedisCheck, WorkerCheck, BeatCheck, DiskCheck)


def _secrets():
    """The passwords of the configured services, to be kept out of every message."""
    found = [settings.DATABASES["default"].get("PASSWORD") or "", settings.EMAIL_HOST_PASSWORD or ""]
    if settings.REDIS_URL:
        found.append(urlsplit(settings.REDIS_URL).password or "")
    return [secret for secret in found if secret]


def _without_secrets(text):
    for secret in _secrets():
        text = text.replace(secret, "***")
    return text


class HealthView(HealthCheckView):
    """The checks of ``CHECKS``, all at once; JSON whatever the Accept header asks for."""

    checks = CHECKS

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        healthy = not any(result.error for result in self.results)
        user = await request.auser()
        if visible_to(user).is_admin:
            checks = {result.check.name: self.detail(result) for result in self.results}
        else:
            checks = {result.check.name: "failed" if result.error else "ok" for result in self.results}
        response = JsonResponse({"status": "ok" if healthy else "failed", "checks": checks},
                                status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
        # A 503 here is the answer asked for, not a fault of the portal: django.request
        # would log each poll during an outage as a server error.
        response._has_been_logged = True
        return response

    @staticmethod
    def detail(result):
        message = result.error.message if result.error else result.check.note
        return {
            "status": "failed" if result.error else "ok",
            "message": _without_secrets(str(message)),
            "seconds": round(result.time_taken, 3),
        }


health = HealthView.as_view()

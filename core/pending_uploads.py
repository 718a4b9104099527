"""An uploaded file waiting between its preview and the user's confirmation.

The bytes go to storage under ``imports/``; what the file is for stays in the user's
session, so one user can never confirm another's upload. Files never confirmed are
removed by the hourly purge (``core.jobs.purge_stale_uploads``).
"""

import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "imports"
SESSION_KEY = "pending_uploads"


def keep(request, *, kind, data, **meta):
    """Store ``data`` and return the token that names it in this user's session."""
    token = uuid.uuid4().hex
    path = default_storage.save(f"{FOLDER}/{token}.xlsx", ContentFile(data))
    request.session.setdefault(SESSION_KEY, {})[token] = {"kind": kind, "path": path, **meta}
    request.session.modified = True
    return token


def find(request, *, kind, token):
    """(meta, bytes) of this user's pending upload, or None when there is no such upload
    (never made, already confirmed, or its file purged)."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if meta is None or meta["kind"] != kind:
        return None
    try:
        with default_storage.open(meta["path"], "rb") as stored:
            return meta, stored.read()
    except FileNotFoundError:
        discard(request, token)
        return None


def discard(request, token):
    meta = request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True
    if meta:
        default_storage.delete(meta["path"])


def purge_stale(*, older_than_hours, now=None):
    """Delete pending uploads nobody confirmed or cancelled; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=older_than_hours)
    if not default_storage.exists(FOLDER):
        return 0
    removed = 0
    for name in default_storage.listdir(FOLDER)[1]:
        path = f"{FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed

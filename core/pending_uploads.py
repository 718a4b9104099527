"""An uploaded file waiting between its preview and the user's confirmation.

The bytes go to storage under ``imports/<user id>/``; what the file is for stays in the
user's session, so one user can never confirm another's upload (a token is only looked up
in the session that made it). Each user keeps at most ``MAX_PER_USER`` pending uploads of
at most ``MAX_BYTES_PER_USER`` bytes together: a new upload drops that user's oldest ones
(a clerk who uploads again has moved on from the older file). A pending upload expires
``EXPIRY_HOURS`` after it was made; the hourly purge (``core.jobs.purge_stale_uploads``)
removes the files nobody confirmed or cancelled.
"""

import hashlib
import time
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "imports"
SESSION_KEY = "pending_uploads"
EXPIRY_HOURS = 24
MAX_PER_USER = 5
MAX_BYTES_PER_USER = 50 * 1024 * 1024


class Expired(LookupError):
    """This session made the upload, but it is too old or its file is gone; ``meta`` is
    what the upload page recorded (where to upload again)."""

    def __init__(self, meta):
        super().__init__(meta["path"])
        self.meta = meta


def keep(request, *, kind, data, **meta):
    """Store ``data`` and return the token that names it in this user's session."""
    folder = _user_folder(request.user)
    _make_room(request, folder, incoming=len(data))
    token = uuid.uuid4().hex
    path = default_storage.save(f"{folder}/{token}", ContentFile(data))
    request.session.setdefault(SESSION_KEY, {})[token] = {
        "kind": kind, "path": path, "kept_at": time.time(), "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), **meta,
    }
    request.session.modified = True
    return token


def find(request, *, kind, token):
    """(meta, bytes) of this user's pending upload; None when this session never made it
    (or made it for another kind, or it was confirmed or cancelled). Raises ``Expired``
    when it is too old or its file was removed (purged, or dropped for a newer upload)."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if meta is None or meta["kind"] != kind:
        return None
    if _expired(meta):
        discard(request, token)
        raise Expired(meta)
    try:
        with default_storage.open(meta["path"], "rb") as stored:
            return meta, stored.read()
    except FileNotFoundError:
        discard(request, token)
        raise Expired(meta) from None


def discard(request, token):
    meta = request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True
    if meta:
        default_storage.delete(meta["path"])


def _expired(meta):
    return time.time() - meta.get("kept_at", 0) > EXPIRY_HOURS * 3600


def _user_folder(user):
    return f"{FOLDER}/{user.pk}"


def _make_room(request, folder, *, incoming):
    """Drop this user's expired uploads, then the oldest until the new one fits the quota.
    The files are counted in storage, not in the session: another session of the same user
    shares the quota."""
    for token, meta in list(request.session.get(SESSION_KEY, {}).items()):
        if _expired(meta):
            discard(request, token)
    if not default_storage.exists(folder):
        return
    files = sorted(
        (default_storage.get_modified_time(f"{folder}/{name}"), f"{folder}/{name}")
        for name in default_storage.listdir(folder)[1]
    )
    sizes = {path: default_storage.size(path) for _, path in files}
    while files and (len(files) + 1 > MAX_PER_USER or sum(sizes[path] for _, path in files) + incoming
                     > MAX_BYTES_PER_USER):
        _, oldest = files.pop(0)
        default_storage.delete(oldest)


def stored_paths():
    """The storage paths of every pending upload's file, of every user."""
    if not default_storage.exists(FOLDER):
        return []
    folders, files = default_storage.listdir(FOLDER)
    paths = [f"{FOLDER}/{name}" for name in files]  # uploads kept before they had a folder per user
    for folder in folders:
        paths += [f"{FOLDER}/{folder}/{name}" for name in default_storage.listdir(f"{FOLDER}/{folder}")[1]]
    return paths


def census(*, now=None):
    """(how many pending uploads there are, their bytes, how many are past their expiry and
    still there), for the operators' metrics: expired ones piling up mean the hourly purge
    does not run."""
    cutoff = (now or timezone.now()) - timedelta(hours=EXPIRY_HOURS)
    count = size = expired = 0
    for path in stored_paths():
        try:
            size += default_storage.size(path)
            expired += default_storage.get_modified_time(path) < cutoff
        except FileNotFoundError:  # confirmed, cancelled or purged meanwhile
            continue
        count += 1
    return count, size, expired


def purge_stale(*, older_than_hours=EXPIRY_HOURS, now=None):
    """Delete pending uploads nobody confirmed or cancelled; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=older_than_hours)
    removed = 0
    for path in stored_paths():
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed

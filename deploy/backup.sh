#!/usr/bin/env bash
# Back up the portal: the database (pg_dump, custom format) and the uploaded files
# (MEDIA_ROOT as a tar), into a new dated folder with a SHA-256 manifest.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: deploy/backup.sh [--env-file FILE] DEST

Writes DEST/jieshui-YYYYMMDDTHHMMSSZ/ with
  database.dump   pg_dump --format=custom of DATABASE_URL
  media.tar       every file under MEDIA_ROOT (evidence, audit reports, built reports)
  SHA256SUMS      checksums of both, checked by deploy/restore.sh
and prints that folder's path as its last line. A backup that fails leaves no folder behind.

DATABASE_URL and MEDIA_ROOT come from the environment, or from FILE (e.g. /etc/jieshui/env;
only those two lines are read). Run it as the user the portal runs as; the portal may keep
running. The dump is one consistent snapshot and the files are copied after it, so every
file stored before the dump is in the tar (a stored file is never overwritten). Only an
evidence file a user deletes in the seconds between the two can be missing: run it at a
quiet hour.
USAGE
}

die() {
    echo "backup.sh: $*" >&2
    exit 1
}

# The value of NAME in an environment file, without evaluating the file as shell.
env_file_value() {
    sed -n "s/^[[:space:]]*$2=//p" "$1" | tail -n 1
}

env_file=""
dest=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --env-file) [ $# -ge 2 ] || die "--env-file needs a file"; env_file="$2"; shift 2 ;;
        -*) usage >&2; exit 2 ;;
        *) [ -z "$dest" ] || { usage >&2; exit 2; }; dest="$1"; shift ;;
    esac
done
[ -n "$dest" ] || { usage >&2; exit 2; }

if [ -n "$env_file" ]; then
    [ -r "$env_file" ] || die "cannot read $env_file"
    DATABASE_URL="$(env_file_value "$env_file" DATABASE_URL)"
    MEDIA_ROOT="$(env_file_value "$env_file" MEDIA_ROOT)"
fi
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) die "DATABASE_URL is not a PostgreSQL URL; only PostgreSQL deployments are backed up by this script" ;;
esac
[ -n "${MEDIA_ROOT:-}" ] || die "MEDIA_ROOT is not set"
[ -d "$MEDIA_ROOT" ] || die "MEDIA_ROOT $MEDIA_ROOT is not a folder"
mkdir -p "$dest"

# The dump holds every user's password hash and the files every district's evidence:
# readable by the backup's owner only.
umask 077
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dest/jieshui-$stamp"
[ ! -e "$final" ] || die "$final already exists"
partial="$dest/.jieshui-$stamp.partial"
trap 'rm -rf "$partial"' EXIT
mkdir "$partial"

# The database first: the files copied afterwards then include every file it refers to.
pg_dump --format=custom --no-password --file="$partial/database.dump" "$DATABASE_URL"
# A dump that pg_restore cannot list is no backup.
pg_restore --list "$partial/database.dump" >/dev/null
tar --create --file="$partial/media.tar" --directory="$MEDIA_ROOT" .
(cd "$partial" && sha256sum database.dump media.tar >SHA256SUMS)

mv "$partial" "$final"
trap - EXIT
echo "$final"

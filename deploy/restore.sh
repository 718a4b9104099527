#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an empty database and an empty media folder.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: deploy/restore.sh [--force] BACKUP_DIR DATABASE_URL MEDIA_DIR

  BACKUP_DIR    a folder written by deploy/backup.sh (database.dump, media.tar, SHA256SUMS)
  DATABASE_URL  the database to restore into, e.g. postgres://jieshui@127.0.0.1:5432/jieshui_restored;
                it must exist (createdb -O jieshui jieshui_restored) and be empty
  MEDIA_DIR     the folder to unpack the uploaded files into (created if missing); it must be empty

The checksums are verified first. The database is restored in one transaction (all or
nothing), owned by the user of DATABASE_URL, then ANALYZEd. A database that already has
tables, or a media folder that already has files, is refused unless --force is given: then
the database's objects of the same names are dropped and replaced, and the files are
unpacked over the folder's.
Point MEDIA_ROOT and DATABASE_URL of the portal at the restored copy to use it.
USAGE
}

die() {
    echo "restore.sh: $*" >&2
    exit 1
}

force=no
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --force) force=yes; shift ;;
        -*) usage >&2; exit 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
[ ${#args[@]} -eq 3 ] || { usage >&2; exit 2; }
backup="${args[0]}"
database_url="${args[1]}"
media_dir="${args[2]}"

for name in database.dump media.tar SHA256SUMS; do
    [ -f "$backup/$name" ] || die "$backup/$name is missing: not a backup made by deploy/backup.sh"
done
(cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) || die "checksums of $backup do not match"

tables="$(psql --no-password --no-psqlrc --tuples-only --no-align --dbname="$database_url" --command \
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" \
    || die "cannot connect to the target database (create it first)"
clean=()
if [ "$tables" != "0" ]; then
    [ "$force" = yes ] || die "the target database has $tables tables; refusing to overwrite it (use --force)"
    clean=(--clean --if-exists)
fi
if [ -d "$media_dir" ] && [ -n "$(ls -A "$media_dir")" ]; then
    [ "$force" = yes ] || die "$media_dir is not empty; refusing to overwrite it (use --force)"
fi

pg_restore --no-password --no-owner --no-privileges --exit-on-error --single-transaction "${clean[@]}" \
    --dbname="$database_url" "$backup/database.dump"
# pg_restore brings no planner statistics; without them the first pages would be slow.
psql --no-password --no-psqlrc --quiet --dbname="$database_url" --command "ANALYZE"

mkdir -p "$media_dir"
tar --extract --file="$backup/media.tar" --directory="$media_dir" --no-same-owner
echo "restored $backup into $media_dir and the database of DATABASE_URL"

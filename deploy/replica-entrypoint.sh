#!/bin/sh
# A streaming replica of `db` (docker compose --profile scale): on first start, an empty data
# directory is filled by pg_basebackup -R (standby.signal and primary_conninfo written); then the
# image's usual entrypoint runs PostgreSQL as a hot standby.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -U "$PRIMARY_USER"; do echo "waiting for $PRIMARY_HOST"; sleep 1; done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$PRIMARY_PASSWORD" gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U "$PRIMARY_USER" -D "$PGDATA" -R -X stream --checkpoint=fast
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on

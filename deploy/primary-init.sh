#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): lets the
# replica (docker compose --profile scale) stream from it with the database owner's password.
set -eu
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"

#!/bin/sh
# Writes PgBouncer's auth file from the environment (no password in the image), then runs it.
set -eu
umask 077
printf '"%s" "%s"\n' "${DB_USER:?DB_USER}" "${DB_PASSWORD:?DB_PASSWORD}" > /tmp/pgbouncer-userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini

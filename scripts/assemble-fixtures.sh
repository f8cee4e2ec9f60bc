#!/usr/bin/env bash
# Builds fixtures/relations.sql from the per-area fixtures in fixtures/relations/, in a fixed
# order; with --check, fails if the committed file differs from what it would build.
set -euo pipefail
cd "$(dirname "$0")/.."

build() {
  cat <<'HEAD'
-- The relations fixture of issue 4: every relation kind and everything attached to it, with
-- awkward identifiers. Assembled from fixtures/relations/<area>.sql, which each area's parity
-- test loads on its own; tests/tests/relations.rs loads this one whole. Object names are unique
-- across the areas so that they can be concatenated (scripts/assemble-fixtures.sh).
HEAD
  for area in basic tables indexes views triggers acl select; do
    printf '\n-- ===== fixtures/relations/%s.sql =====\n' "$area"
    cat "fixtures/relations/$area.sql"
    printf 'RESET ALL;\nRESET SESSION AUTHORIZATION;\n'
  done
}

if [ "${1:-}" = "--check" ]; then
  diff -u fixtures/relations.sql <(build) >&2 || {
    echo "fixtures/relations.sql is stale: run scripts/assemble-fixtures.sh" >&2
    exit 1
  }
else
  build > fixtures/relations.sql
fi

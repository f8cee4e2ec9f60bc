#!/usr/bin/env bash
# Refills seeds/ from the golden archives: the smallest of each kind that together cover every
# archive version (1.14, 1.15, 1.16), a pipe-written archive (no offsets), a LATIN1 archive and
# each compression. Rerun after regenerating the golden archives. The list-file seeds are
# pg_restore 18's -l output for the archive the list_file target loads, and hand-made variants.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/../fixtures/golden
seeds=$here/seeds

rm -rf "$seeds"
mkdir -p "$seeds"/{custom_reader,directory_toc,tar_reader,list_file}

for f in pg15-gzip.dump pg15-pipe.dump pg15-latin1.dump pg18-none.dump pg18-pipe.dump; do
    cp "$golden/skeleton/$f" "$seeds/custom_reader/skeleton-$f"
done
for f in pg16-c-zstd.dump pg18-c-lz4.dump; do
    cp "$golden/versions/$f" "$seeds/custom_reader/$f"
done
for d in pg14-d-none pg16-d-gzip pg18-d-none; do
    cp "$golden/versions/$d/toc.dat" "$seeds/directory_toc/$d-toc.dat"
done
for f in pg15-t.tar pg18-t.tar; do
    cp "$golden/versions/$f" "$seeds/tar_reader/$f"
done

pg_restore=$(bash "$here/../scripts/fetch-pg.sh" 18)/pg_restore
list=$seeds/list_file
TZ=UTC "$pg_restore" -l "$golden/versions/pg18-c-none.dump" >"$list/pg18-c-none.list"
# Reversed, commented out in part, with junk, out-of-range and repeated ids.
grep -v '^;' "$list/pg18-c-none.list" | tac | sed -n '1~3s/^/;/;p' >"$list/reversed.list"
printf '  12 trailing text\n\t+7\n-3\n0\n99999999999999999999\n7\nabc\n\r\n;only a comment\n5;x\n' \
    >"$list/junk.list"
du -sh "$seeds"

//! `tusk_dump -j N` splits a big table between workers: pieces of its blocks are read by
//! several sessions (TID range COPYs) and compressed apart, then put together into the one
//! data member (archive-format.md §4.6, §5.2). Upstream pg_restore (serial and parallel) and
//! tusk_restore restore every layout to the source, and the TOC is the unsplit dump's.

use std::path::Path;

use tusk_tests::compare::assert_same_database;
use tusk_tests::harness::{Cluster, run, tusk_bin};

/// A table of a few hundred pages with an inheritance child (which the parent's pieces must
/// not read), a generated column, and a small table beside it.
fn fixture(c: &Cluster) -> String {
    let db = c.new_database("split").unwrap();
    c.psql(
        &db,
        &format!(
            "ALTER DATABASE {db} SET log_statement = 'all'; \
             CREATE TABLE split_big (id int PRIMARY KEY, t text, \
               twice int GENERATED ALWAYS AS (id * 2) STORED); \
             INSERT INTO split_big (id, t) \
               SELECT g, repeat(md5(g::text), 2) || E'\\t\\\\\\n' FROM generate_series(1, 30000) g; \
             CREATE TABLE split_kid (extra int) INHERITS (split_big); \
             INSERT INTO split_kid (id, t, extra) SELECT g, 'kid', g FROM generate_series(1, 50) g; \
             CREATE TABLE split_small (x int); INSERT INTO split_small VALUES (1), (2); \
             VACUUM ANALYZE;"
        ),
    )
    .unwrap();
    db
}

fn tusk_dump(c: &Cluster, args: &[&str], min_pages: &str, out: &Path, db: &str) {
    let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
    dump.env("TUSK_SPLIT_MIN_PAGES", min_pages)
        .args(args)
        .arg("-f")
        .arg(out)
        .arg(db);
    run("tusk_dump", &mut dump, None).unwrap();
}

fn restore_and_compare(c: &Cluster, src: &str, archive: &Path) {
    for jobs in ["1", "2"] {
        let dst = c.new_database("split_up").unwrap();
        let mut restore = c.upstream("pg_restore");
        restore.args(["-j", jobs, "-d", &dst]).arg(archive);
        run("pg_restore", &mut restore, None).unwrap();
        assert_same_database((c, src), (c, &dst));
        c.drop_database(&dst).unwrap();
    }
    let dst = c.new_database("split_tusk").unwrap();
    let mut restore = c.command(tusk_bin("tusk_restore").unwrap());
    restore.args(["-d", &dst]).arg(archive);
    run("tusk_restore", &mut restore, None).unwrap();
    assert_same_database((c, src), (c, &dst));
    c.drop_database(&dst).unwrap();
}

/// `pg_restore -l`'s entries (its header names the dump's time, which differs).
fn listing(c: &Cluster, archive: &Path) -> Vec<String> {
    let mut list = c.upstream("pg_restore");
    list.arg("-l").arg(archive);
    let out = String::from_utf8(run("pg_restore -l", &mut list, None).unwrap().stdout).unwrap();
    out.lines()
        .filter(|l| !l.starts_with(';'))
        .map(str::to_owned)
        .collect()
}

/// The TID range COPYs the server logged for the big table since `from` bytes of its log.
fn piece_copies(c: &Cluster, from: usize) -> usize {
    c.log()
        .get(from..)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("FROM ONLY public.split_big WHERE ctid >= '("))
        .count()
}

fn split_dumps_restore(format: &str, file: &str) {
    let c = Cluster::shared(18);
    let src = fixture(c);
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join(format!("whole-{file}"));
    tusk_dump(c, &[format, "-j", "3"], "1000000", &whole, &src);
    let whole_list = listing(c, &whole);
    for z in ["gzip", "zstd", "lz4", "none"] {
        let out = dir.path().join(format!("{z}-{file}"));
        let logged = c.log().len();
        tusk_dump(c, &[format, "-j", "3", "-Z", z], "40", &out, &src);
        assert!(
            piece_copies(c, logged) >= 2,
            "{format} -Z {z}: the big table was not split\n{}",
            c.log().get(logged..).unwrap_or_default()
        );
        assert_eq!(listing(c, &out), whole_list, "{format} -Z {z}");
        restore_and_compare(c, &src, &out);
    }
}

#[test]
fn custom_archives_of_a_split_table_restore_to_the_source() {
    split_dumps_restore("-Fc", "db.dump");
}

#[test]
fn directory_archives_of_a_split_table_restore_to_the_source() {
    split_dumps_restore("-Fd", "dir");
}

//! `tusk_restore -j N` loads a big table created in this run through several sessions at once
//! (tusk; pg_restore uses one): its COPY text is cut at row ends and each worker COPYs the
//! chunks it takes, all committing together. The database is pg_restore's; a failed load is
//! rolled back everywhere and done again the ordinary way, so the errors are pg_restore's too.

use std::path::{Path, PathBuf};

use tusk_tests::compare::assert_same_database;
use tusk_tests::harness::{Cluster, outcome, run, tusk_bin, upstream_bin};

/// About 7 MB of COPY text in one table, `big` (each test names its own: the server's log, which
/// shows the split, is shared) (tabs and newlines escaped in it), with an index and a
/// foreign key that wait for its data, and a small table beside it. Rows pass `ok(id)`,
/// which a target may define differently to make the load fail.
fn fixture(c: &Cluster, big: &str) -> String {
    let db = c.new_database("split_restore").unwrap();
    c.psql(
        &db,
        &format!(
            "CREATE FUNCTION ok(int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT true'; \
             CREATE TABLE {big} (id int PRIMARY KEY CHECK (ok(id)), t text, n numeric); \
             INSERT INTO {big} SELECT g, repeat(md5(g::text), 3) || E'\\t\\\\\\n', g / 7.0 \
               FROM generate_series(1, 60000) g; \
             CREATE INDEX ON {big} (n); \
             CREATE TABLE small (id int REFERENCES {big}, x text); \
             INSERT INTO small SELECT g, 'x' FROM generate_series(1, 100) g; \
             VACUUM ANALYZE;"
        ),
    )
    .unwrap();
    db
}

fn pg_dump(c: &Cluster, db: &str, format: &str, out: &Path) {
    run(
        "pg_dump",
        c.command(upstream_bin(18, "pg_dump").unwrap())
            .args([format, "-Z", "0", "-f"])
            .arg(out)
            .arg(db),
        None,
    )
    .unwrap();
}

/// tusk_restore with every table data split (the threshold at 1 byte).
fn tusk_restore(c: &Cluster) -> std::process::Command {
    let mut cmd = c.command(tusk_bin("tusk_restore").unwrap());
    cmd.env("TUSK_SPLIT_RESTORE_MIN_BYTES", "1");
    cmd
}

/// The COPYs into `big` the server logged since `from` bytes of its log.
fn copies_into(c: &Cluster, big: &str, from: usize) -> usize {
    let copy = format!(": COPY public.{big} (");
    c.log()
        .get(from..)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&copy))
        .count()
}

fn logged_database(c: &Cluster, prefix: &str) -> String {
    let db = c.new_database(prefix).unwrap();
    c.psql(
        &db,
        &format!("ALTER DATABASE {db} SET log_statement = 'all'"),
    )
    .unwrap();
    db
}

#[test]
fn a_split_load_gives_pg_restores_database() {
    let c = Cluster::shared(18);
    let src = fixture(c, "big");
    let dir = tempfile::tempdir().unwrap();
    for format in ["-Fc", "-Fd"] {
        let archive: PathBuf = dir.path().join(format!("split{format}"));
        pg_dump(c, &src, format, &archive);
        let theirs = c.new_database("split_theirs").unwrap();
        run(
            "pg_restore",
            c.upstream("pg_restore")
                .args(["-j", "2", "-d", &theirs])
                .arg(&archive),
            None,
        )
        .unwrap();
        let ours = logged_database(c, "split_ours");
        let from = c.log().len();
        run(
            "tusk_restore",
            tusk_restore(c).args(["-j", "2", "-d", &ours]).arg(&archive),
            None,
        )
        .unwrap();
        let copies = copies_into(c, "big", from);
        assert!(copies >= 2, "{format}: {copies} COPY into big, not split");
        assert_same_database((c, &theirs), (c, &ours));
        assert_same_database((c, &src), (c, &ours));
        c.drop_database(&theirs).unwrap();
        c.drop_database(&ours).unwrap();
    }
}

/// A target whose `ok()` already exists and refuses ids above 50,000: pg_dump's CREATE
/// FUNCTION fails, then one share of the rows fails `checked`'s CHECK. pg_restore's whole COPY fails
/// and leaves the table empty; so does the split load, and the errors and count are the same.
#[test]
fn a_failed_split_load_fails_as_pg_restore() {
    let c = Cluster::shared(18);
    let src = fixture(c, "checked");
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("split.dump");
    pg_dump(c, &src, "-Fc", &archive);
    let target = |prefix: &str| {
        let db = logged_database(c, prefix);
        c.psql(
            &db,
            "CREATE FUNCTION ok(int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 <= 50000'",
        )
        .unwrap();
        db
    };
    let theirs = target("split_fail_theirs");
    let expected = outcome(
        c.upstream("pg_restore")
            .args(["-j", "2", "-d", &theirs])
            .arg(&archive),
        true,
    )
    .unwrap();
    assert_eq!(expected.0, Some(1), "{:?}", expected.1);
    assert!(
        expected
            .1
            .iter()
            .any(|l| l.contains("violates check constraint")),
        "{:?}",
        expected.1
    );
    let ours = target("split_fail_ours");
    let from = c.log().len();
    let got = outcome(
        tusk_restore(c).args(["-j", "2", "-d", &ours]).arg(&archive),
        true,
    )
    .unwrap();
    assert_eq!(got, expected, "tusk_restore (left) vs pg_restore (right)");
    // Split first, then the one ordinary COPY that reported the error.
    assert!(copies_into(c, "checked", from) >= 3);
    assert_same_database((c, &theirs), (c, &ours));
    let rows = c.psql(&ours, "SELECT count(*) FROM checked").unwrap();
    assert_eq!(rows.trim(), "0");
}

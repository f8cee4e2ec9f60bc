//! Restoring into a server that lacks what the archive needs (a role, an extension): the same
//! messages, error count and exit status as pg_restore 18, serially and with `-j`, going on
//! past errors or stopping at the first (`-e`, `-1`).

use std::path::Path;

use tusk_tests::harness::{Cluster, outcome, run, run_unchecked, tusk_bin, upstream_bin};

/// A PostgreSQL 15 database using a role that only that cluster has and adminpack, an
/// extension PostgreSQL 18 no longer ships.
fn source() -> (&'static Cluster, String) {
    let c = Cluster::shared(15);
    let db = c.new_database("lacking").unwrap();
    c.psql(
        &db,
        "DO $$BEGIN CREATE ROLE tusk_only_on_15; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$; \
         CREATE EXTENSION adminpack; \
         CREATE TABLE owned (id int PRIMARY KEY, note text); \
         INSERT INTO owned SELECT g, 'n' || g FROM generate_series(1, 50) g; \
         ALTER TABLE owned OWNER TO tusk_only_on_15; \
         CREATE TABLE plain (id int REFERENCES owned); INSERT INTO plain VALUES (1), (2); \
         CREATE INDEX ON plain (id); \
         GRANT SELECT ON plain TO tusk_only_on_15; \
         COMMENT ON TABLE plain IS 'plain';",
    )
    .unwrap();
    (c, db)
}

#[test]
fn missing_role_and_extension_fail_as_upstream() {
    let (c15, src) = source();
    let c18 = Cluster::shared(18);
    let dir = tempfile::tempdir().unwrap();
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    let pg_restore = upstream_bin(18, "pg_restore").unwrap();
    let tusk_restore = tusk_bin("tusk_restore").unwrap();
    for format in ["c", "d"] {
        let archive = dir.path().join(format!("lacking.{format}"));
        run(
            "pg_dump 18 of a 15 database",
            c15.command(&pg_dump)
                .args([&format!("-F{format}"), "-f"])
                .arg(&archive)
                .arg(&src),
            None,
        )
        .unwrap();
        for args in [
            &[][..],
            &["-e"],
            &["-1"],
            &["-j", "2"],
            &["-j", "2", "-e"],
            &["--no-owner", "-x"],
        ] {
            let outcome = |program: &Path| {
                let db = c18.new_database("lacking_to").unwrap();
                let mut cmd = c18.command(program);
                cmd.args(args).args(["-d", &db]).arg(&archive);
                outcome(&mut cmd, args.contains(&"-j")).unwrap()
            };
            let theirs = outcome(&pg_restore);
            // adminpack fails everywhere; the role too, unless ownership and grants are off.
            assert_eq!(theirs.0, Some(1), "pg_restore 18 {args:?}: {:?}", theirs.1);
            assert!(
                theirs.1.iter().any(|l| l.contains("adminpack")),
                "{:?}",
                theirs.1
            );
            assert_eq!(
                outcome(&tusk_restore),
                theirs,
                "tusk_restore {args:?} of -F{format} (left) vs pg_restore 18 (right)"
            );
        }
    }
}

/// An 18-only statement restored into 15 fails with a syntax error whose position libpq draws
/// as a `LINE n:` excerpt and a `^`; tusk_restore prints the same. pg_restore 18 also fails on
/// `SET transaction_timeout` there, which tusk leaves out on purpose: that error and the count
/// it adds aside, the messages are the same.
#[test]
fn syntax_errors_point_where_libpq_points() {
    let c18 = Cluster::shared(18);
    let c15 = Cluster::shared(15);
    let src = c18.new_database("newer").unwrap();
    c18.psql(
        &src,
        "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL); \
         INSERT INTO t (a) VALUES (1);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("newer.dump");
    run(
        "pg_dump",
        c18.upstream("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&src),
        None,
    )
    .unwrap();
    let outcome = |program: &Path| {
        let db = c15.new_database("older").unwrap();
        let out = run_unchecked(
            "restore",
            c15.command(program).args(["-d", &db]).arg(&archive),
            None,
        )
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).replace("pg_restore", "tusk_restore");
        // Both lines of that error name it.
        let lines: Vec<String> = stderr
            .lines()
            .filter(|l| !l.contains("transaction_timeout") && !l.contains("errors ignored"))
            .map(str::to_owned)
            .collect();
        (out.status.code(), lines)
    };
    let theirs = outcome(&upstream_bin(18, "pg_restore").unwrap());
    assert!(
        theirs.1.iter().any(|l| l.starts_with("LINE ")),
        "no position in pg_restore's messages: {:?}",
        theirs.1
    );
    assert_eq!(outcome(&tusk_bin("tusk_restore").unwrap()), theirs);
}

/// Bad option values are refused before anything is read, with pg_restore's words.
#[test]
fn bad_job_counts_are_refused_as_upstream() {
    let c = Cluster::shared(18);
    for jobs in ["x", "0", "-1", "2x", "99999999999"] {
        let outcome = |program: &Path| {
            let mut cmd = c.command(program);
            cmd.args(["-j", jobs, "-d", "postgres", "/nonexistent"]);
            outcome(&mut cmd, false).unwrap()
        };
        assert_eq!(
            outcome(&tusk_bin("tusk_restore").unwrap()),
            outcome(&upstream_bin(18, "pg_restore").unwrap()),
            "-j {jobs}"
        );
    }
}

/// A COPY the server refuses before copy mode (its table was left out with `-L`) is one error,
/// and the session goes on: the next tables load, serially and with `-j` (tokio-postgres's
/// copy_in once left the connection dead here: vendor/tokio-postgres/VENDORED.md).
#[test]
fn a_copy_into_a_missing_table_leaves_the_session_usable() {
    let c = Cluster::shared(18);
    let src = c.new_database("copy_missing").unwrap();
    c.psql(
        &src,
        "CREATE TABLE a (x int); INSERT INTO a VALUES (1);
         CREATE TABLE b (y int); INSERT INTO b VALUES (2), (3);
         CREATE TABLE c (z text); INSERT INTO c VALUES ('z');",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("a.dump");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .arg("-Fc")
            .arg("-f")
            .arg(&archive)
            .arg(&src),
        None,
    )
    .unwrap();
    let listing = run(
        "pg_restore -l",
        c.upstream("pg_restore").arg("-l").arg(&archive),
        None,
    )
    .unwrap();
    let list = dir.path().join("list");
    let kept: String = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter(|l| !l.contains(" TABLE public a "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&list, kept).unwrap();
    let rows = "SELECT (SELECT string_agg(y::text, ',' ORDER BY y) FROM b) || ' ' || \
                (SELECT string_agg(z, ',') FROM c)";
    for jobs in ["1", "2"] {
        let restored = |program: &Path| {
            let dst = c.new_database("copy_missing_dst").unwrap();
            let mut cmd = c.command(program);
            cmd.args(["-j", jobs, "-L"])
                .arg(&list)
                .args(["-d", &dst])
                .arg(&archive);
            // outcome() names both programs tusk_restore.
            let (status, lines) = outcome(&mut cmd, true).unwrap();
            (status, lines, c.psql(&dst, rows).unwrap())
        };
        let theirs = restored(&upstream_bin(18, "pg_restore").unwrap());
        let ours = restored(&tusk_bin("tusk_restore").unwrap());
        assert_eq!(
            ours, theirs,
            "-j {jobs}: exit status, messages, rows loaded"
        );
        assert_eq!(theirs.2, "2,3 z\n");
    }
}

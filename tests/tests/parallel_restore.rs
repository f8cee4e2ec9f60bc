//! `tusk_restore -j N` into a database: the same database as upstream pg_restore makes from
//! the same archive (pg_dump 15's and 18's, custom and directory), the same error count for
//! the same failures (pg_restore counts one per failing entry in its workers), from a pipe
//! too (which upstream refuses), and tar refused as upstream refuses it.

use std::path::{Path, PathBuf};
use std::process::Output;

use tusk_tests::compare::assert_same_database;
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, outcome, run, run_unchecked, tusk_bin, upstream_bin};

/// pgbench (foreign keys, so post-data entries lock tables against each other) plus tables
/// whose data is loaded after a TRUNCATE (created in this run), a partitioned table, an
/// index per table, large objects, comments and grants (the later passes).
fn fixture(c: &Cluster) -> String {
    let db = fixtures::pgbench(c, 1).unwrap();
    c.psql(
        &db,
        "CREATE TABLE parted (k int, v text) PARTITION BY RANGE (k); \
         CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000); \
         CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (1000) TO (2000); \
         INSERT INTO parted SELECT g, md5(g::text) FROM generate_series(0, 1999) g; \
         CREATE INDEX ON parted (v); \
         CREATE INDEX ON pgbench_history (aid); CREATE INDEX ON pgbench_history (tid); \
         CREATE MATERIALIZED VIEW branch_sums AS SELECT bid, sum(abalance) FROM pgbench_accounts GROUP BY bid; \
         COMMENT ON TABLE parted IS 'parted'; \
         GRANT SELECT ON parted TO PUBLIC; \
         SELECT lo_from_bytea(0, 'large'::bytea); \
         ANALYZE;",
    )
    .unwrap();
    db
}

fn dump(c: &Cluster, major: u32, format: &str, dir: &Path, db: &str) -> PathBuf {
    let path = dir.join(format!("pg{major}.{format}"));
    run(
        "pg_dump",
        c.command(upstream_bin(major, "pg_dump").unwrap())
            .args([&format!("-F{format}"), "-f"])
            .arg(&path)
            .arg(db),
        None,
    )
    .unwrap();
    path
}

fn restore(c: &Cluster, program: &Path, args: &[&str], archive: &Path, db: &str) -> Output {
    run_unchecked(
        "restore",
        c.command(program).args(args).args(["-d", db]).arg(archive),
        None,
    )
    .unwrap()
}

/// What tusk_restore -j 4 makes equals what pg_restore -j 4 makes.
fn same_as_upstream(major: u32) {
    let c = Cluster::shared(major);
    let src = fixture(c);
    let dir = tempfile::tempdir().unwrap();
    let pg_restore = upstream_bin(18, "pg_restore").unwrap();
    let tusk_restore = tusk_bin("tusk_restore").unwrap();
    let dumps: Vec<u32> = if major == 18 {
        vec![18]
    } else {
        vec![major, 18]
    };
    for dump_major in dumps {
        for format in ["c", "d"] {
            let archive = dump(c, dump_major, format, dir.path(), &src);
            let theirs = c.new_database("par_theirs").unwrap();
            // pg_restore 18 into 15 counts its SET transaction_timeout as an error; the
            // database is what matters here.
            restore(c, &pg_restore, &["-j", "4"], &archive, &theirs);
            for jobs in ["1", "4"] {
                let ours = c.new_database("par_ours").unwrap();
                let out = restore(c, &tusk_restore, &["-j", jobs], &archive, &ours);
                assert!(
                    out.status.success(),
                    "tusk_restore -j {jobs} of {archive:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert_same_database((c, &theirs), (c, &ours));
            }
        }
    }
}

tusk_tests::for_majors!(parallel_restore_matches_pg_restore => same_as_upstream);

/// Errors in workers: a role the archive needs is missing, so each entry that uses it fails
/// once. pg_restore 18 -j 2 and tusk_restore -j 2 report the same messages and the same count.
#[test]
fn worker_errors_are_counted_per_entry() {
    let c = Cluster::shared(18);
    let src = c.new_database("par_err").unwrap();
    c.psql(
        &src,
        "DO $$BEGIN CREATE ROLE tusk_par_gone; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$; \
         CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a SELECT generate_series(1, 100); \
         CREATE TABLE b (id int REFERENCES a); INSERT INTO b SELECT generate_series(1, 100); \
         CREATE INDEX ON b (id); \
         GRANT SELECT ON a, b TO tusk_par_gone; \
         ALTER TABLE b OWNER TO tusk_par_gone;",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dump(c, 18, "c", dir.path(), &src);
    c.psql(
        &src,
        "DROP OWNED BY tusk_par_gone; DROP ROLE tusk_par_gone;",
    )
    .unwrap();
    let outcome = |program: &Path| {
        let db = c.new_database("par_err_to").unwrap();
        let mut cmd = c.command(program);
        cmd.args(["-j", "2", "-d", &db]).arg(&archive);
        // Workers finish in any order.
        outcome(&mut cmd, true).unwrap()
    };
    let theirs = outcome(&upstream_bin(18, "pg_restore").unwrap());
    assert!(
        theirs
            .1
            .iter()
            .any(|l| l.contains("errors ignored on restore")),
        "{theirs:?}"
    );
    assert_eq!(outcome(&tusk_bin("tusk_restore").unwrap()), theirs);
}

/// From a pipe: pg_restore refuses `-j` there; tusk copies the archive aside first.
#[test]
fn parallel_restore_from_a_pipe() {
    let c = Cluster::shared(18);
    let src = fixture(c);
    let dir = tempfile::tempdir().unwrap();
    let archive = dump(c, 18, "c", dir.path(), &src);
    let bytes = std::fs::read(&archive).unwrap();
    let dst = c.new_database("par_pipe").unwrap();
    run(
        "tusk_restore -j 2 from stdin",
        c.command(tusk_bin("tusk_restore").unwrap())
            .args(["-j", "2", "-d", &dst]),
        Some(&bytes),
    )
    .unwrap();
    assert_same_database((c, &src), (c, &dst));
}

/// Tar archives cannot be restored in parallel, with upstream's message.
#[test]
fn tar_is_refused_as_upstream() {
    let c = Cluster::shared(18);
    let src = c.new_database("par_tar").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dump(c, 18, "t", dir.path(), &src);
    let outcome = |program: &Path| {
        let mut cmd = c.command(program);
        cmd.args(["-j", "2", "-d", &src]).arg(&archive);
        outcome(&mut cmd, false).unwrap()
    };
    assert_eq!(
        outcome(&tusk_bin("tusk_restore").unwrap()),
        outcome(&upstream_bin(18, "pg_restore").unwrap())
    );
}

/// The options that change what the leader does around the workers, each against pg_restore
/// 18 -j 2: `-C` (workers connect to the database the leader created), `-c --if-exists` into
/// a populated database, `--transaction-size` (the leader's part only), and an archive
/// written to a pipe, without data offsets, which every worker scans.
#[test]
fn leader_options_match_pg_restore() {
    let c = Cluster::shared(18);
    let src = fixture(c);
    let dir = tempfile::tempdir().unwrap();
    let archive = dump(c, 18, "c", dir.path(), &src);
    let piped = dir.path().join("piped.dump");
    let out = run(
        "pg_dump to a pipe",
        c.upstream("pg_dump").args(["-Fc", &src]),
        None,
    )
    .unwrap();
    std::fs::write(&piped, &out.stdout).unwrap();
    let pg_restore = upstream_bin(18, "pg_restore").unwrap();
    let tusk_restore = tusk_bin("tusk_restore").unwrap();

    for (args, archive) in [
        (&["-j", "2", "--transaction-size=5"][..], &archive),
        (&["-j", "2"], &piped),
        (&["-j", "2", "-s"], &archive),
        (
            &["-j", "2", "--section=pre-data", "--section=data"],
            &archive,
        ),
        (&["-j", "3", "-O", "-x", "--no-comments"], &archive),
        (
            &["-j", "2", "-t", "pgbench_accounts", "-t", "parted_1"],
            &archive,
        ),
    ] {
        let theirs = c.new_database("par_opt_theirs").unwrap();
        let ours = c.new_database("par_opt_ours").unwrap();
        for (program, db) in [(&pg_restore, &theirs), (&tusk_restore, &ours)] {
            let out = restore(c, program, args, archive, db);
            assert!(out.status.success(), "{program:?} {args:?}: {out:?}");
        }
        assert_same_database((c, &theirs), (c, &ours));
    }

    // -c --if-exists over a copy restored once already.
    let theirs = c.new_database("par_clean_theirs").unwrap();
    let ours = c.new_database("par_clean_ours").unwrap();
    for (program, db) in [(&pg_restore, &theirs), (&tusk_restore, &ours)] {
        run(
            "first restore",
            c.upstream("pg_restore").args(["-d", db]).arg(&archive),
            None,
        )
        .unwrap();
        let out = restore(c, program, &["-j", "2", "-c", "--if-exists"], &archive, db);
        assert!(out.status.success(), "{program:?} -c: {out:?}");
    }
    assert_same_database((c, &theirs), (c, &ours));

    // -C: the leader creates the database named in the archive, the workers join it there.
    let created = format!("{src}_created");
    let renamed = dir.path().join("renamed.dump");
    let db = c.new_database("par_create_src").unwrap();
    run(
        "load",
        c.upstream("pg_restore").args(["-d", &db]).arg(&archive),
        None,
    )
    .unwrap();
    c.psql(
        "postgres",
        &format!("ALTER DATABASE {db} RENAME TO {created}"),
    )
    .unwrap();
    run(
        "pg_dump -C",
        c.upstream("pg_dump")
            .args(["-Fc", "-C", "-f"])
            .arg(&renamed)
            .arg(&created),
        None,
    )
    .unwrap();
    c.drop_database(&created).unwrap();
    run(
        "tusk_restore -C -j 2",
        c.command(&tusk_restore)
            .args(["-C", "-j", "2", "-d", "postgres"])
            .arg(&renamed),
        None,
    )
    .unwrap();
    assert_same_database((c, &src), (c, &created));
}

/// `-e -j 2`: the first error in a worker stops the restore, with pg_restore's messages and exit
/// status.
#[test]
fn exit_on_error_stops_the_workers() {
    let c = Cluster::shared(18);
    let src = c.new_database("par_e").unwrap();
    c.psql(
        &src,
        "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a SELECT generate_series(1, 10); \
         CREATE TABLE b (id int); INSERT INTO b VALUES (1), (1); \
         CREATE INDEX ON a (id);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dump(c, 18, "c", dir.path(), &src);
    // The target already has b with a unique index: its data fails in a worker.
    let outcome = |program: &Path| {
        let db = c.new_database("par_e_to").unwrap();
        c.psql(
            &db,
            "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int UNIQUE);",
        )
        .unwrap();
        let out = restore(c, program, &["-j", "2", "-e", "-a"], &archive, &db);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = outcome(&tusk_bin("tusk_restore").unwrap());
    let (their_code, their_stderr) = outcome(&upstream_bin(18, "pg_restore").unwrap());
    assert!(stderr.contains("duplicate key value"), "{stderr}");
    assert_eq!(
        (code, stderr),
        (
            their_code,
            their_stderr.replace("pg_restore", "tusk_restore")
        )
    );
}

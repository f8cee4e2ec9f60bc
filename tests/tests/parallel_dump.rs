//! `tusk_dump -j N`: workers in the leader's exported snapshot write directory and custom
//! archives that upstream pg_restore (serial and parallel) and tusk_restore restore to the
//! source; a worker that cannot lock its table fails as pg_dump's does, leaving nothing.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tusk_tests::compare::assert_same_database;
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin};

/// Tables of different sizes (so that the largest-first order differs from TOC order), an
/// empty one, a sequence moved on, large objects.
fn fixture(c: &Cluster) -> String {
    let db = c.new_database("par").unwrap();
    c.psql(
        &db,
        "CREATE TABLE small (id int PRIMARY KEY, t text); \
         INSERT INTO small SELECT g, 's' || g FROM generate_series(1, 10) g; \
         CREATE TABLE big (id int PRIMARY KEY, t text); \
         INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 40000) g; \
         CREATE TABLE medium (id int, v numeric, d date); \
         INSERT INTO medium SELECT g, g / 7.0, date '2024-01-01' + g FROM generate_series(1, 5000) g; \
         CREATE TABLE empty (x int); \
         CREATE SEQUENCE counter; SELECT setval('counter', 42); \
         CREATE TABLE wide (id serial, payload text); \
         INSERT INTO wide (payload) SELECT repeat('x', 3000 + g) FROM generate_series(1, 50) g; \
         SELECT lo_from_bytea(0, 'hello'::bytea); \
         SELECT lo_from_bytea(0, decode(repeat('cd', 30000), 'hex')); \
         ANALYZE;",
    )
    .unwrap();
    db
}

fn tusk_dump(c: &Cluster, args: &[&str], out: &Path, db: &str) {
    let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
    dump.args(args).arg("-f").arg(out).arg(db);
    run("tusk_dump", &mut dump, None).unwrap();
}

fn restore_and_compare(c: &Cluster, src: &str, archive: &Path) {
    for jobs in ["1", "2"] {
        let dst = c.new_database("par_up").unwrap();
        let mut restore = c.upstream("pg_restore");
        restore.args(["-j", jobs, "-d", &dst]).arg(archive);
        run("pg_restore", &mut restore, None).unwrap();
        assert_same_database((c, src), (c, &dst));
    }
    let dst = c.new_database("par_tusk").unwrap();
    let mut restore = c.command(tusk_bin("tusk_restore").unwrap());
    restore.args(["-d", &dst]).arg(archive);
    run("tusk_restore", &mut restore, None).unwrap();
    assert_same_database((c, src), (c, &dst));
}

#[test]
fn directory_and_custom_with_two_workers_restore_to_the_source() {
    let c = Cluster::shared(18);
    let src = fixture(c);
    let dir = tempfile::tempdir().unwrap();

    let d = dir.path().join("dir");
    tusk_dump(c, &["-Fd", "-j", "2"], &d, &src);
    restore_and_compare(c, &src, &d);

    let f = dir.path().join("db.dump");
    tusk_dump(c, &["-Fc", "-j", "2"], &f, &src);
    restore_and_compare(c, &src, &f);
    let mut list = c.upstream("pg_restore");
    list.arg("-l").arg(&f);
    let listing = String::from_utf8(run("pg_restore -l", &mut list, None).unwrap().stdout).unwrap();
    for want in [
        "TABLE DATA public big",
        "TABLE DATA public small",
        "BLOBS - ",
    ] {
        assert!(listing.contains(want), "{want} missing from\n{listing}");
    }
    // Nothing but the archives themselves is left (no spill files).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["db.dump", "dir"]);
}

/// pg_dump's case: someone asks for ACCESS EXCLUSIVE on a table after the leader locked it;
/// the request queues behind the leader's lock, and the worker's NOWAIT lock conflicts with
/// the queued request.
#[test]
fn a_worker_lock_conflict_fails_as_pg_dump_and_leaves_no_archive() {
    let c = Cluster::shared(18);
    let src = fixture(c);
    c.psql(
        &src,
        "CREATE TABLE victim (x int); INSERT INTO victim VALUES (1); \
         CREATE TABLE big2 AS SELECT * FROM big; \
         INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(40001, 400000) g; \
         INSERT INTO big2 SELECT * FROM big WHERE id > 40000; ANALYZE;",
    )
    .unwrap();
    for format in ["-Fd", "-Fc"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
        dump.args([format, "-j", "2", "-Z", "0", "-f"])
            .arg(&out)
            .arg(&src)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let dump = dump.spawn().unwrap();
        // Once the leader holds its lock on victim, queue an ACCESS EXCLUSIVE request behind
        // it; the two workers are busy with big and big2 meanwhile.
        let start = Instant::now();
        loop {
            let held = c
                .psql(
                    &src,
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
                     WHERE a.application_name = 'tusk_dump' AND l.granted \
                       AND l.relation = 'public.victim'::regclass",
                )
                .unwrap();
            if held.trim() != "0" {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the leader never locked"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut exclusive = c
            .upstream("psql")
            .args(["-X", "-q", "-d", &src, "-c"])
            .arg("BEGIN; LOCK TABLE victim IN ACCESS EXCLUSIVE MODE; COMMIT;")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let output = dump.wait_with_output().unwrap();
        assert!(exclusive.wait().unwrap().success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(
                "tusk_dump: error: could not obtain lock on relation \"public.victim\"\n\
                 This usually means that someone requested an ACCESS EXCLUSIVE lock on the \
                 table after the pg_dump parent process had gotten the initial ACCESS SHARE \
                 lock on the table."
            ),
            "{stderr}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{format} left {left:?}");
    }
}

/// Without a seekable output, `-Fc -j N` dumps serially (pg_restore reads a pipe's members in
/// TOC order only), and the archive restores from the pipe.
#[test]
fn custom_to_a_pipe_with_jobs_dumps_serially() {
    let c = Cluster::shared(18);
    let src = fixture(c);
    let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
    dump.args(["-Fc", "-j", "2", &src]);
    let archive = run("tusk_dump", &mut dump, None).unwrap().stdout;
    let dst = c.new_database("par_pipe").unwrap();
    let mut restore = c.upstream("pg_restore");
    restore.args(["-d", &dst]);
    let out = run_unchecked("pg_restore", &mut restore, Some(&archive)).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_database((c, &src), (c, &dst));
}

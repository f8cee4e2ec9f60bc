//! The dump's transaction and locks, against pg_dump 18: the ACCESS SHARE locks hold off a
//! concurrent ALTER TABLE until the dump ends, `--lock-wait-timeout` fails as pg_dump fails,
//! `--snapshot` dumps another session's snapshot (workers too), `--serializable-deferrable`
//! starts a serializable deferrable transaction, and a hot standby is dumped as pg_dump dumps
//! it (no unlogged table data; no serializable transactions).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, assert_same_failure, load_fixture, plain_dump};

fn tusk_dump(c: &Cluster) -> Command {
    c.command(tusk_bin("tusk_dump").unwrap())
}

fn pg_dump(c: &Cluster) -> Command {
    c.command(upstream_bin(18, "pg_dump").unwrap())
}

/// Polls `sql` (a count) in `db` until it is not 0.
fn wait_for_count(c: &Cluster, db: &str, sql: &str, what: &str) {
    let start = Instant::now();
    while c.psql(db, sql).unwrap().trim() == "0" {
        assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A psql session kept open, fed statements one at a time: it holds a transaction (and its
/// locks or exported snapshot) while the dumps run.
struct Held {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Held {
    fn open(c: &Cluster, db: &str) -> Held {
        let mut child = c
            .upstream("psql")
            .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Held {
            child,
            stdin,
            stdout,
        }
    }

    /// Runs `sql`, which ends with a query of one value, and returns that value.
    fn query(&mut self, sql: &str) -> String {
        writeln!(self.stdin, "{sql}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    /// Ends the session (its transaction goes with it).
    fn close(self) {
        let Held {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        assert!(child.wait().unwrap().success(), "the held session failed");
    }
}

/// A table whose data fills far more than a pipe, so that a dump writing to an unread pipe
/// stops inside its transaction.
const BIG: &str = "CREATE TABLE big (t text); \
                   INSERT INTO big SELECT repeat(md5(g::text), 8) FROM generate_series(1, 20000) g;";

#[test]
fn a_concurrent_alter_table_waits_for_the_dump() {
    let c = Cluster::shared(18);
    let db = c.new_database("alter").unwrap();
    c.psql(
        &db,
        &format!("CREATE TABLE a_target (id int); INSERT INTO a_target VALUES (1); {BIG}"),
    )
    .unwrap();
    // a_target's data comes first; the dump then stops in big's, its stdout unread.
    let mut dump = tusk_dump(c)
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let dump_holds_lock = "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
                           WHERE a.application_name = 'tusk_dump' AND l.granted \
                             AND l.mode = 'AccessShareLock' \
                             AND l.relation = 'public.a_target'::regclass";
    wait_for_count(c, &db, dump_holds_lock, "tusk_dump locked a_target");
    let mut alter = c
        .upstream("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db, "-c"])
        .arg("ALTER TABLE a_target ADD COLUMN new_column int")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_count(
        c,
        &db,
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock' \
           AND relation = 'public.a_target'::regclass",
        "the ALTER TABLE queued for its lock",
    );
    assert!(
        alter.try_wait().unwrap().is_none(),
        "the ALTER did not wait"
    );
    assert_ne!(c.psql(&db, dump_holds_lock).unwrap().trim(), "0");

    let mut script = String::new();
    dump.stdout
        .take()
        .unwrap()
        .read_to_string(&mut script)
        .unwrap();
    let dump = dump.wait_with_output().unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(alter.wait().unwrap().success(), "the ALTER failed");
    assert!(
        script.contains("CREATE TABLE public.a_target (\n    id integer\n);"),
        "{script:.2000}"
    );
    assert!(
        !script.contains("new_column"),
        "the dump has the new column"
    );
    assert!(script.contains("COPY public.a_target (id) FROM stdin;\n1\n\\.\n"));
    assert_eq!(
        c.psql(
            &db,
            "SELECT count(*) FROM pg_attribute WHERE attname = 'new_column' \
               AND attrelid = 'public.a_target'::regclass"
        )
        .unwrap()
        .trim(),
        "1"
    );
}

/// stderr with the program name made tusk's.
fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).replace("pg_dump", "tusk_dump")
}

fn looks_like_an_archive(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"PGDMP"))
}

#[test]
fn lock_wait_timeout_fails_as_pg_dump_does() {
    let c = Cluster::shared(18);
    let db = c.new_database("lockwait").unwrap();
    // Created out of name order: the statement names tables in OID order, as pg_dump's does.
    c.psql(
        &db,
        "CREATE TABLE u (x int); CREATE TABLE t (y int); CREATE UNLOGGED TABLE s (z int);",
    )
    .unwrap();
    let mut holder = Held::open(c, &db);
    assert_eq!(
        holder.query("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT 'locked';"),
        "locked"
    );
    for format in ["-Fp", "-Fc"] {
        let dir = tempfile::tempdir().unwrap();
        let mut results = Vec::new();
        for (name, mut cmd) in [("pg_dump", pg_dump(c)), ("tusk_dump", tusk_dump(c))] {
            let out = dir.path().join(name);
            cmd.args([format, "--lock-wait-timeout=1s", "-f"])
                .arg(&out)
                .arg(&db);
            let start = Instant::now();
            let output = run_unchecked(name, &mut cmd, None).unwrap();
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "{name} {format} took {:?}",
                start.elapsed()
            );
            assert!(
                !looks_like_an_archive(&out),
                "{name} {format} left an archive"
            );
            results.push((output.status.code(), stderr_of(&output)));
        }
        assert_eq!(
            results[0],
            (
                Some(1),
                "tusk_dump: error: query failed: ERROR:  canceling statement due to statement \
                 timeout\ntusk_dump: detail: Query was: LOCK TABLE public.u, public.t, public.s \
                 IN ACCESS SHARE MODE\n"
                    .to_owned()
            ),
            "pg_dump 18 {format}"
        );
        assert_eq!(
            results[1], results[0],
            "tusk_dump {format} against pg_dump 18"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "pg_dump")
            .collect();
        assert!(left.is_empty(), "tusk_dump {format} left {left:?}");
    }
    holder.close();
}

/// 1,500 tables of 63-character names make two LOCK TABLE statements; the second one waits
/// for the last table and fails, and the message names that statement as pg_dump's does.
#[test]
fn lock_batches_are_cut_as_pg_dump_cuts_them() {
    let c = Cluster::shared(18);
    let db = c.new_database("batches").unwrap();
    c.psql(
        &db,
        "DO $$ BEGIN FOR i IN 1..1500 LOOP \
           EXECUTE format('CREATE TABLE %I (x int)', \
             'table_with_a_name_long_enough_to_fill_lock_batches_quickly_' || lpad(i::text, 4, '0')); \
         END LOOP; END $$;",
    )
    .unwrap();
    let mut holder = Held::open(c, &db);
    assert_eq!(
        holder.query(
            "BEGIN; LOCK TABLE table_with_a_name_long_enough_to_fill_lock_batches_quickly_1500 \
             IN ACCESS EXCLUSIVE MODE; SELECT 'locked';"
        ),
        "locked"
    );
    let mut results = Vec::new();
    for mut cmd in [pg_dump(c), tusk_dump(c)] {
        cmd.args(["-s", "--lock-wait-timeout=1s", &db]);
        let output = run_unchecked("dump", &mut cmd, None).unwrap();
        results.push((output.status.code(), stderr_of(&output)));
    }
    holder.close();
    let detail = results[0].1.lines().nth(1).unwrap_or_default();
    assert!(
        detail.starts_with(
            "tusk_dump: detail: Query was: LOCK TABLE \
             public.table_with_a_name_long_enough_to_fill_lock_batches_quickly_1"
        ) && !detail.contains("quickly_0001,"),
        "pg_dump 18 locked in one batch: {detail:.200}"
    );
    assert_eq!(results[1], results[0], "tusk_dump against pg_dump 18");
}

#[test]
fn a_missing_role_or_a_bad_timeout_fails_as_pg_dump_does() {
    let c = Cluster::shared(18);
    let db = c.new_database("role").unwrap();
    assert_same_failure(
        c,
        &db,
        &[
            &["--role=nobody"],
            &["--role=nobody", "--snapshot=bogus"],
            &["--lock-wait-timeout=abc"],
            &["--lock-wait-timeout=5 parsecs"],
        ],
    );
}

#[test]
fn snapshot_option_dumps_another_sessions_snapshot() {
    let c = Cluster::shared(18);
    let db = c.new_database("snap").unwrap();
    c.psql(
        &db,
        &format!("CREATE TABLE s (id int); INSERT INTO s VALUES (1), (2), (3); {BIG}"),
    )
    .unwrap();
    let mut exporter = Held::open(c, &db);
    let snapshot = exporter
        .query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_catalog.pg_export_snapshot();");
    c.psql(
        &db,
        "INSERT INTO s VALUES (4); DELETE FROM big WHERE t < '8'; CREATE TABLE later (x int);",
    )
    .unwrap();
    let option = format!("--snapshot={snapshot}");

    assert_parity(c, &db, &[&[&option]]);
    let ours = plain_dump(c, &tusk_bin("tusk_dump").unwrap(), &db, &[&option]);
    assert!(ours.contains("COPY public.s (id) FROM stdin;\n1\n2\n3\n\\.\n"));
    assert!(!ours.contains("public.later"));

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("dir");
    let mut dump = tusk_dump(c);
    dump.args(["-Fd", "-j", "2", &option, "-f"])
        .arg(&archive)
        .arg(&db);
    run("tusk_dump -Fd -j 2 --snapshot", &mut dump, None).unwrap();
    let dst = c.new_database("snap_restored").unwrap();
    let mut restore = c.upstream("pg_restore");
    restore.args(["-d", &dst]).arg(&archive);
    run("pg_restore", &mut restore, None).unwrap();
    assert_eq!(
        c.psql(
            &dst,
            "SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM s) || ' ' || \
                    (SELECT count(*) FROM big) || ' ' || \
                    (SELECT count(*) FROM pg_class WHERE relname = 'later')"
        )
        .unwrap()
        .trim(),
        "1,2,3 20000 0"
    );
    exporter.close();

    assert_same_failure(
        c,
        &db,
        &[&["--snapshot=bogus"], &["--snapshot=00000003-00000002-1"]],
    );
}

#[test]
fn serializable_deferrable_dumps_as_pg_dump_in_a_serializable_transaction() {
    let c = Cluster::shared(18);
    let db = load_fixture(c, "data.sql").unwrap();
    // This database's sessions log their statements; only tusk_dump runs here before the
    // log is read.
    c.psql(
        "postgres",
        &format!("ALTER DATABASE \"{db}\" SET log_statement = 'all'"),
    )
    .unwrap();
    let wanted = "statement: SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE";
    let before = c.log().matches(wanted).count();
    let mut dump = tusk_dump(c);
    dump.args(["--serializable-deferrable", &db]);
    run("tusk_dump --serializable-deferrable", &mut dump, None).unwrap();
    let log = c.log();
    assert_eq!(log.matches(wanted).count(), before + 1, "{log}");
    assert_parity(c, &db, &[&["--serializable-deferrable"]]);
}

#[test]
fn a_hot_standby_is_dumped_as_pg_dump_dumps_it() {
    let primary = Cluster::start(18).unwrap();
    let db = load_fixture(&primary, "data.sql").unwrap();
    primary
        .psql(
            &db,
            &format!(
                "CREATE UNLOGGED TABLE scratch (id int); INSERT INTO scratch VALUES (1), (2); \
                 {BIG}"
            ),
        )
        .unwrap();
    let standby = primary.start_standby().unwrap();
    assert_eq!(
        standby
            .psql("postgres", "SELECT pg_is_in_recovery()")
            .unwrap()
            .trim(),
        "t"
    );
    assert_parity(&standby, &db, &[&[]]);
    let ours = plain_dump(&standby, &tusk_bin("tusk_dump").unwrap(), &db, &[]);
    assert!(ours.contains("CREATE UNLOGGED TABLE public.scratch"));
    assert!(!ours.contains("COPY public.scratch"));

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("dir");
    let mut dump = tusk_dump(&standby);
    dump.args(["-Fd", "-j", "2", "-f"]).arg(&archive).arg(&db);
    run("tusk_dump -Fd -j 2 on a standby", &mut dump, None).unwrap();
    let mut list = primary.upstream("pg_restore");
    list.arg("-l").arg(&archive);
    let listing = String::from_utf8(run("pg_restore -l", &mut list, None).unwrap().stdout).unwrap();
    assert!(listing.contains("TABLE DATA public big"), "{listing}");
    assert!(!listing.contains("TABLE DATA public scratch"), "{listing}");
    let dst = primary.new_database("from_standby").unwrap();
    let mut restore = primary.upstream("pg_restore");
    restore.args(["-d", &dst]).arg(&archive);
    run_unchecked("pg_restore", &mut restore, None).unwrap();
    assert_eq!(
        primary
            .psql(
                &dst,
                "SELECT (SELECT count(*) FROM big) || ' ' || (SELECT count(*) FROM scratch)"
            )
            .unwrap()
            .trim(),
        "20000 0"
    );

    assert_same_failure(&standby, &db, &[&["--serializable-deferrable"]]);
}

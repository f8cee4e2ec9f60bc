//! Faults in the middle of a run (issue 10): the server stopped, one worker's backend killed,
//! the file system full, wrong output paths, an archive member gone, a stalled network. Each
//! ends in a clear error and exit status 1, in bounded time, with no output that looks
//! complete and no backend of ours left behind. Where upstream behaves sanely its outcome is
//! the oracle; where it dies by a signal or leaves a truncated file, tusk does better and the
//! test says so.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tusk_tests::harness::{Cluster, outcome, run, run_stdout, tusk_bin};
use tusk_tests::proxy::StallProxy;
use tusk_tests::running::{
    assert_no_backends, big_database, entries, loading, output_passed, signal, wait_exit,
    wait_until,
};

/// Long enough for any of these runs to notice its fault; a hang takes longer.
const BOUND: Duration = Duration::from_secs(60);

fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The error lines of a failed run: each one a tusk message, no panic, and at most `most`.
fn assert_clean_failure(
    what: &str,
    (code, stderr): &(Option<i32>, String),
    program: &str,
    most: usize,
) {
    assert_eq!(*code, Some(1), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines.len() <= most,
        "{what}: {} lines: {stderr}",
        lines.len()
    );
    assert!(
        lines.iter().all(|l| l.starts_with(&format!("{program}: "))),
        "{what}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

/// A plain pg_dump archive of `db` (uncompressed, so that restoring it takes a while).
fn upstream_archive(c: &Cluster, db: &str, dir: &Path) -> std::path::PathBuf {
    let archive = dir.join("big.dump");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fc", "-Z", "0", "-f"])
            .arg(&archive)
            .arg(db),
        None,
    )
    .unwrap();
    archive
}

/// `pg_ctl -m immediate`: SIGQUIT to the postmaster, whose pid heads postmaster.pid.
fn stop_immediately(c: &Cluster) {
    let pid_file = std::fs::read_to_string(c.data_dir().join("postmaster.pid")).unwrap();
    let pid = pid_file.lines().next().unwrap().trim();
    run("kill", Command::new("kill").args(["-QUIT", pid]), None).unwrap();
}

/// The backend of one of `application_name`'s COPYs running in `db`, terminated once
/// there is one.
fn terminate_a_copy(c: &Cluster, application_name: &str, db: &str) -> bool {
    c.psql(
        "postgres",
        &format!(
            "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity \
             WHERE application_name = '{application_name}' AND datname = '{db}' \
             AND state = 'active' AND query LIKE 'COPY %' LIMIT 1) p"
        ),
    )
    .map(|n| n.trim() == "1")
    .unwrap_or(false)
}

#[test]
fn a_server_stopped_mid_dump_fails_it_and_leaves_nothing() {
    for args in [&["-Fc", "-j", "2"][..], &["-Fd", "-j", "2"], &["-Fp"]] {
        let c = Cluster::start(18).unwrap();
        let db = big_database(&c, "stopped");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
        cmd.args(args)
            .args(["-Z", "0", "-f"])
            .arg(dir.path().join("out"))
            .arg(&db);
        let mut child = spawn(cmd);
        wait_until(&mut child, || output_passed(dir.path(), 100_000));
        stop_immediately(&c);
        let out = wait_exit(&mut child, BOUND);
        assert_clean_failure(&format!("{args:?}"), &out, "tusk_dump", 2);
        assert!(
            entries(dir.path()).is_empty(),
            "{args:?} left {:?}",
            entries(dir.path())
        );
    }
}

#[test]
fn a_server_stopped_mid_restore_fails_it() {
    for args in [&["-j", "2"][..], &[]] {
        let c = Cluster::start(18).unwrap();
        let db = big_database(&c, "stopped");
        let dir = tempfile::tempdir().unwrap();
        let archive = upstream_archive(&c, &db, dir.path());
        let target = c.new_database("stopped_target").unwrap();
        let mut cmd = c.command(tusk_bin("tusk_restore").unwrap());
        cmd.args(args).args(["-d", &target]).arg(&archive);
        let mut child = spawn(cmd);
        wait_until(&mut child, || loading(&c, &target));
        stop_immediately(&c);
        let out = wait_exit(&mut child, BOUND);
        assert_clean_failure(&format!("{args:?}"), &out, "tusk_restore", 3);
    }
}

/// pg_dump's and pg_restore's workers die on a lost connection and the leader says so; ours
/// end the run the same way (a split table's piece included: its reload would hide the loss).
#[test]
fn a_killed_worker_backend_fails_the_run() {
    let c = Cluster::shared(18);
    let db = big_database(c, "killed");
    for args in [&["-Fd", "-j", "4"][..], &["-Fc", "-j", "4"]] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
        cmd.args(args)
            .args(["-Z", "0", "-f"])
            .arg(dir.path().join("out"))
            .arg(&db);
        let mut child = spawn(cmd);
        wait_until(&mut child, || terminate_a_copy(c, "tusk_dump", &db));
        let out = wait_exit(&mut child, BOUND);
        assert_clean_failure(&format!("{args:?}"), &out, "tusk_dump", 2);
        assert!(
            entries(dir.path()).is_empty(),
            "{args:?} left {:?}",
            entries(dir.path())
        );
        assert_no_backends(c, "tusk_dump", &[&db]);
    }

    let dir = tempfile::tempdir().unwrap();
    let archive = upstream_archive(c, &db, dir.path());
    // With the big table split across the workers (the default) and loaded whole by one.
    for split_from in ["4194304", "1000000000000"] {
        let target = c.new_database("killed_target").unwrap();
        let mut cmd = c.command(tusk_bin("tusk_restore").unwrap());
        cmd.env("TUSK_SPLIT_RESTORE_MIN_BYTES", split_from)
            .args(["-j", "4", "-d", &target])
            .arg(&archive);
        let mut child = spawn(cmd);
        wait_until(&mut child, || {
            loading(c, &target) && terminate_a_copy(c, "tusk_restore", &target)
        });
        let out = wait_exit(&mut child, BOUND);
        assert_clean_failure(split_from, &out, "tusk_restore", 3);
        assert!(
            out.1.ends_with(
                "tusk_restore: error: error returned by PQputCopyData: server closed the \
                 connection unexpectedly\ntusk_restore: error: a worker process died unexpectedly\n"
            ),
            "{split_from}: {}",
            out.1
        );
        assert_no_backends(c, "tusk_restore", &[&target]);
    }
}

/// `ulimit -f`: pg_dump is killed by SIGXFSZ and leaves a truncated file; tusk reports the
/// failed write (EFBIG) and removes its unfinished output.
#[test]
fn a_full_file_system_fails_the_write_and_leaves_nothing() {
    let c = Cluster::shared(18);
    let db = big_database(c, "full");
    let dir = tempfile::tempdir().unwrap();
    let archive = upstream_archive(c, &db, dir.path());
    let limited = |program: &str, args: &[&str], out: &Path| {
        let mut cmd = c.command("sh");
        // 4 MB in 512-byte blocks (dash) or 1 kB ones (bash): far less than the output.
        cmd.args(["-c", "ulimit -f 8000 && exec \"$0\" \"$@\""])
            .arg(tusk_bin(program).unwrap())
            .args(args)
            .arg("-f")
            .arg(out);
        cmd
    };
    let cases: [(&str, &[&str]); 5] = [
        ("tusk_dump", &["-Fc", "-Z", "0", &db]),
        ("tusk_dump", &["-Fd", "-j", "2", "-Z", "0", &db]),
        ("tusk_dump", &["-Ft", &db]),
        ("tusk_dump", &["-Fp", &db]),
        ("tusk_restore", &[archive.to_str().unwrap()]),
    ];
    for (program, args) in cases {
        let outputs = tempfile::tempdir().unwrap();
        let mut child = spawn(limited(program, args, &outputs.path().join("out")));
        let out = wait_exit(&mut child, BOUND);
        let what = format!("{program} {args:?}");
        assert_clean_failure(&what, &out, program, 1);
        assert!(out.1.contains("File too large"), "{what}: {}", out.1);
        assert!(
            entries(outputs.path()).is_empty(),
            "{what} left {:?}",
            entries(outputs.path())
        );
    }
}

/// Output that cannot be written where it is asked for, and input that is not an archive:
/// pg_dump's and pg_restore's messages and exit status.
#[test]
fn wrong_paths_fail_as_upstream() {
    let c = Cluster::shared(18);
    let db = c.new_database("paths").unwrap();
    c.psql(&db, "CREATE TABLE t (i int); INSERT INTO t VALUES (1);")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a_dir = dir.path().join("a_dir");
    std::fs::create_dir(&a_dir).unwrap();
    std::fs::write(a_dir.join("something"), "x").unwrap();
    let a_file = dir.path().join("a_file");
    std::fs::write(&a_file, "not an archive\n").unwrap();
    let a_big_file = dir.path().join("a_big_file");
    std::fs::write(&a_big_file, "x".repeat(600)).unwrap();
    let a_big_file = a_big_file.to_str().unwrap();
    let a_dir = a_dir.to_str().unwrap();
    let a_file = a_file.to_str().unwrap();
    let in_a_file = format!("{a_file}/out.dump");
    let dumps: [&[&str]; 4] = [
        &["-Fc", "-f", a_dir],
        &["-Fd", "-f", a_dir],
        &["-Fd", "-f", a_file],
        &["-Fc", "-f", &in_a_file],
    ];
    for args in dumps {
        let theirs = outcome(c.upstream("pg_dump").args(args).arg(&db), false).unwrap();
        let ours = outcome(
            c.command(tusk_bin("tusk_dump").unwrap())
                .args(args)
                .arg(&db),
            false,
        )
        .unwrap();
        assert_eq!(ours, theirs, "{args:?}");
        assert_eq!(ours.0, Some(1), "{args:?}");
    }
    // A directory nobody may write in: read-only for a user, immutable for root (whom
    // permissions do not stop), where the file system supports that.
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let root = run_stdout("id", Command::new("id").arg("-u"), None)
        .unwrap()
        .trim()
        == "0";
    let is_locked = if root {
        Command::new("chattr")
            .arg("+i")
            .arg(&locked)
            .status()
            .is_ok_and(|s| s.success())
    } else {
        std::fs::set_permissions(
            &locked,
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o555),
        )
        .is_ok()
    };
    if is_locked {
        let locked = locked.to_str().unwrap();
        for (format, name) in [("-Fc", "out.dump"), ("-Fd", "out"), ("-Fp", "out.sql")] {
            let out = format!("{locked}/{name}");
            let args = [format, "-f", &out, &db];
            let theirs = outcome(c.upstream("pg_dump").args(args), false).unwrap();
            let ours = outcome(c.command(tusk_bin("tusk_dump").unwrap()).args(args), false);
            assert_eq!(ours.unwrap(), theirs, "{args:?}");
        }
        if root {
            run("chattr", Command::new("chattr").arg("-i").arg(locked), None).unwrap();
        }
    } else {
        eprintln!(
            "skipped: {} cannot be made unwritable here",
            locked.display()
        );
    }

    let restores: [&[&str]; 4] = [
        &["-l", a_dir],
        &["-l", a_file],
        &["-l", a_big_file],
        &["-f", "-", a_dir],
    ];
    for args in restores {
        let theirs = outcome(c.upstream("pg_restore").args(args), false).unwrap();
        let ours = outcome(
            c.command(tusk_bin("tusk_restore").unwrap()).args(args),
            false,
        )
        .unwrap();
        assert_eq!(ours, theirs, "{args:?}");
        assert_eq!(ours.0, Some(1), "{args:?}");
    }
}

/// A directory archive whose data file has gone (deleted after the dump, or while a restore
/// reads the TOC): the restore fails as pg_restore's does.
#[test]
fn a_missing_archive_member_fails_as_upstream() {
    let c = Cluster::shared(18);
    let db = c.new_database("member").unwrap();
    c.psql(
        &db,
        "CREATE TABLE a (i int); INSERT INTO a SELECT generate_series(1, 100); \
         CREATE TABLE b (i int); INSERT INTO b SELECT generate_series(1, 100);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fd", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
    let member = std::fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "gz"))
        .unwrap();
    std::fs::remove_file(&member).unwrap();
    for into_db in [false, true] {
        let run_one = |mut cmd: Command| {
            if into_db {
                cmd.args(["-j", "2", "-d", &c.new_database("member_target").unwrap()]);
            } else {
                cmd.args(["-f", "-"]);
            }
            outcome(cmd.arg(&archive), true).unwrap()
        };
        let theirs = run_one(c.upstream("pg_restore"));
        let ours = run_one(c.command(tusk_bin("tusk_restore").unwrap()));
        assert_eq!(ours, theirs, "into a database: {into_db}");
        assert_eq!(ours.0, Some(1), "into a database: {into_db}");
    }
}

/// A network that stops passing packets: a connection attempt ends with libpq's `timeout
/// expired` after connect_timeout, as pg_dump's does; a dump stalled mid-COPY waits, as
/// pg_dump's does, and Ctrl-C still stops it at once with nothing left behind.
#[test]
fn a_stalled_network_times_out_or_is_interrupted() {
    let c = Cluster::shared(18);
    let db = big_database(c, "stall");

    let proxy = StallProxy::start(c.port()).unwrap();
    proxy.stall();
    let via_stalled = |program: &Path| {
        let mut cmd = c.command(program);
        cmd.env("PGPORT", proxy.port().to_string())
            .env("PGCONNECT_TIMEOUT", "2")
            .args(["-Fc", "-f", "/dev/null", &db]);
        cmd
    };
    let started = std::time::Instant::now();
    let ours = outcome(&mut via_stalled(&tusk_bin("tusk_dump").unwrap()), false).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "connect_timeout ignored"
    );
    let theirs = outcome(&mut via_stalled(&c.bin("pg_dump")), false).unwrap();
    assert_eq!(ours, theirs);
    drop(proxy);

    let proxy = StallProxy::start(c.port()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
    cmd.env("PGPORT", proxy.port().to_string())
        .args(["-Fc", "-Z", "0", "-f"])
        .arg(dir.path().join("out"))
        .arg(&db);
    let mut child = spawn(cmd);
    wait_until(&mut child, || output_passed(dir.path(), 100_000));
    proxy.stall();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "a stall is not an error"
    );
    let signalled = std::time::Instant::now();
    signal(&child, "-INT");
    let (code, stderr) = wait_exit(&mut child, BOUND);
    assert!(signalled.elapsed() < Duration::from_secs(3), "slow to stop");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.ends_with("tusk_dump: terminated by user\n"),
        "{stderr}"
    );
    assert!(
        entries(dir.path()).is_empty(),
        "left {:?}",
        entries(dir.path())
    );
    // The backend goes once the network does.
    drop(proxy);
    assert_no_backends(c, "tusk_dump", &[&db]);
}

/// Output that is not a regular file is written in place, as pg_dump writes it: a FIFO (or
/// `-f /dev/stdout`) must not be replaced by a file at the end; a link to a file stays a link,
/// and the file it points to gets the archive.
#[test]
fn fifos_and_links_are_written_through() {
    let c = Cluster::shared(18);
    let db = c.new_database("special").unwrap();
    c.psql(
        &db,
        "CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 1000);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    run("mkfifo", Command::new("mkfifo").arg(&fifo), None).unwrap();
    let caught = dir.path().join("caught.sql");
    let mut reader = Command::new("cat")
        .arg(&fifo)
        .stdout(std::fs::File::create(&caught).unwrap())
        .spawn()
        .unwrap();
    run(
        "tusk_dump -f fifo",
        c.command(tusk_bin("tusk_dump").unwrap())
            .args(["--restrict-key=K", "-f"])
            .arg(&fifo)
            .arg(&db),
        None,
    )
    .unwrap();
    let still_a_fifo = std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo();
    if !still_a_fifo {
        // Its reader would wait for ever.
        let _ = reader.kill();
    }
    assert!(still_a_fifo, "the FIFO was replaced by a file");
    assert!(reader.wait().unwrap().success());
    let direct = run_stdout(
        "tusk_dump",
        c.command(tusk_bin("tusk_dump").unwrap())
            .arg("--restrict-key=K")
            .arg(&db),
        None,
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&caught).unwrap(), direct);

    let target = dir.path().join("target.dump");
    let link = dir.path().join("link.dump");
    std::fs::write(&target, "old").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    run(
        "tusk_dump -f link",
        c.command(tusk_bin("tusk_dump").unwrap())
            .args(["-Fc", "-f"])
            .arg(&link)
            .arg(&db),
        None,
    )
    .unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read(&target).unwrap().starts_with(b"PGDMP"));
    assert_eq!(entries(dir.path()).len(), 4, "{:?}", entries(dir.path()));
}

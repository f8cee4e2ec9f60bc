//! Ctrl-C (SIGINT) or SIGTERM in the middle of a dump, a restore or a copy: every session's query is
//! cancelled, `terminated by user` is printed as pg_dump prints it, the exit status is 1, no
//! output is left behind (upstream leaves its partial file; tusk removes it), and no backend
//! of ours stays on the server.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tusk_tests::harness::{Cluster, run, tusk_bin};

/// A table big enough that a dump of it takes seconds.
fn big_database(c: &Cluster) -> String {
    let db = c.new_database("interrupt").unwrap();
    c.psql(
        &db,
        "CREATE TABLE big (id int, t text); \
         INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 600000) g; \
         CREATE TABLE other (id int); INSERT INTO other SELECT generate_series(1, 1000); \
         CREATE INDEX ON big (id);",
    )
    .unwrap();
    db
}

/// Waits until `ready` holds (polling), then sends `signal` to the child and waits for it.
fn interrupt(child: &mut Child, signal: &str, ready: impl Fn() -> bool) -> (Option<i32>, String) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "never got going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the signal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    run(
        "kill",
        Command::new("kill").args([signal, &child.id().to_string()]),
        None,
    )
    .unwrap();
    let out = loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
            }
            break (status.code(), stderr);
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(5),
            "still running 5 s after {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(signalled.elapsed() < Duration::from_secs(3), "slow to stop");
    out
}

/// Backends of `application_name` still on the server, waiting up to 5 s for them to go.
fn assert_no_backends(c: &Cluster, application_name: &str) {
    let start = Instant::now();
    loop {
        let n = c
            .psql(
                "postgres",
                &format!(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application_name}'"
                ),
            )
            .unwrap();
        if n.trim() == "0" {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{} {application_name} backends left",
            n.trim()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn interrupted_dumps_leave_nothing() {
    let c = Cluster::shared(18);
    let db = big_database(c);
    for (signal, args) in [
        ("-INT", &["-Fc"][..]),
        ("-TERM", &["-Fd", "-j", "2"]),
        ("-INT", &["-Fp"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut child = c
            .command(tusk_bin("tusk_dump").unwrap())
            .args(args)
            .arg("-f")
            .arg(&out)
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Once the data is flowing: the hidden temporary output has grown.
        let grown = || {
            std::fs::read_dir(dir.path()).unwrap().any(|e| {
                let e = e.unwrap();
                let path = e.path();
                let size = if path.is_dir() {
                    std::fs::read_dir(&path)
                        .map(|d| {
                            d.flatten()
                                .map(|f| f.metadata().map_or(0, |m| m.len()))
                                .sum()
                        })
                        .unwrap_or(0)
                } else {
                    e.metadata().map_or(0, |m| m.len())
                };
                size > 100_000
            })
        };
        let (code, stderr) = interrupt(&mut child, signal, grown);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("tusk_dump: terminated by user\n"),
            "{args:?}: {stderr}"
        );
        assert!(
            entries(dir.path()).is_empty(),
            "{args:?} left {:?}",
            entries(dir.path())
        );
        assert_no_backends(c, "tusk_dump");
    }
}

#[test]
fn interrupted_restores_stop_their_workers() {
    let c = Cluster::shared(18);
    let db = big_database(c);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("big.dump");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fc", "-Z", "0", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
    for args in [&["-j", "2"][..], &[]] {
        let target = c.new_database("interrupted").unwrap();
        let mut child = c
            .command(tusk_bin("tusk_restore").unwrap())
            .args(args)
            .args(["-d", &target])
            .arg(&archive)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Once rows are arriving in the big table.
        let loading = || {
            c.psql(
                &target,
                "SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 1000",
            )
            .map(|n| n.trim() != "0")
            .unwrap_or(false)
        };
        let (code, stderr) = interrupt(&mut child, "-INT", loading);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("tusk_restore: terminated by user\n"),
            "{args:?}: {stderr}"
        );
        assert_no_backends(c, "tusk_restore");
    }
}

/// tusk_copy: both servers' sessions (the source's in their snapshot, the target's COPYs)
/// are cancelled and gone.
#[test]
fn interrupted_copies_stop_both_sides() {
    let c = Cluster::shared(18);
    let db = big_database(c);
    for args in [&["-j", "2"][..], &[]] {
        let target = c.new_database("interrupted_copy").unwrap();
        let mut child = c
            .command(tusk_bin("tusk_copy").unwrap())
            .args(args)
            .arg(&db)
            .arg(format!("--target={target}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let loading = || {
            c.psql(
                &target,
                "SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 1000",
            )
            .map(|n| n.trim() != "0")
            .unwrap_or(false)
        };
        let (code, stderr) = interrupt(&mut child, "-INT", loading);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("tusk_copy: terminated by user\n"),
            "{args:?}: {stderr}"
        );
        assert_no_backends(c, "tusk_copy");
    }
}

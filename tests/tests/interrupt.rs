//! Ctrl-C (SIGINT) or SIGTERM in the middle of a dump, a restore or a copy: every session's query is
//! cancelled, `terminated by user` is printed as pg_dump prints it, the exit status is 1, no
//! output is left behind (upstream leaves its partial file; tusk removes it), and no backend
//! of ours stays on the server.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use tusk_tests::harness::{Cluster, run, tusk_bin};
use tusk_tests::running::{
    assert_no_backends, big_database, entries, loading, output_passed, signal, wait_exit,
    wait_until,
};

/// Waits until `ready` holds, then sends `signal` to the child; it must stop within 3 s.
fn interrupt(child: &mut Child, how: &str, ready: impl Fn() -> bool) -> (Option<i32>, String) {
    wait_until(child, ready);
    let signalled = Instant::now();
    signal(child, how);
    let out = wait_exit(child, Duration::from_secs(5));
    assert!(signalled.elapsed() < Duration::from_secs(3), "slow to stop");
    out
}

#[test]
fn interrupted_dumps_leave_nothing() {
    let c = Cluster::shared(18);
    let db = big_database(c, "interrupt");
    for (how, args) in [
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
        let grown = || output_passed(dir.path(), 100_000);
        let (code, stderr) = interrupt(&mut child, how, grown);
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
        assert_no_backends(c, "tusk_dump", &[]);
    }
}

#[test]
fn interrupted_restores_stop_their_workers() {
    let c = Cluster::shared(18);
    let db = big_database(c, "interrupt");
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
        let (code, stderr) = interrupt(&mut child, "-INT", || loading(c, &target));
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("tusk_restore: terminated by user\n"),
            "{args:?}: {stderr}"
        );
        assert_no_backends(c, "tusk_restore", &[]);
    }
}

/// tusk_copy: both servers' sessions (the source's in their snapshot, the target's COPYs)
/// are cancelled and gone.
#[test]
fn interrupted_copies_stop_both_sides() {
    let c = Cluster::shared(18);
    let db = big_database(c, "interrupt");
    for args in [&["-j", "2"][..], &[]] {
        let target = c.new_database("interrupted_copy").unwrap();
        let mut child = c
            .command(tusk_bin("tusk_copy").unwrap())
            .args(args)
            // The whole copy takes well under a second on an idle machine, so on a busy one
            // it could end between the check that rows arrive and the signal: held to about
            // 10 s, it is still running when the signal comes.
            .arg("--max-rate=16MB")
            .arg(&db)
            .arg(format!("--target={target}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (code, stderr) = interrupt(&mut child, "-INT", || loading(c, &target));
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("tusk_copy: terminated by user\n"),
            "{args:?}: {stderr}"
        );
        assert_no_backends(c, "tusk_copy", &[]);
    }
}

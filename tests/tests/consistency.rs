//! Dumps taken while pgbench writes are each one consistent snapshot, shared by every parallel
//! worker: after restoring any of them, pgbench's balances agree (every transaction adds the
//! same delta to an account, a teller, a branch and the history). A worker that read outside
//! the leader's snapshot would see a different set of transactions in its tables than the
//! others, and the sums would differ.

use std::process::Stdio;
use std::time::Duration;

use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, tusk_bin};

const DUMPS: usize = 10;

#[test]
fn parallel_dumps_under_pgbench_load_are_consistent() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 2).unwrap();
    let history = || {
        c.psql(&src, "SELECT count(*) FROM pgbench_history")
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    // Longer than the dumps can take; stopped as soon as they are done.
    let mut load = c
        .upstream("pgbench")
        .args(["-c", "4", "-T", "300", "-n", &src])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));

    let dir = tempfile::tempdir().unwrap();
    let mut dumps = Vec::new();
    let mut grew = 0;
    for i in 0..DUMPS {
        let archive = dir.path().join(format!("db{i}.dump"));
        let before = history();
        let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
        dump.args(["-Fc", "-j", "2", "-f"]).arg(&archive).arg(&src);
        let result = run("tusk_dump", &mut dump, None);
        if result.is_err() {
            let _ = load.kill();
        }
        result.unwrap();
        grew += usize::from(history() > before);
        dumps.push(archive);
    }
    let _ = load.kill();
    let _ = load.wait();
    assert_eq!(grew, DUMPS, "pgbench did not write during every dump");

    // Half restored by upstream pg_restore (in parallel), half by tusk_restore: the archive
    // is consistent whoever reads it.
    for (i, archive) in dumps.iter().enumerate() {
        let dst = c.new_database("restored").unwrap();
        let mut restore = if i % 2 == 0 {
            let mut cmd = c.upstream("pg_restore");
            cmd.args(["-j", "2"]);
            cmd
        } else {
            c.command(tusk_bin("tusk_restore").unwrap())
        };
        run("restore", restore.args(["-d", &dst]).arg(archive), None).unwrap();
        assert_balances_agree(c, &dst, archive);
        c.drop_database(&dst).unwrap();
    }
}

/// Issue 10's soak: `tusk_dump -Fc -j 4` again and again for `TUSK_SOAK_SECONDS` (default
/// 120; 1800 is the long mode) under `pgbench -c 4`, while another session creates, alters
/// and drops tables in a schema the dump leaves out. Every dump must succeed, restore, and
/// satisfy pgbench's invariant; the dumps' peak RSS must stay flat (no iteration above twice
/// the first one's and 64 MB).
#[test]
fn soak_under_pgbench_and_ddl() {
    let seconds: u64 = std::env::var("TUSK_SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 2).unwrap();
    c.psql(&src, "CREATE SCHEMA churn").unwrap();
    let mut load = c
        .upstream("pgbench")
        .args(["-c", "4", "-T", &(seconds + 300).to_string(), "-n", &src])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // DDL beside the dumps: each round makes a table with an index and a view, alters and
    // drops them, in one psql run (the churn's own errors are not what this test is about).
    let churn = "SELECT 'CREATE TABLE churn.t' || g || ' (i int PRIMARY KEY, t text)' \
                 FROM generate_series(1, 20) g \\gexec\n\
                 SELECT 'CREATE VIEW churn.v' || g || ' AS SELECT * FROM churn.t' || g \
                 FROM generate_series(1, 20) g \\gexec\n\
                 SELECT 'ALTER TABLE churn.t' || g || ' ADD COLUMN x int' \
                 FROM generate_series(1, 20) g \\gexec\n\
                 SELECT 'DROP TABLE churn.t' || g || ' CASCADE' \
                 FROM generate_series(1, 20) g \\gexec\n";
    let stop = std::sync::atomic::AtomicBool::new(false);
    let dir = tempfile::tempdir().unwrap();
    let bench = env!("CARGO_BIN_EXE_tusk-bench");
    let peaks = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = c.psql(&src, churn);
            }
        });
        let started = std::time::Instant::now();
        let mut peaks = Vec::new();
        let mut i = 0;
        while peaks.is_empty() || started.elapsed() < Duration::from_secs(seconds) {
            let archive = dir.path().join(format!("soak{}.dump", i % 2));
            // tusk-bench's rusage wrapper reports the dump's own peak RSS.
            let mut dump = c.command(bench);
            dump.arg("rusage")
                .arg(tusk_bin("tusk_dump").unwrap())
                .args(["-Fc", "-j", "4", "-N", "churn", "-f"])
                .arg(&archive)
                .arg(&src);
            let out = run("tusk_dump under load", &mut dump, None);
            if out.is_err() {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                let _ = load.kill();
            }
            let out = out.unwrap();
            let report = String::from_utf8_lossy(&out.stdout).into_owned();
            let peak: u64 = report
                .split_whitespace()
                .next()
                .and_then(|kb| kb.parse().ok())
                .unwrap_or_else(|| panic!("no rusage report: {report:?}"));
            peaks.push(peak);
            // Every few dumps, one is restored and checked while the load goes on.
            if i % 5 == 0 {
                assert_restores_consistently(c, &archive);
            }
            i += 1;
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        peaks
    });
    let _ = load.kill();
    let _ = load.wait();
    let limit = (peaks[0] * 2).max(64 * 1024);
    assert!(
        peaks.iter().all(|&p| p <= limit),
        "peak RSS (kB) of {} dumps grew: {peaks:?}",
        peaks.len()
    );
    eprintln!(
        "soak: {} dumps in {seconds} s, peak RSS kB {peaks:?}",
        peaks.len()
    );
}

/// Restores `archive` with tusk_restore -j 2 and checks pgbench's balances agree.
fn assert_restores_consistently(c: &Cluster, archive: &std::path::Path) {
    let dst = c.new_database("soaked").unwrap();
    let mut restore = c.command(tusk_bin("tusk_restore").unwrap());
    run(
        "tusk_restore",
        restore.args(["-j", "2", "-d", &dst]).arg(archive),
        None,
    )
    .unwrap();
    assert_balances_agree(c, &dst, archive);
    c.drop_database(&dst).unwrap();
}

fn assert_balances_agree(c: &Cluster, db: &str, archive: &std::path::Path) {
    let sums = c
        .psql(
            db,
            "SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts) || ' ' || \
                    (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches) || ' ' || \
                    (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers) || ' ' || \
                    (SELECT coalesce(sum(delta), 0) FROM pgbench_history)",
        )
        .unwrap();
    let v: Vec<&str> = sums.split_whitespace().collect();
    assert!(
        v.len() == 4 && v.iter().all(|x| *x == v[0]),
        "balances disagree in {archive:?}: {sums}"
    );
}

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
        let sums = c
            .psql(
                &dst,
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
        c.drop_database(&dst).unwrap();
    }
}

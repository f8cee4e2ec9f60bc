//! A dump taken while pgbench writes is one consistent snapshot: after restoring it, pgbench's
//! balances agree (every transaction adds the same delta to an account, a teller, a branch and
//! the history).

use std::process::Stdio;
use std::time::Duration;

use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, tusk_bin};

#[test]
fn dump_under_pgbench_load_is_consistent() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 2).unwrap();
    let mut load = c
        .upstream("pgbench")
        .args(["-c", "2", "-T", "15", "-n", &src])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));

    let dir = tempfile::tempdir().unwrap();
    let mut dumps = Vec::new();
    for i in 0..3 {
        let archive = dir.path().join(format!("db{i}.dump"));
        let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
        dump.args(["-Fc", "-f"]).arg(&archive).arg(&src);
        run("tusk_dump", &mut dump, None).unwrap();
        dumps.push(archive);
        std::thread::sleep(Duration::from_secs(2));
    }
    let writes = c
        .psql(&src, "SELECT count(*) FROM pgbench_history")
        .unwrap();
    assert!(load.wait().unwrap().success(), "pgbench failed");
    assert_ne!(
        writes.trim(),
        "0",
        "pgbench wrote nothing while the dumps ran"
    );

    for archive in dumps {
        let dst = c.new_database("restored").unwrap();
        run(
            "pg_restore",
            c.upstream("pg_restore").args(["-d", &dst]).arg(&archive),
            None,
        )
        .unwrap();
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
    }
}

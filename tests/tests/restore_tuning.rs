//! tusk_restore's tuning options (tusk extensions): `--copy-freeze` loads the tables a
//! parallel restore created with COPY FREEZE, `--maintenance-work-mem` sets every session's
//! maintenance_work_mem. The database is the one pg_restore makes; only how it got there
//! differs.

use std::path::{Path, PathBuf};

use tusk_tests::compare::assert_same_database;
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, run_stdout, tusk_bin, upstream_bin};

fn restore(c: &Cluster, program: &Path, args: &[&str], archive: &Path, db: &str) {
    run(
        "restore",
        c.command(program).args(args).args(["-d", db]).arg(archive),
        None,
    )
    .unwrap();
}

/// pg_dump 18's custom archive of `db` (with `args`) in `dir`.
fn upstream_archive(c: &Cluster, db: &str, args: &[&str], dir: &Path) -> PathBuf {
    let archive = dir.join("pgbench.dump");
    run(
        "pg_dump",
        c.command(upstream_bin(18, "pg_dump").unwrap())
            .arg("-Fc")
            .args(args)
            .arg("-f")
            .arg(&archive)
            .arg(db),
        None,
    )
    .unwrap();
    archive
}

/// tusk_restore's script of `archive` (with `args`).
fn script(c: &Cluster, args: &[&str], archive: &Path) -> String {
    run_stdout(
        "tusk_restore -f -",
        c.command(tusk_bin("tusk_restore").unwrap())
            .args(args)
            .args(["-f", "-"])
            .arg(archive),
        None,
    )
    .unwrap()
}

#[test]
fn tuned_parallel_restore_equals_pg_restore_and_freezes_rows() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 1).unwrap();
    c.psql(&src, "CREATE INDEX ON pgbench_history (aid);")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = upstream_archive(c, &src, &[], dir.path());
    let theirs = c.new_database("tuning_theirs").unwrap();
    restore(
        c,
        &upstream_bin(18, "pg_restore").unwrap(),
        &["-j", "2"],
        &archive,
        &theirs,
    );
    let ours = c.new_database("tuning_ours").unwrap();
    restore(
        c,
        &tusk_bin("tusk_restore").unwrap(),
        &["-j", "2", "--copy-freeze", "--maintenance-work-mem=64MB"],
        &archive,
        &ours,
    );
    assert_same_database((c, &theirs), (c, &ours));
    // COPY FREEZE marks the pages it fills from empty all-frozen in the visibility map
    // (PostgreSQL 14+); a page a batch starts half full is left for vacuum.
    let unfrozen = |db: &str| {
        c.psql(
            db,
            "CREATE EXTENSION pg_visibility; \
             SELECT count(*) FROM pg_visibility_map('pgbench_accounts') WHERE NOT all_frozen",
        )
        .unwrap()
        .trim()
        .parse::<u64>()
        .unwrap()
    };
    let (ours, theirs) = (unfrozen(&ours), unfrozen(&theirs));
    assert!(theirs > 1000 && ours * 10 < theirs, "{ours} vs {theirs}");
}

#[test]
fn maintenance_work_mem_goes_to_every_session() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = upstream_archive(c, &src, &["-s"], dir.path());
    let tuned = script(c, &["--maintenance-work-mem=1GB"], &archive);
    assert!(
        tuned.contains("SET maintenance_work_mem = '1GB';\nSET check_function_bodies = false;"),
        "{tuned}"
    );
    // Without the option nothing of it (pg_restore's script; the parity tests compare all).
    let plain = script(c, &[], &archive);
    assert!(!plain.contains("maintenance_work_mem"));
}

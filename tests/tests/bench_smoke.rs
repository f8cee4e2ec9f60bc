//! tusk-bench's command line, and with `TUSK_BENCH_SMOKE=1` its whole `--quick` suite against
//! a real server (a CI smoke test: it checks that every workload and pair runs and reports,
//! never how fast).

use std::process::{Command, Output};

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tusk-bench"))
        .args(args)
        .output()
        .expect("tusk-bench starts")
}

#[test]
fn quick_plan_lists_every_workload_and_pair_without_a_server() {
    let out = bench(&["--quick", "--plan"]);
    assert!(out.status.success(), "{out:?}");
    let plan = String::from_utf8(out.stdout).unwrap();
    assert!(
        plan.starts_with("3 alternating runs of each pair, scale 0.01\n"),
        "{plan}"
    );
    for line in [
        "realistic: 30,000 `events` rows, 10,000 `users` rows",
        "  custom, gzip: pg_dump -Fc | tusk_dump -Fc -j 2",
        "  restore -j 2 of pg_dump -Fc -Z zstd: pg_restore -j 2 | tusk_restore -j 2 (archive: \
         pg_dump -Fc -Z zstd)",
        "big: one table of 300,000 rows",
        "tables: 100 tables of 10 rows with an index",
        "  schema only, custom: pg_dump -Fc -s | tusk_dump -Fc -s",
        "lobs: 500 large objects of 2 kB",
        "pgbench: pgbench scale 1 with foreign keys",
    ] {
        assert!(
            plan.lines().any(|l| l == line),
            "{line:?} missing from\n{plan}"
        );
    }
}

#[test]
fn bad_arguments_fail_with_usage() {
    for args in [
        &["--runs", "0"][..],
        &["--workload", "nonesuch"],
        &["--quick", "--scale", "2"],
        &["memory", "--gb", "x"],
    ] {
        let out = bench(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("tusk-bench: "), "{args:?}: {stderr}");
    }
}

#[test]
fn quick_suite_reports_every_workload() {
    if std::env::var_os("TUSK_BENCH_SMOKE").is_none_or(|v| v != "1") {
        eprintln!("skipped: set TUSK_BENCH_SMOKE=1 to run tusk-bench --quick");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("ratios.svg");
    let out = bench(&["--quick", "--svg", svg.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for workload in ["realistic", "big", "tables", "lobs", "pgbench"] {
        assert!(stdout.contains(&format!("### {workload}: ")), "{stdout}");
    }
    assert_eq!(stdout.matches("\nFloor ").count(), 5, "{stdout}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(chart.matches("<rect ").count(), 16, "{chart}");
}

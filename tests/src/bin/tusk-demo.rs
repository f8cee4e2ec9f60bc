//! `cargo run -p tusk-tests --bin tusk-demo`: tusk's main job on a throwaway server.
//! Starts PostgreSQL 15, creates a pgbench database, dumps it with `tusk_dump -Fc`, restores
//! the archive with `tusk_restore` into a new database, and checks with upstream's `pg_dump -s`
//! and row hashes that the copy equals the original.

use std::process::ExitCode;
use std::time::Instant;

use tusk_tests::compare::compare_databases;
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, HarnessError, run, tusk_bin};

fn main() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tusk-demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), HarnessError> {
    let (dump, restore) = (tusk_bin("tusk_dump")?, tusk_bin("tusk_restore")?);
    let cluster = Cluster::start(15)?;
    println!(
        "started PostgreSQL {} on 127.0.0.1:{}",
        cluster.major(),
        cluster.port()
    );

    let src = fixtures::pgbench(&cluster, 5)?;
    println!(
        "created database {src} (pgbench scale 5 with foreign keys, plus an identity/serial table)"
    );

    let dir = tempfile::tempdir()
        .map_err(|e| HarnessError::Other(format!("creating a temporary directory: {e}")))?;
    let archive = dir.path().join(format!("{src}.dump"));
    let t = Instant::now();
    run(
        "tusk_dump",
        cluster
            .command(&dump)
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&src),
        None,
    )?;
    let size = std::fs::metadata(&archive).map(|m| m.len()).unwrap_or(0);
    println!(
        "tusk_dump -Fc -f {} {src}: {size} bytes in {:.2?}",
        archive.display(),
        t.elapsed()
    );

    let dst = cluster.new_database("copy")?;
    let t = Instant::now();
    run(
        "tusk_restore",
        cluster.command(&restore).args(["-d", &dst]).arg(&archive),
        None,
    )?;
    println!(
        "tusk_restore -d {dst} {}: {:.2?}",
        archive.display(),
        t.elapsed()
    );

    match compare_databases((&cluster, &src), (&cluster, &dst))? {
        None => {
            println!(
                "{dst} equals {src}: same upstream pg_dump -s output, same rows in every table"
            );
            Ok(())
        }
        Some(report) => Err(HarnessError::Other(format!(
            "the restored database differs:\n{report}"
        ))),
    }
}

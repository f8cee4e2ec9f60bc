//! The two single scenarios the README cites, kept apart from the suite because each holds
//! tusk to a target and fails when it misses it:
//! - `memory [--gb N]` (default 2): one table of N GB; peak RSS and wall time of
//!   `tusk_dump -Fc -j 4` against `pg_dump -Fd -j 4` (upstream cannot write a custom archive in
//!   parallel). tusk's target is a peak under 200 MB however big the table: fails otherwise.
//! - `restore [--scale N]` (default 50): a pgbench database of scale N (with foreign keys)
//!   dumped by pg_dump 18 -Fc, restored with `tusk_restore -j 2` and `pg_restore -j 2` into
//!   fresh databases, alternately, three times each; the best of each and their ratio. tusk's
//!   target is to be at least as fast: fails otherwise.

use std::time::Instant;

use tusk_tests::harness::{Cluster, HarnessError, run};

use crate::report::pairs_table;
use crate::suite::Bench;
use crate::workloads::{Kind, Pair, RESTORE_CUSTOM};

const MEMORY_TARGET_MB: u64 = 200;

const MEMORY: Pair = Pair {
    label: "dump -j 4",
    kind: Kind::Dump,
    upstream: &["-Fd", "-j", "4"],
    tusk: &["-Fc", "-j", "4"],
    moves_data: true,
};

pub fn memory(gb: u64) -> Result<(), HarnessError> {
    let cluster = Cluster::start(18)?;
    let bench = Bench::new(&cluster)?;
    let db = cluster.new_database("memory")?;
    // About 1 kB a row of distinct md5 hex: compressible about as much as real text, so the
    // compressor has real work and the writer real bytes.
    let rows = gb * 1024 * 1024;
    let t = Instant::now();
    cluster.psql(
        &db,
        &format!(
            "CREATE TABLE big (id bigint, payload text); \
             INSERT INTO big SELECT g, (SELECT string_agg(md5(g::text || '.' || i), '') \
                 FROM generate_series(1, 31) i) FROM generate_series(1, {rows}) g; \
             VACUUM ANALYZE big;"
        ),
    )?;
    let size = cluster.psql(&db, "SELECT pg_size_pretty(pg_table_size('big'))")?;
    println!(
        "PostgreSQL {} on port {}: table big, {rows} rows, {} (loaded in {:.0?})",
        cluster.major(),
        cluster.port(),
        size.trim(),
        t.elapsed()
    );
    // Also warms the cache for both, so neither pays for the first read from disk.
    let (copy_bytes, floor) = bench.floor(&db)?;
    let result = bench.run_pair(&db, &MEMORY, 1, None)?;
    println!(
        "{}\nfloor (COPY to a discarding client): {:.1} s",
        pairs_table(std::slice::from_ref(&result), Some(copy_bytes)),
        floor.as_secs_f64()
    );
    let peak_mb = result.tusk.peak_rss_kb / 1024;
    if peak_mb >= MEMORY_TARGET_MB {
        return Err(HarnessError::Other(format!(
            "tusk_dump's peak RSS {peak_mb} MB misses the {MEMORY_TARGET_MB} MB target"
        )));
    }
    println!("tusk_dump's peak RSS {peak_mb} MB is under the {MEMORY_TARGET_MB} MB target");
    Ok(())
}

pub fn restore(scale: u64) -> Result<(), HarnessError> {
    const ROUNDS: usize = 3;
    let cluster = Cluster::start(18)?;
    let bench = Bench::new(&cluster)?;
    let db = cluster.new_database("bench")?;
    let t = Instant::now();
    run(
        "pgbench -i",
        cluster.upstream("pgbench").args([
            "-i",
            "-q",
            "-s",
            &scale.to_string(),
            "--foreign-keys",
            &db,
        ]),
        None,
    )?;
    println!(
        "PostgreSQL {} on port {}: pgbench scale {scale} (made in {:.0?})",
        cluster.major(),
        cluster.port(),
        t.elapsed()
    );
    let result = bench.run_pair(&db, &RESTORE_CUSTOM, ROUNDS, None)?;
    println!("{}", pairs_table(std::slice::from_ref(&result), None));
    let (tusk, upstream) = (result.tusk.wall.min, result.upstream.wall.min);
    let ratio = tusk / upstream;
    println!(
        "best of {ROUNDS}: tusk_restore -j 2 {tusk:.1} s, pg_restore -j 2 {upstream:.1} s; \
         ratio tusk/upstream {ratio:.2}"
    );
    if ratio > 1.0 {
        return Err(HarnessError::Other(format!(
            "tusk_restore -j 2 is slower than pg_restore -j 2 (ratio {ratio:.2})"
        )));
    }
    Ok(())
}

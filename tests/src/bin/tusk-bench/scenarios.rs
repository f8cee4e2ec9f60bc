//! The two single scenarios the README cites, kept apart from the suite because each holds
//! tusk to a target and fails when it misses it:
//! - `memory [--gb N]` (default 2): one table of N GB; peak RSS and wall time of
//!   `tusk_dump -Fc -j 4` against `pg_dump -Fd -j 4` (upstream cannot write a custom archive in
//!   parallel). tusk's target is a peak under 200 MB however big the table: fails otherwise.
//! - `restore [--scale N]` (default 50): a pgbench database of scale N (with foreign keys)
//!   dumped by pg_dump 18 -Fc, restored with `tusk_restore -j 2` and `pg_restore -j 2` into
//!   fresh databases, alternately, three times each; the best of each and their ratio. tusk's
//!   target is to be at least as fast: fails otherwise.

use std::path::Path;
use std::time::{Duration, Instant};

use tusk_tests::harness::{Cluster, HarnessError, run, tusk_bin};

use crate::measure::measure;
use crate::suite::disk_usage;

const MEMORY_TARGET_MB: u64 = 200;

pub fn memory(gb: u64) -> Result<(), HarnessError> {
    let dump = tusk_bin("tusk_dump")?;
    let cluster = Cluster::start(18)?;
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

    let dir = tempfile::tempdir()
        .map_err(|e| HarnessError::Other(format!("creating a temporary directory: {e}")))?;
    let out = |name: &str| dir.path().join(name);
    // Warm the cache for both, so neither pays for the first read from disk.
    run(
        "warming the cache",
        cluster.command(cluster.bin("psql")).args([
            "-X",
            "-q",
            "-c",
            "SELECT count(*) FROM big",
            &db,
        ]),
        None,
    )?;
    let tusk = measure(
        "tusk_dump -Fc -j 4",
        cluster
            .command(&dump)
            .args(["-Fc", "-j", "4", "-f"])
            .arg(out("tusk.dump"))
            .arg(&db),
    )?;
    let upstream = measure(
        "pg_dump -Fd -j 4",
        cluster
            .upstream("pg_dump")
            .args(["-Fd", "-j", "4", "-f"])
            .arg(out("upstream.dir"))
            .arg(&db),
    )?;
    let archive_mb = |p: &Path| disk_usage(p) / (1024 * 1024);
    println!(
        "{:<22} {:>10} {:>14} {:>12}",
        "command", "wall", "peak RSS", "output"
    );
    for (name, m, path) in [
        ("tusk_dump -Fc -j 4", &tusk, out("tusk.dump")),
        ("pg_dump -Fd -j 4", &upstream, out("upstream.dir")),
    ] {
        println!(
            "{name:<22} {:>9.1}s {:>11} MB {:>9} MB",
            m.wall.as_secs_f64(),
            m.peak_rss_kb / 1024,
            archive_mb(&path)
        );
    }
    println!(
        "wall time ratio tusk/upstream: {:.2}",
        tusk.wall.as_secs_f64() / upstream.wall.as_secs_f64()
    );
    let peak_mb = tusk.peak_rss_kb / 1024;
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
    let tusk_restore = tusk_bin("tusk_restore")?;
    let cluster = Cluster::start(18)?;
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
    let dir = tempfile::tempdir()
        .map_err(|e| HarnessError::Other(format!("creating a temporary directory: {e}")))?;
    let archive = dir.path().join("bench.dump");
    run(
        "pg_dump -Fc",
        cluster
            .upstream("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )?;
    println!(
        "PostgreSQL {} on port {}: pgbench scale {scale}, archive {} MB (made in {:.0?})",
        cluster.major(),
        cluster.port(),
        disk_usage(&archive) / (1024 * 1024),
        t.elapsed()
    );
    let mut best = [Duration::MAX; 2];
    for round in 0..ROUNDS {
        // Alternated, so that neither always runs on a warmer or a busier machine.
        for k in [round % 2, (round + 1) % 2] {
            let target = cluster.new_database("restored")?;
            let mut cmd = if k == 0 {
                cluster.command(&tusk_restore)
            } else {
                cluster.upstream("pg_restore")
            };
            cmd.args(["-j", "2", "-d", &target]).arg(&archive);
            let m = measure(if k == 0 { "tusk_restore" } else { "pg_restore" }, &cmd)?;
            best[k] = best[k].min(m.wall);
            cluster.drop_database(&target)?;
        }
    }
    println!("{:<22} {:>10}", "command (best of 3)", "wall");
    for (name, wall) in [("tusk_restore -j 2", best[0]), ("pg_restore -j 2", best[1])] {
        println!("{name:<22} {:>9.1}s", wall.as_secs_f64());
    }
    let ratio = best[0].as_secs_f64() / best[1].as_secs_f64();
    println!("wall time ratio tusk/upstream: {ratio:.2}");
    if ratio > 1.0 {
        return Err(HarnessError::Other(format!(
            "tusk_restore -j 2 is slower than pg_restore -j 2 (ratio {ratio:.2})"
        )));
    }
    Ok(())
}

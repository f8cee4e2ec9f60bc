//! `cargo run --release -p tusk-tests --bin tusk-bench -- SCENARIO [options]`: tusk measured
//! side by side with upstream in one run, on a throwaway server, because these machines are
//! too noisy for figures taken at different times to be compared.
//!
//! Scenarios:
//! - `memory [--gb N]` (default 2): one table of N GB; peak RSS and wall time of
//!   `tusk_dump -Fc -j 4` against `pg_dump -Fd -j 4` (upstream cannot write a custom archive in
//!   parallel). tusk's target is a peak under 200 MB however big the table: fails otherwise.
//! - `restore [--scale N]` (default 50): a pgbench database of scale N (with foreign keys)
//!   dumped by pg_dump 18 -Fc, restored with `tusk_restore -j 2` and `pg_restore -j 2` into
//!   fresh databases, alternately, three times each; the best of each and their ratio. tusk's
//!   target is to be at least as fast: fails otherwise.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use tusk_tests::harness::{Cluster, HarnessError, describe, run, tusk_bin};

const MEMORY_TARGET_MB: u64 = 200;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("memory") => number(&args[1..], "--gb", 2).and_then(memory),
        Some("restore") => number(&args[1..], "--scale", 50).and_then(restore),
        Some("rusage") => rusage(&args[1..]),
        _ => Err(HarnessError::Other(
            "usage: tusk-bench memory [--gb N] | restore [--scale N]".to_owned(),
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tusk-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A scenario's one option, `FLAG N` with N positive, or its default.
fn number(args: &[String], flag: &str, default: u64) -> Result<u64, HarnessError> {
    match args {
        [] => Ok(default),
        [f, n] if f == flag => n.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
            HarnessError::Other(format!("{flag} wants a positive integer, not {n:?}"))
        }),
        _ => Err(HarnessError::Other(format!(
            "unexpected arguments {args:?}"
        ))),
    }
}

/// One measured run of a command.
struct Measured {
    wall: Duration,
    /// The largest resident set of the command or of any descendant it waited for (pg_dump's
    /// forked workers).
    peak_rss_kb: u64,
}

/// Runs `cmd` under a fresh copy of this program (`tusk-bench rusage CMD...`), whose only
/// children are `cmd` and its descendants, so its children's peak RSS is `cmd`'s alone.
fn measure(what: &str, cmd: &mut Command) -> Result<Measured, HarnessError> {
    let me = std::env::current_exe()
        .map_err(|e| HarnessError::Other(format!("finding tusk-bench itself: {e}")))?;
    let mut wrapped = Command::new(me);
    wrapped
        .arg("rusage")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    let t = Instant::now();
    let output = wrapped
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| HarnessError::Other(format!("starting {what}: {e}")))?;
    let wall = t.elapsed();
    let report = String::from_utf8_lossy(&output.stdout);
    match (output.status.success(), report.trim().parse()) {
        (true, Ok(peak_rss_kb)) => Ok(Measured { wall, peak_rss_kb }),
        _ => Err(HarnessError::Other(format!(
            "{what} failed ({}): {}",
            output.status,
            describe(cmd)
        ))),
    }
}

/// `tusk-bench rusage CMD ARGS...`: runs CMD with its output discarded, and prints the peak RSS
/// in kB of CMD and its reaped descendants; fails as CMD fails.
fn rusage(args: &[String]) -> Result<(), HarnessError> {
    let [program, args @ ..] = args else {
        return Err(HarnessError::Other("rusage wants a command".to_owned()));
    };
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| HarnessError::Other(format!("starting {program}: {e}")))?;
    if !status.success() {
        return Err(HarnessError::Other(format!("{program} failed: {status}")));
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)
        .map_err(|e| HarnessError::Other(format!("getrusage: {e}")))?;
    println!("{}", usage.max_rss());
    Ok(())
}

fn memory(gb: u64) -> Result<(), HarnessError> {
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

fn restore(scale: u64) -> Result<(), HarnessError> {
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
            let m = measure(if k == 0 { "tusk_restore" } else { "pg_restore" }, &mut cmd)?;
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

/// Bytes of a file, or of every file under a directory.
fn disk_usage(path: &Path) -> u64 {
    if path.is_dir() {
        std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| disk_usage(&e.path()))
            .sum()
    } else {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }
}

//! The suite: each workload loaded into its own database on one throwaway PostgreSQL 18 server,
//! its floor measured once, then each of its pairs run alternately, upstream and tusk, N times.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tusk_format::quote;
use tusk_tests::harness::{Cluster, HarnessError, run, tusk_bin};

use crate::args::SuiteOptions;
use crate::measure::{Measured, measure};
use crate::report::{PairResult, Side, WorkloadResult, markdown};
use crate::stats::Spread;
use crate::workloads::{Kind, Pair, Workload, command_line};

/// Dumping 10,000 tables locks every one of them in one transaction.
const MAX_LOCKS_PER_TRANSACTION: &str = "1024";

/// `--plan`: what a run with these options would do, without a server.
pub fn plan(options: &SuiteOptions) -> String {
    let mut out = format!(
        "{} alternating runs of each pair, scale {}\n",
        options.runs, options.scale
    );
    for &w in &options.workloads {
        out.push_str(&format!(
            "{}: {}\n",
            w.name(),
            w.describe(w.size(options.scale))
        ));
        for pair in w.pairs() {
            let (upstream, tusk) = pair.command_lines(options.jobs);
            let from = match pair.kind {
                Kind::Dump | Kind::Copy => String::new(),
                Kind::Restore { archive } => {
                    format!(" (archive: {})", command_line("pg_dump", archive))
                }
            };
            let label = pair.label(options.jobs);
            out.push_str(&format!("  {label}: {upstream} | {tusk}{from}\n"));
        }
    }
    out
}

pub fn run_suite(options: &SuiteOptions) -> Result<(), HarnessError> {
    let cluster = Cluster::options(18)
        .setting("max_locks_per_transaction", MAX_LOCKS_PER_TRANSACTION)
        .start()?;
    let bench = Bench::new(&cluster)?;
    println!(
        "PostgreSQL {} on port {}; {} alternating runs of each pair, scale {}\n",
        cluster.major(),
        cluster.port(),
        options.runs,
        options.scale
    );
    let t = Instant::now();
    let mut results = Vec::new();
    for &w in &options.workloads {
        let result = run_workload(&bench, w, options)?;
        eprintln!("{}: done at {:.0?}", w.name(), t.elapsed());
        println!("{}", markdown(&result));
        results.push(result);
    }
    if let Some(path) = &options.svg {
        std::fs::write(path, crate::svg::chart(&results)).map_err(|e| {
            HarnessError::Other(format!("writing the chart {}: {e}", path.display()))
        })?;
        println!("chart written to {}", path.display());
    }
    Ok(())
}

fn run_workload(
    bench: &Bench,
    w: Workload,
    options: &SuiteOptions,
) -> Result<WorkloadResult, HarnessError> {
    let cluster = bench.cluster;
    let size = w.size(options.scale);
    let db = cluster.new_database(w.name())?;
    let t = Instant::now();
    load(cluster, &db, w, size)?;
    let database_bytes =
        number(&cluster.psql(&db, "SELECT pg_database_size(current_database())")?)?;
    eprintln!("{}: loaded in {:.0?}", w.name(), t.elapsed());
    // Also warms the cache, so that no command pays for the first read from disk.
    let (copy_bytes, floor) = bench.floor(&db)?;
    let pairs = w
        .pairs()
        .iter()
        .map(|pair| bench.run_pair(&db, pair, options.runs, options.jobs))
        .collect::<Result<Vec<_>, _>>()?;
    cluster.drop_database(&db)?;
    Ok(WorkloadResult {
        name: w.name().to_owned(),
        description: w.describe(size),
        database_bytes,
        copy_bytes,
        floor: floor.as_secs_f64(),
        runs: options.runs,
        pairs,
    })
}

fn load(cluster: &Cluster, db: &str, w: Workload, size: u64) -> Result<(), HarnessError> {
    match w.load_sql(size) {
        Some(statements) => cluster
            .psql(db, &(statements.join(";\n") + ";\n"))
            .map(drop),
        None => run(
            "pgbench -i",
            cluster.upstream("pgbench").args([
                "-i",
                "-q",
                "-s",
                &size.to_string(),
                "--foreign-keys",
                db,
            ]),
            None,
        )
        .map(drop),
    }
}

/// A server to measure on, and a scratch directory for archives.
pub struct Bench<'a> {
    pub cluster: &'a Cluster,
    dir: tempfile::TempDir,
}

impl<'a> Bench<'a> {
    pub fn new(cluster: &'a Cluster) -> Result<Bench<'a>, HarnessError> {
        // Built (or found built) now, so that no measured run pays for it.
        tusk_bin("tusk_dump")?;
        let dir = tempfile::tempdir()
            .map_err(|e| HarnessError::Other(format!("creating a temporary directory: {e}")))?;
        Ok(Bench { cluster, dir })
    }

    /// Bytes of the COPY text of every table and of the large objects in `db`, and how long
    /// one psql took to receive them, serially over the same TCP connection the tools use,
    /// discarding them.
    pub fn floor(&self, db: &str) -> Result<(u64, Duration), HarnessError> {
        let tables = self.cluster.psql(
            db,
            "SELECT n.nspname, c.relname FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2",
        )?;
        let mut script: String = tables
            .lines()
            .filter_map(|line| line.split_once('|'))
            .map(|(schema, table)| format!("COPY {} TO STDOUT;\n", quote::qualified(schema, table)))
            .collect();
        script.push_str(
            "COPY (SELECT lo_get(oid) FROM pg_largeobject_metadata ORDER BY oid) TO STDOUT;\n",
        );
        let file = self.dir.path().join("floor.sql");
        std::fs::write(&file, script)
            .map_err(|e| HarnessError::Other(format!("writing {}: {e}", file.display())))?;
        let mut psql = self.cluster.upstream("psql");
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(&file)
            .arg(db)
            .stdout(Stdio::piped());
        let t = Instant::now();
        let mut child = psql
            .spawn()
            .map_err(|e| HarnessError::Other(format!("starting psql for the floor: {e}")))?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| HarnessError::Other("psql for the floor has no stdout".to_owned()))?;
        let mut buf = vec![0; 1 << 16];
        let mut bytes = 0;
        loop {
            match stdout.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => bytes += n as u64,
                Err(e) => {
                    return Err(HarnessError::Other(format!("reading the COPY text: {e}")));
                }
            }
        }
        let status = child
            .wait()
            .map_err(|e| HarnessError::Other(format!("waiting for psql for the floor: {e}")))?;
        let elapsed = t.elapsed();
        if !status.success() {
            return Err(HarnessError::Other(format!(
                "psql copying every table of {db} failed: {status}"
            )));
        }
        Ok((bytes, elapsed))
    }

    /// Runs `pair` on `db` `runs` times, upstream first in even rounds and tusk first in odd
    /// ones, so that neither always runs on a warmer or a busier machine.
    /// `jobs` replaces the pair's `-j` counts (`--jobs`).
    pub fn run_pair(
        &self,
        db: &str,
        pair: &Pair,
        runs: usize,
        jobs: Option<u32>,
    ) -> Result<PairResult, HarnessError> {
        let archive = match pair.kind {
            Kind::Dump | Kind::Copy => None,
            Kind::Restore { archive: args } => {
                let path = self.dir.path().join("input.archive");
                remove(&path)?;
                run(
                    &command_line("pg_dump", args),
                    self.cluster
                        .upstream("pg_dump")
                        .args(args)
                        .arg("-f")
                        .arg(&path)
                        .arg(db),
                    None,
                )?;
                Some(path)
            }
        };
        let (upstream, tusk) = pair.programs();
        let [upstream_args, tusk_args] = pair.args(jobs);
        let sides = [
            (self.cluster.bin(upstream), upstream_args),
            (tusk_bin(tusk)?, tusk_args),
        ];
        let lines = pair.command_lines(jobs);
        let lines = [lines.0, lines.1];
        let mut measured: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
        let mut archive_bytes = [0; 2];
        for round in 0..runs {
            for side in [round % 2, 1 - round % 2] {
                let (program, args) = &sides[side];
                let (m, bytes) = if pair.kind == Kind::Copy {
                    self.copy_once(side == 0, program, args, &lines[side], db)?
                } else {
                    let mut cmd = self.cluster.command(program);
                    cmd.args(args);
                    self.run_once(&mut cmd, &lines[side], db, archive.as_deref())?
                };
                measured[side].push(m);
                archive_bytes[side] = bytes;
            }
        }
        let ratios: Vec<f64> = measured[0]
            .iter()
            .zip(&measured[1])
            .map(|(u, t)| u.wall.as_secs_f64() / t.wall.as_secs_f64())
            .collect();
        let [upstream, tusk] =
            [0, 1].map(|side| summarise(&lines[side], &measured[side], archive_bytes[side]));
        let label = pair.label(jobs);
        Ok(PairResult {
            ratio: spread_of(&ratios, &label)?,
            label,
            upstream: upstream?,
            tusk: tusk?,
            moves_data: pair.moves_data,
        })
    }

    /// One measured run of a dump into a fresh output (removed after its size is taken) or of
    /// a restore of `archive` into a fresh database (dropped after); the archive's bytes.
    fn run_once(
        &self,
        cmd: &mut Command,
        line: &str,
        db: &str,
        archive: Option<&Path>,
    ) -> Result<(Measured, u64), HarnessError> {
        match archive {
            None => {
                let out = self.dir.path().join("output");
                remove(&out)?;
                cmd.arg("-f").arg(&out).arg(db);
                let m = measure(line, cmd)?;
                let bytes = disk_usage(&out);
                remove(&out)?;
                Ok((m, bytes))
            }
            Some(archive) => {
                let target = self.cluster.new_database("restored")?;
                cmd.args(["-d", &target]).arg(archive);
                let m = measure(line, cmd)?;
                self.cluster.drop_database(&target)?;
                Ok((m, disk_usage(archive)))
            }
        }
    }

    /// One measured copy of `db` into a fresh database (dropped after): upstream's
    /// `pg_dump ARGS db | pg_restore -d target` through sh, or `tusk_copy ARGS db --target`.
    fn copy_once(
        &self,
        upstream: bool,
        program: &Path,
        args: &[String],
        line: &str,
        db: &str,
    ) -> Result<(Measured, u64), HarnessError> {
        let target = self.cluster.new_database("copied")?;
        let cmd = if upstream {
            let restore = self.cluster.bin("pg_restore");
            let mut cmd = self.cluster.command("sh");
            cmd.args(["-ec", "\"$0\" \"$@\" | \"$PG_RESTORE\" -d \"$TARGET\""])
                .arg(program)
                .args(args)
                .arg(db)
                .env("PG_RESTORE", restore)
                .env("TARGET", &target);
            cmd
        } else {
            let mut cmd = self.cluster.command(program);
            cmd.args(args).arg(db).arg(format!("--target={target}"));
            cmd
        };
        let m = measure(line, &cmd)?;
        self.cluster.drop_database(&target)?;
        Ok((m, 0))
    }
}

fn summarise(command: &str, runs: &[Measured], archive_bytes: u64) -> Result<Side, HarnessError> {
    let spread =
        |f: fn(&Measured) -> f64| spread_of(&runs.iter().map(f).collect::<Vec<_>>(), command);
    Ok(Side {
        command: command.to_owned(),
        wall: spread(|m| m.wall.as_secs_f64())?,
        cpu: spread(|m| m.cpu.as_secs_f64())?,
        peak_rss_kb: runs.iter().map(|m| m.peak_rss_kb).max().unwrap_or(0),
        archive_bytes,
    })
}

fn spread_of(samples: &[f64], what: &str) -> Result<Spread, HarnessError> {
    Spread::of(samples).ok_or_else(|| HarnessError::Other(format!("no runs of {what}")))
}

fn number(text: &str) -> Result<u64, HarnessError> {
    text.trim().parse().map_err(|_| {
        HarnessError::Other(format!("expected a number from the server, got {text:?}"))
    })
}

/// Removes an output file or directory left by an earlier run; nothing there is fine.
fn remove(path: &Path) -> Result<(), HarnessError> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(HarnessError::Other(format!(
            "removing {}: {e}",
            path.display()
        ))),
        _ => Ok(()),
    }
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

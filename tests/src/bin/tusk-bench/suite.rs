//! The suite: each workload loaded into its own database on one throwaway PostgreSQL 18 server,
//! its floor measured once, then each of its pairs run alternately, upstream and tusk, N times.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
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
            let (upstream, tusk) = pair.command_lines();
            let from = match pair.kind {
                Kind::Dump => String::new(),
                Kind::Restore { archive } => {
                    format!(" (archive: {})", command_line("pg_dump", archive))
                }
            };
            out.push_str(&format!("  {}: {upstream} | {tusk}{from}\n", pair.label));
        }
    }
    out
}

pub fn run_suite(options: &SuiteOptions) -> Result<(), HarnessError> {
    let tools = Tools {
        tusk_dump: tusk_bin("tusk_dump")?,
        tusk_restore: tusk_bin("tusk_restore")?,
    };
    let cluster = Cluster::options(18)
        .setting("max_locks_per_transaction", MAX_LOCKS_PER_TRANSACTION)
        .start()?;
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
        let result = run_workload(&cluster, &tools, w, options)?;
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

struct Tools {
    tusk_dump: PathBuf,
    tusk_restore: PathBuf,
}

fn run_workload(
    cluster: &Cluster,
    tools: &Tools,
    w: Workload,
    options: &SuiteOptions,
) -> Result<WorkloadResult, HarnessError> {
    let size = w.size(options.scale);
    let db = cluster.new_database(w.name())?;
    let t = Instant::now();
    load(cluster, &db, w, size)?;
    let database_bytes =
        number(&cluster.psql(&db, "SELECT pg_database_size(current_database())")?)?;
    eprintln!("{}: loaded in {:.0?}", w.name(), t.elapsed());
    let dir = tempfile::tempdir()
        .map_err(|e| HarnessError::Other(format!("creating a temporary directory: {e}")))?;
    // Also warms the cache, so that no command pays for the first read from disk.
    let (copy_bytes, floor) = floor(cluster, &db, dir.path())?;
    let pairs = w
        .pairs()
        .iter()
        .map(|pair| run_pair(cluster, tools, &db, pair, options.runs, dir.path()))
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

/// Bytes of the COPY text of every table and of the large objects, and how long one psql took
/// to receive them, serially over the same TCP connection the tools use, discarding them.
fn floor(cluster: &Cluster, db: &str, dir: &Path) -> Result<(u64, Duration), HarnessError> {
    let tables = cluster.psql(
        db,
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
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
    let file = dir.join("floor.sql");
    std::fs::write(&file, script)
        .map_err(|e| HarnessError::Other(format!("writing {}: {e}", file.display())))?;
    let mut psql = cluster.upstream("psql");
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
            Err(e) => return Err(HarnessError::Other(format!("reading the COPY text: {e}"))),
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

/// Which of a pair's two commands.
#[derive(Clone, Copy)]
enum Who {
    Upstream,
    Tusk,
}

fn run_pair(
    cluster: &Cluster,
    tools: &Tools,
    db: &str,
    pair: &Pair,
    runs: usize,
    dir: &Path,
) -> Result<PairResult, HarnessError> {
    let (upstream_line, tusk_line) = pair.command_lines();
    let archive = match pair.kind {
        Kind::Dump => None,
        Kind::Restore { archive: args } => {
            let path = dir.join("input.archive");
            remove(&path)?;
            run(
                &command_line("pg_dump", args),
                cluster
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
    let mut measured: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
    let mut outputs = [None, None];
    let mut ratios = Vec::new();
    for round in 0..runs {
        // Alternated, so that neither always runs on a warmer or a busier machine.
        let order = if round % 2 == 0 {
            [Who::Upstream, Who::Tusk]
        } else {
            [Who::Tusk, Who::Upstream]
        };
        for who in order {
            let (index, program, args, line) = match who {
                Who::Upstream => {
                    let (p, _) = pair.programs();
                    (0, cluster.bin(p), pair.upstream, &upstream_line)
                }
                Who::Tusk => {
                    let program = match pair.kind {
                        Kind::Dump => tools.tusk_dump.clone(),
                        Kind::Restore { .. } => tools.tusk_restore.clone(),
                    };
                    (1, program, pair.tusk, &tusk_line)
                }
            };
            let mut cmd = cluster.command(program);
            cmd.args(args);
            let m = match &archive {
                None => {
                    let out = dir.join(format!("output.{index}"));
                    remove(&out)?;
                    cmd.arg("-f").arg(&out).arg(db);
                    let m = measure(line, &cmd)?;
                    outputs[index] = Some(disk_usage(&out));
                    remove(&out)?;
                    m
                }
                Some(archive) => {
                    let target = cluster.new_database("restored")?;
                    cmd.args(["-d", &target]).arg(archive);
                    let m = measure(line, &cmd)?;
                    cluster.drop_database(&target)?;
                    m
                }
            };
            measured[index].push(m);
        }
        let [u, t] = [&measured[0], &measured[1]].map(|v| v[round].wall.as_secs_f64());
        ratios.push(u / t);
    }
    let side = |index: usize, command: String| -> Result<Side, HarnessError> {
        let runs = &measured[index];
        let spread = |f: fn(&Measured) -> f64| {
            Spread::of(&runs.iter().map(f).collect::<Vec<_>>())
                .ok_or_else(|| HarnessError::Other(format!("no runs of {command}")))
        };
        Ok(Side {
            wall: spread(|m| m.wall.as_secs_f64())?,
            cpu: spread(|m| m.cpu.as_secs_f64())?,
            peak_rss_kb: runs.iter().map(|m| m.peak_rss_kb).max().unwrap_or(0),
            output_bytes: outputs[index],
            command,
        })
    };
    Ok(PairResult {
        label: pair.label.to_owned(),
        upstream: side(0, upstream_line.clone())?,
        tusk: side(1, tusk_line.clone())?,
        ratio: Spread::of(&ratios)
            .ok_or_else(|| HarnessError::Other(format!("no runs of {}", pair.label)))?,
        moves_data: pair.moves_data,
    })
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
pub fn disk_usage(path: &Path) -> u64 {
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

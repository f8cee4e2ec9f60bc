//! The suite's command line, validated into one options value before anything runs.

use std::path::PathBuf;

use crate::workloads::Workload;

/// The size `--quick` scales every workload to: small enough for a CI smoke test on 2 cores.
pub const QUICK_SCALE: f64 = 0.01;

pub const USAGE: &str = "usage: tusk-bench [--quick] [--runs N] [--scale F] [--workload NAME]... \
                         [--jobs N] [--svg FILE] [--plan]
       tusk-bench memory [--gb N]
       tusk-bench restore [--scale N]
workloads: realistic, big, tables, lobs, pgbench (default all)";

#[derive(Debug, Clone, PartialEq)]
pub struct SuiteOptions {
    /// Alternating rounds of each pair.
    pub runs: usize,
    /// Multiplies every workload's full size.
    pub scale: f64,
    pub workloads: Vec<Workload>,
    pub svg: Option<PathBuf>,
    /// `--jobs`: the `-j` count of every pair that has one (they are written with 2).
    pub jobs: Option<u32>,
    /// Print the workloads and command pairs and stop, without a server.
    pub plan: bool,
}

pub fn parse_suite(args: &[String]) -> Result<SuiteOptions, String> {
    let mut options = SuiteOptions {
        runs: 3,
        scale: 1.0,
        workloads: Vec::new(),
        svg: None,
        jobs: None,
        plan: false,
    };
    let (mut quick, mut scale) = (false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} wants a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => quick = true,
            "--plan" => options.plan = true,
            "--runs" => {
                let v = value()?;
                options.runs = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--runs wants a positive integer, not {v:?}"))?;
            }
            "--scale" => {
                let v = value()?;
                scale = Some(
                    v.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && *f > 0.0)
                        .ok_or_else(|| format!("--scale wants a positive number, not {v:?}"))?,
                );
            }
            "--workload" => {
                let v = value()?;
                let w = Workload::from_name(v)
                    .ok_or_else(|| format!("unknown workload {v:?}\n{USAGE}"))?;
                if !options.workloads.contains(&w) {
                    options.workloads.push(w);
                }
            }
            "--svg" => options.svg = Some(PathBuf::from(value()?)),
            "--jobs" => {
                let v = value()?;
                options.jobs = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("--jobs wants a positive integer, not {v:?}"))?,
                );
            }
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    if quick && scale.is_some() {
        return Err("--quick and --scale are exclusive: --quick is --scale 0.01".to_owned());
    }
    options.scale = scale.unwrap_or(if quick { QUICK_SCALE } else { 1.0 });
    if options.workloads.is_empty() {
        options.workloads = Workload::ALL.to_vec();
    }
    Ok(options)
}

/// A scenario's one option, `FLAG N` with N positive, or its default.
pub fn number(args: &[String], flag: &str, default: u64) -> Result<u64, String> {
    match args {
        [] => Ok(default),
        [f, n] if f == flag => n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{flag} wants a positive integer, not {n:?}")),
        _ => Err(format!("unexpected arguments {args:?}\n{USAGE}")),
    }
}

#[cfg(test)]
mod tests {
    use super::{QUICK_SCALE, number, parse_suite};
    use crate::workloads::Workload;

    fn parse(args: &[&str]) -> Result<super::SuiteOptions, String> {
        parse_suite(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_are_every_workload_full_size_three_runs() {
        let o = parse(&[]).unwrap();
        assert_eq!((o.runs, o.scale, o.plan), (3, 1.0, false));
        assert_eq!(o.workloads, Workload::ALL);
    }

    #[test]
    fn quick_scales_down_and_workloads_keep_their_order() {
        let o = parse(&[
            "--quick",
            "--runs",
            "1",
            "--workload",
            "tables",
            "--workload",
            "big",
            "--svg",
            "r.svg",
        ])
        .unwrap();
        assert_eq!((o.runs, o.scale), (1, QUICK_SCALE));
        assert_eq!(o.workloads, [Workload::Tables, Workload::Big]);
        assert_eq!(o.svg.as_deref(), Some(std::path::Path::new("r.svg")));
    }

    #[test]
    fn jobs_rewrite_every_pairs_job_count() {
        let o = parse(&["--jobs", "4"]).unwrap();
        assert_eq!(o.jobs, Some(4));
        let pair = Workload::Realistic.pairs()[2];
        let (upstream, tusk) = pair.command_lines(o.jobs);
        assert_eq!(upstream, "pg_dump -Fd -j 4 -Z zstd");
        assert_eq!(tusk, "tusk_dump -Fd -j 4 -Z zstd");
        assert_eq!(pair.label(o.jobs), "directory -j 4, zstd");
        assert_eq!(pair.command_lines(None).1, "tusk_dump -Fd -j 2 -Z zstd");
        assert!(parse(&["--jobs", "0"]).unwrap_err().contains("--jobs"));
    }

    #[test]
    fn bad_values_are_refused_with_the_option_named() {
        assert!(parse(&["--runs", "0"]).unwrap_err().contains("--runs"));
        assert!(parse(&["--scale", "-1"]).unwrap_err().contains("--scale"));
        assert!(parse(&["--runs"]).unwrap_err().contains("wants a value"));
        assert!(parse(&["--workload", "x"]).unwrap_err().contains("unknown"));
        assert!(parse(&["--quick", "--scale", "2"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }

    #[test]
    fn scenario_option_is_flag_and_positive_number() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(number(&args(&[]), "--gb", 2), Ok(2));
        assert_eq!(number(&args(&["--gb", "5"]), "--gb", 2), Ok(5));
        assert!(number(&args(&["--gb", "0"]), "--gb", 2).is_err());
        assert!(number(&args(&["--scale", "5"]), "--gb", 2).is_err());
    }
}

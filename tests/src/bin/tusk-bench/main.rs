//! `cargo run --release -p tusk-tests --bin tusk-bench -- [SCENARIO] [options]`: tusk measured
//! side by side with upstream in one run, on a throwaway server, because these machines are
//! too noisy for figures taken at different times to be compared.
//!
//! Without a scenario, the suite ([`suite`]): deterministic workloads ([`workloads`]), each
//! with upstream/tusk command pairs run alternately `--runs` times, reported as a markdown
//! table per workload ([`report`]) and optionally an SVG chart of the ratios ([`svg`]).
//! `--quick` shrinks every workload for a CI smoke test. The scenarios `memory` and `restore`
//! ([`scenarios`]) each hold tusk to one target. `rusage` is the wrapper [`measure`] runs
//! commands under.

mod args;
mod measure;
mod report;
mod scenarios;
mod stats;
mod suite;
mod svg;
mod workloads;

use std::process::ExitCode;

use tusk_tests::harness::HarnessError;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = |e: String| HarnessError::Other(e);
    let result = match args.first().map(String::as_str) {
        Some("memory") => args::number(&args[1..], "--gb", 2)
            .map_err(usage)
            .and_then(scenarios::memory),
        Some("restore") => args::number(&args[1..], "--scale", 50)
            .map_err(usage)
            .and_then(scenarios::restore),
        Some("rusage") => measure::rusage(&args[1..]),
        Some("-h" | "--help") => {
            println!("{}", args::USAGE);
            Ok(())
        }
        _ => args::parse_suite(&args).map_err(usage).and_then(|options| {
            if options.plan {
                print!("{}", suite::plan(&options));
                Ok(())
            } else {
                suite::run_suite(&options)
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tusk-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

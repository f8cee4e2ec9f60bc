//! One measured run of a command: wall time, CPU time and peak RSS of the command and of every
//! descendant it waited for, from a re-executed `tusk-bench rusage CMD...` whose only children
//! are the command's.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;
use tusk_tests::harness::{HarnessError, describe};

/// One measured run of a command.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub wall: Duration,
    /// User plus system time of the command and its reaped descendants (pg_dump's forked
    /// workers; tusk's threads are the process's own).
    pub cpu: Duration,
    /// The largest resident set of the command or of any descendant it waited for.
    pub peak_rss_kb: u64,
}

/// Runs `cmd` under a fresh copy of this program (`tusk-bench rusage CMD...`), so that its
/// children's resource usage is `cmd`'s alone.
pub fn measure(what: &str, cmd: &Command) -> Result<Measured, HarnessError> {
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
    match (output.status.success(), parse_report(&report)) {
        (true, Some((peak_rss_kb, cpu))) => Ok(Measured {
            wall,
            cpu,
            peak_rss_kb,
        }),
        _ => Err(HarnessError::Other(format!(
            "{what} failed ({}): {}",
            output.status,
            describe(cmd)
        ))),
    }
}

/// `tusk-bench rusage CMD ARGS...`: runs CMD with its output discarded and prints
/// `PEAK_RSS_KB USER_MICROSECONDS SYSTEM_MICROSECONDS` of CMD and its reaped descendants;
/// fails as CMD fails.
pub fn rusage(args: &[String]) -> Result<(), HarnessError> {
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
    println!(
        "{} {} {}",
        usage.max_rss(),
        microseconds(usage.user_time()),
        microseconds(usage.system_time())
    );
    Ok(())
}

fn microseconds(t: TimeVal) -> i64 {
    t.tv_sec() * 1_000_000 + t.tv_usec()
}

/// The wrapper's line: peak RSS in kB, and user plus system time.
fn parse_report(line: &str) -> Option<(u64, Duration)> {
    let mut fields = line.split_whitespace().map(str::parse::<u64>);
    let (Some(Ok(rss)), Some(Ok(user)), Some(Ok(sys)), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return None;
    };
    Some((rss, Duration::from_micros(user + sys)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse_report;

    #[test]
    fn report_is_rss_then_user_and_system_time_summed() {
        assert_eq!(
            parse_report("8120 1500000 250000\n"),
            Some((8120, Duration::from_micros(1_750_000)))
        );
        assert_eq!(parse_report("8120\n"), None);
        assert_eq!(parse_report("8120 1 2 3\n"), None);
    }
}

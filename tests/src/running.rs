//! A tusk command running in the background while a test does something to it (a signal, a
//! stopped server, a killed backend, a stalled network): waiting until it has got going,
//! waiting a bounded time for its end, and checking what it left behind.

use std::io::Read;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::harness::Cluster;

/// A table big enough that dumping or restoring it takes seconds, beside a small one.
pub fn big_database(c: &Cluster, prefix: &str) -> String {
    let db = c.new_database(prefix).unwrap();
    c.psql(
        &db,
        "CREATE TABLE big (id int, t text); \
         INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 600000) g; \
         CREATE TABLE other (id int); INSERT INTO other SELECT generate_series(1, 1000); \
         CREATE INDEX ON big (id);",
    )
    .unwrap();
    db
}

/// Polls until `ready` holds; fails if the child ends first or nothing happens in 60 s.
pub fn wait_until(child: &mut Child, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "never got going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the test could act on it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the child's end, at most `within`, and returns its exit code and stderr (the
/// child must have been spawned with stderr piped).
pub fn wait_exit(child: &mut Child, within: Duration) -> (Option<i32>, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut stderr).unwrap();
            }
            return (status.code(), stderr);
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running {within:?} later: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (as `kill` takes it: `-INT`) to the child.
pub fn signal(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} failed");
}

/// Fails unless no backend of `application_name` is left on the server within 5 s; in the
/// databases `dbs` only, unless that is empty (tests sharing a server run at once).
pub fn assert_no_backends(c: &Cluster, application_name: &str, dbs: &[&str]) {
    let start = Instant::now();
    let mut sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application_name}'"
    );
    if !dbs.is_empty() {
        sql.push_str(&format!(" AND datname IN ('{}')", dbs.join("', '")));
    }
    loop {
        let n = c.psql("postgres", &sql).unwrap();
        if n.trim() == "0" {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{} {application_name} backends left",
            n.trim()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The names in a directory.
pub fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Whether anything in `dir` (a file, or the files of a directory in it) has passed `bytes`:
/// a dump's hidden temporary output has grown, so its data is flowing.
pub fn output_passed(dir: &Path, bytes: u64) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let e = e.unwrap();
        let path = e.path();
        let size = if path.is_dir() {
            std::fs::read_dir(&path)
                .map(|d| {
                    d.flatten()
                        .map(|f| f.metadata().map_or(0, |m| m.len()))
                        .sum()
                })
                .unwrap_or(0)
        } else {
            e.metadata().map_or(0, |m| m.len())
        };
        size > bytes
    })
}

/// Whether a COPY into `db` has passed 1000 rows: a restore's data is flowing.
pub fn loading(c: &Cluster, db: &str) -> bool {
    c.psql(
        db,
        "SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 1000",
    )
    .map(|n| n.trim() != "0")
    .unwrap_or(false)
}

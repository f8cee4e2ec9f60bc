//! Bad input: one clear error, exit status 1 as upstream, and no output file left behind.

use std::path::Path;

use tusk_tests::harness::{Cluster, run_unchecked, tusk_bin};

/// Runs tusk_dump with `args`, expecting failure; returns stderr.
fn dump_fails(c: &Cluster, args: &[&str]) -> String {
    let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
    cmd.args(args);
    let out = run_unchecked("tusk_dump", &mut cmd, None).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status for {args:?}; stderr: {stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout for {args:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn assert_empty_dir(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
fn refused_connection() {
    let c = Cluster::shared(15);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.dump");
    let err = dump_fails(
        c,
        &[
            "-h",
            "127.0.0.1",
            "-p",
            "1",
            "-Fc",
            "-f",
            out.to_str().unwrap(),
            "postgres",
        ],
    );
    assert!(
        err.starts_with("tusk_dump: error: connection to server at \"127.0.0.1\", port 1 failed:"),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert_empty_dir(dir.path());
}

#[test]
fn missing_database() {
    let c = Cluster::shared(15);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.sql");
    let err = dump_fails(c, &["-f", out.to_str().unwrap(), "no_such_db"]);
    assert!(
        err.contains("database \"no_such_db\" does not exist"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_empty_dir(dir.path());
}

#[test]
fn unwritable_output() {
    let c = Cluster::shared(15);
    let err = dump_fails(c, &["-Fc", "-f", "/nonexistent/dir/x.dump", "postgres"]);
    assert_eq!(
        err,
        "tusk_dump: error: could not open output file \"/nonexistent/dir/x.dump\": No such file or directory\n"
    );
}

#[test]
fn unknown_option() {
    let c = Cluster::shared(15);
    let err = dump_fails(c, &["--bogus"]);
    let first = err.lines().next().unwrap_or_default();
    assert!(first.ends_with(": unrecognized option '--bogus'"), "{err}");
    assert!(
        err.contains("Try \"tusk_dump --help\" for more information."),
        "{err}"
    );
}

#[test]
fn wrong_password() {
    let c = Cluster::options(15)
        .scram_password("s3cret")
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.dump");
    let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
    cmd.env("PGPASSWORD", "wrong")
        .args(["-Fc", "-f", out.to_str().unwrap(), "postgres"]);
    let res = run_unchecked("tusk_dump", &mut cmd, None).unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1));
    assert!(
        err.contains("password authentication failed for user \"postgres\""),
        "{err}"
    );
    assert!(
        !err.contains("wrong"),
        "the password must never be printed: {err}"
    );
    assert_empty_dir(dir.path());
}

#[test]
fn restore_of_garbage_is_a_clean_error() {
    let c = Cluster::shared(15);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bad.dump");
    std::fs::write(&archive, b"PGDMP\x01\x0e\x00\x04\x08\x01truncated").unwrap();
    let mut cmd = c.command(tusk_bin("tusk_restore").unwrap());
    cmd.args(["-f", "-"]).arg(&archive);
    let res = run_unchecked("tusk_restore", &mut cmd, None).unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(err.starts_with("tusk_restore: error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// pg_upgrade's mode is out of scope: one line naming the option, before connecting, and
/// `--help` says so beside it.
#[test]
fn binary_upgrade_is_refused() {
    let c = Cluster::shared(15);
    let err = dump_fails(c, &["--binary-upgrade", "-s", "postgres"]);
    assert_eq!(
        err,
        "tusk_dump: error: option --binary-upgrade is not supported by tusk_dump \
         (out of scope: use pg_dump for pg_upgrade)\n"
    );
    let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
    cmd.arg("--help");
    let help = run_unchecked("tusk_dump --help", &mut cmd, None).unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("--binary-upgrade"))
        .unwrap_or_default();
    assert!(
        line.contains("not supported") && line.contains("pg_upgrade"),
        "{text}"
    );
}

//! Catalog parity: a fixture database dumped by upstream pg_dump 18 and by tusk_dump with the
//! same options must give the same plain SQL, version lines aside.

use std::path::PathBuf;

use crate::compare::{RESTRICT_KEY, assert_same_text, mask_version_header};
use crate::harness::{Cluster, Result, run_stdout, run_unchecked, tusk_bin, upstream_bin};

/// `fixtures/<name>` in the repository.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
        .join(name)
}

/// Creates a new database on `cluster` and runs the SQL file `fixtures/<name>` in it.
/// Fixtures create the roles and tablespaces they need idempotently, as the cluster shares
/// them; loads are serialised because "create unless it exists" races between databases
/// (CREATE TABLESPACE cannot even be wrapped in an exception block).
pub fn load_fixture(cluster: &Cluster, name: &str) -> Result<String> {
    static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let sql = std::fs::read_to_string(fixture_path(name))
        .unwrap_or_else(|e| panic!("reading fixture {name}: {e}"));
    let db = cluster.new_database(name.trim_end_matches(".sql"))?;
    let _one_at_a_time = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cluster.psql(&db, &sql)?;
    Ok(db)
}

/// Plain output of `program` for `db` with `args` (the restrict key is fixed), version lines
/// masked.
pub fn plain_dump(cluster: &Cluster, program: &std::path::Path, db: &str, args: &[&str]) -> String {
    let mut cmd = cluster.command(program);
    cmd.arg(format!("--restrict-key={RESTRICT_KEY}"))
        .args(args)
        .arg(db);
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    mask_version_header(
        &run_stdout(&format!("{name} {args:?}"), &mut cmd, None).unwrap_or_else(|e| panic!("{e}")),
    )
}

/// Asserts that tusk_dump prints what pg_dump 18 prints for `db`, for each set of options.
pub fn assert_parity(cluster: &Cluster, db: &str, cases: &[&[&str]]) {
    let theirs_bin = upstream_bin(18, "pg_dump").expect("pg_dump 18 available");
    let ours_bin = tusk_bin("tusk_dump").expect("tusk binaries build");
    for args in cases {
        let theirs = plain_dump(cluster, &theirs_bin, db, args);
        let ours = plain_dump(cluster, &ours_bin, db, args);
        assert_same_text(
            &theirs,
            &ours,
            &format!("pg_dump 18 {args:?} (server {})", cluster.major()),
            &format!("tusk_dump {args:?}"),
        );
    }
}

/// Whether the opt-in cross-version matrix is on (`TUSK_MATRIX=1`): servers 14, 16 and 17 in
/// addition to the default 15 and 18.
pub fn matrix_enabled() -> bool {
    std::env::var_os("TUSK_MATRIX").is_some_and(|v| v == "1")
}

/// Asserts that tusk_dump fails as pg_dump 18 fails for `db` with each set of options: the
/// same exit status and the same messages (the program name aside).
pub fn assert_same_failure(cluster: &Cluster, db: &str, cases: &[&[&str]]) {
    let theirs_bin = upstream_bin(18, "pg_dump").expect("pg_dump 18 available");
    let ours_bin = tusk_bin("tusk_dump").expect("tusk binaries build");
    for args in cases {
        let run = |program: &std::path::Path| {
            let mut cmd = cluster.command(program);
            cmd.args(*args).arg(db);
            run_unchecked(&format!("{args:?}"), &mut cmd, None).unwrap_or_else(|e| panic!("{e}"))
        };
        let theirs = run(&theirs_bin);
        let ours = run(&ours_bin);
        let their_err = String::from_utf8_lossy(&theirs.stderr).replace("pg_dump", "tusk_dump");
        let our_err = String::from_utf8_lossy(&ours.stderr).into_owned();
        assert!(!theirs.status.success(), "pg_dump 18 {args:?} succeeded");
        assert_eq!(
            (ours.status.code(), our_err.as_str()),
            (theirs.status.code(), their_err.as_str()),
            "tusk_dump {args:?} (server {}): exit status and stderr",
            cluster.major()
        );
        assert!(ours.stdout.is_empty(), "tusk_dump {args:?} printed output");
    }
}

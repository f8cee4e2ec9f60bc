//! Catalog parity: a fixture database dumped by upstream pg_dump 18 and by tusk_dump with the
//! same options must give the same plain SQL, version lines aside.

use std::path::{Path, PathBuf};

use crate::compare::{
    RESTRICT_KEY, assert_same_text, mask_version_header, row_fingerprints, schema_dump_with,
};
use crate::harness::{Cluster, Result, run, run_stdout, run_unchecked, tusk_bin, upstream_bin};

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
    load_fixtures(cluster, &[name])
}

/// [`load_fixture`] for several files run one after the other in the same new database,
/// named after the first.
pub fn load_fixtures(cluster: &Cluster, names: &[&str]) -> Result<String> {
    static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let first = names.first().copied().unwrap_or("empty");
    let db = cluster.new_database(first.trim_end_matches(".sql"))?;
    let _one_at_a_time = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for name in names {
        let sql = std::fs::read_to_string(fixture_path(name))
            .unwrap_or_else(|e| panic!("reading fixture {name}: {e}"));
        cluster.psql(&db, &sql)?;
    }
    Ok(db)
}

/// Plain output of `program` for `db` with `args` (the restrict key is fixed), version lines
/// masked.
pub fn plain_dump(cluster: &Cluster, program: &Path, db: &str, args: &[&str]) -> String {
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

/// Issue 5's round trips for a fixture database `src` on `source`: pg_dump 18's archive in
/// `format` (`c`, `d` or `t`, as `-F` takes it) restored by pg_restore 18 (the reference),
/// tusk_dump's restored by pg_restore 18 and by tusk_restore, and pg_dump 18's restored by
/// tusk_restore, each into a new database on `target` (18, or an older server for a
/// downgrade, where the archive may need what it lacks: then all fail alike). The four must
/// agree: exit status, ERROR lines, large objects' owners and privileges, `pg_dump -s`, and
/// every table's and sequence's rows (counts and checksums).
/// Compared with upstream's own round trip rather than with the source because pg_dump's
/// archive of some fixtures does not restore cleanly either (a comment on an inherited NOT
/// VALID CHECK constraint comes before the constraint exists). The fixtures' roles and
/// tablespaces are cluster-wide: the caller makes them on the target first.
pub fn assert_round_trips(source: &Cluster, src: &str, target: &Cluster, format: &str) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pg_dump = upstream_bin(18, "pg_dump").expect("pg_dump 18 available");
    let pg_restore = upstream_bin(18, "pg_restore").expect("pg_restore 18 available");
    let tusk_dump = tusk_bin("tusk_dump").expect("tusk binaries build");
    let tusk_restore = tusk_bin("tusk_restore").expect("tusk binaries build");
    let restore = |dumper: &Path, restorer: &Path| {
        let name = |p: &Path| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        };
        let label = format!("{} -F{format} → {}", name(dumper), name(restorer));
        let archive = dir.path().join(format!("{}.{format}", name(dumper)));
        if !archive.exists() {
            let mut dump = source.command(dumper);
            dump.arg(format!("-F{format}"))
                .arg("-f")
                .arg(&archive)
                .arg(src);
            run(&label, &mut dump, None).unwrap_or_else(|e| panic!("{e}"));
        }
        let dst = target
            .new_database(&format!("{src}_{}", name(restorer)))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut restore = target.command(restorer);
        restore.args(["-d", &dst]).arg(&archive);
        let out = run_unchecked(&label, &mut restore, None).unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr).replace(&name(restorer), "PROGRAM");
        let errors: Vec<String> = stderr
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(str::to_owned)
            .collect();
        (label, dst, out.status.code(), errors)
    };
    let reference = restore(&pg_dump, &pg_restore);
    // Large objects' owners and privileges are not in pg_dump -s.
    let lo_acls = "SELECT string_agg(oid || ' ' || pg_catalog.pg_get_userbyid(lomowner) || ' ' \
                   || coalesce(lomacl::text, '-'), ', ' ORDER BY oid) \
                   FROM pg_catalog.pg_largeobject_metadata";
    let schema =
        |db: &str| schema_dump_with(&pg_dump, target, db).unwrap_or_else(|e| panic!("{e}"));
    let expected_schema = schema(&reference.1);
    let expected_los = target
        .psql(&reference.1, lo_acls)
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = |db: &str| row_fingerprints(target, db).unwrap_or_else(|e| panic!("{e}"));
    let expected_rows = rows(&reference.1);
    // pg_restore 18 sets transaction_timeout, which servers before 17 do not know (an error,
    // exit 1); tusk_restore leaves it out there, on purpose (README).
    let tusk_expected = {
        let errors: Vec<String> = reference
            .3
            .iter()
            .filter(|e| !e.contains("unrecognized configuration parameter \"transaction_timeout\""))
            .cloned()
            .collect();
        let status = if errors.is_empty() && reference.3.len() == 1 {
            Some(0)
        } else {
            reference.2
        };
        (status, errors)
    };
    let pairs = [
        (&tusk_dump, &pg_restore),
        (&pg_dump, &tusk_restore),
        (&tusk_dump, &tusk_restore),
    ];
    for (dumper, restorer) in pairs {
        let (label, dst, status, errors) = restore(dumper, restorer);
        let expected = if restorer == &tusk_restore {
            tusk_expected.clone()
        } else {
            (reference.2, reference.3.clone())
        };
        assert_eq!(
            (status, errors),
            expected,
            "{label}: exit status and errors, against {}",
            reference.0
        );
        assert_eq!(
            target.psql(&dst, lo_acls).unwrap_or_else(|e| panic!("{e}")),
            expected_los,
            "{label}: large objects' owners and privileges"
        );
        assert_same_text(
            &expected_schema,
            &schema(&dst),
            &format!("pg_dump -s after {}", reference.0),
            &format!("pg_dump -s after {label}"),
        );
        assert_eq!(
            rows(&dst),
            expected_rows,
            "{label}: row counts and checksums, against {}",
            reference.0
        );
    }
}

/// One test module per `name => function(major)` pair, with a test per server major: 15 and
/// 18 always, 14, 16 and 17 when [`matrix_enabled`].
#[macro_export]
macro_rules! for_majors {
    ($($name:ident => $f:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn pg15() { super::$f(15) }
                #[test]
                fn pg18() { super::$f(18) }
                #[test]
                fn pg14() { if $crate::parity::matrix_enabled() { super::$f(14) } }
                #[test]
                fn pg16() { if $crate::parity::matrix_enabled() { super::$f(16) } }
                #[test]
                fn pg17() { if $crate::parity::matrix_enabled() { super::$f(17) } }
            }
        )*
    };
}

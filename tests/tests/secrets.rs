//! Secrets (issue 10, item 4): a password given in the connection string never shows in what
//! tusk prints (verbose output, progress events, errors) or in the archive it writes, for a
//! dump, a restore and a copy. (`.pgpass` permissions: tests/tests/connect.rs; a wrong
//! password: tests/tests/errors.rs.)

use tusk_tests::harness::{Cluster, run_unchecked, tusk_bin};

const PASSWORD: &str = "Zq7-secret-9Xw";

fn conninfo(c: &Cluster, db: &str) -> String {
    format!(
        "host={} port={} user=postgres dbname={db} password={PASSWORD}",
        c.host(),
        c.port()
    )
}

/// Runs a tusk binary with the password only in its arguments; returns (exit code, stderr +
/// stdout).
fn run_tool(c: &Cluster, program: &str, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = c.command(tusk_bin(program).unwrap());
    cmd.env_remove("PGPASSWORD").args(args);
    let out = run_unchecked(program, &mut cmd, None).unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !text.contains(PASSWORD),
        "{program} {args:?} printed the password:\n{text}"
    );
    (out.status.code(), text)
}

#[test]
fn passwords_never_show_in_output_archives_or_errors() {
    let c = Cluster::options(18)
        .scram_password(PASSWORD)
        .start()
        .unwrap();
    c.psql(
        "postgres",
        "CREATE DATABASE src; CREATE DATABASE dst; CREATE DATABASE cp;",
    )
    .unwrap();
    c.psql(
        "src",
        "CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 1000);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("a.dump");
    let archive = archive.to_str().unwrap();
    let src = conninfo(&c, "src");

    let (code, _) = run_tool(
        &c,
        "tusk_dump",
        &["-Fc", "-v", "--progress=json", "-f", archive, &src],
    );
    assert_eq!(code, Some(0));
    let bytes = std::fs::read(archive).unwrap();
    assert!(
        !bytes
            .windows(PASSWORD.len())
            .any(|w| w == PASSWORD.as_bytes()),
        "the archive holds the password"
    );
    let (code, _) = run_tool(&c, "tusk_dump", &["-v", &src]);
    assert_eq!(code, Some(0));

    let (code, _) = run_tool(
        &c,
        "tusk_restore",
        &[
            "-v",
            "--progress=json",
            "-j",
            "2",
            "-d",
            &conninfo(&c, "dst"),
            archive,
        ],
    );
    assert_eq!(code, Some(0));
    let target = format!("--target={}", conninfo(&c, "cp"));
    let (code, _) = run_tool(&c, "tusk_copy", &["-v", "--progress=json", &src, &target]);
    assert_eq!(code, Some(0));

    // Failures name the database or server, never the password.
    for (program, args) in [
        ("tusk_dump", vec![conninfo(&c, "no_such_db")]),
        ("tusk_dump", vec![format!("{src} sslmode=require")]),
        (
            "tusk_restore",
            vec![
                "-d".to_owned(),
                conninfo(&c, "no_such_db"),
                archive.to_owned(),
            ],
        ),
        (
            "tusk_copy",
            vec![
                src.clone(),
                format!("--target={}", conninfo(&c, "no_such_db")),
            ],
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, text) = run_tool(&c, program, &args);
        assert_eq!(code, Some(1), "{program}: {text}");
    }
}

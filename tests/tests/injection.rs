//! Injection hardening (issue 10, item 3): names built to break out of the script's comments
//! and quoting, and the `\restrict` guard pg_dump 18.6 puts around every script
//! (CVE-2025-8714/8715). tusk's script must equal pg_dump's, and replaying it, or restoring
//! the archive, must never run a psql meta-command hidden in a name.

use std::path::Path;

use tusk_tests::harness::{Cluster, outcome, run, run_stdout, tusk_bin};
use tusk_tests::parity::{assert_parity, plain_dump};

/// Objects whose names hold a newline followed by a psql meta-command (`\!` runs a shell
/// command: it would create the file `pwned` in psql's directory), comment closers, quotes
/// and backslashes.
const HOSTILE: &str = r#"
CREATE SCHEMA "s
\! touch pwned_schema
";
CREATE TABLE "s
\! touch pwned_schema
"."t
\! touch pwned_table
" ("c */ -- ""q"" \\" int, "
\! touch pwned_column" text);
INSERT INTO "s
\! touch pwned_schema
"."t
\! touch pwned_table
" VALUES (1, E'\n\\! touch pwned_data\n');
COMMENT ON TABLE "s
\! touch pwned_schema
"."t
\! touch pwned_table
" IS E'*/\n\\! touch pwned_comment\n';
CREATE FUNCTION "f
\! touch pwned_function
"() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE VIEW "v */ \\" AS SELECT 1 AS "x
\! touch pwned_view";
"#;

fn hostile_database(c: &Cluster) -> String {
    let db = c.new_database("hostile").unwrap();
    c.psql(&db, HOSTILE).unwrap();
    db
}

/// Runs `script` with psql in a fresh database, from `dir`; returns nothing, and fails if any
/// `pwned*` file appeared in `dir`.
fn replay_in(c: &Cluster, dir: &Path, script: &[u8]) -> String {
    let target = c.new_database("hostile_replay").unwrap();
    let mut psql = c.upstream("psql");
    psql.current_dir(dir)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &target]);
    run("psql", &mut psql, Some(script)).unwrap();
    assert_nothing_ran(dir);
    target
}

fn assert_nothing_ran(dir: &Path) {
    let ran: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pwned"))
        .collect();
    assert!(ran.is_empty(), "meta-commands ran: {ran:?}");
}

/// The table, its row and its comment, read back by name.
fn assert_restored(c: &Cluster, db: &str) {
    let row = c
        .psql(
            db,
            "SELECT count(*) || ' ' || (SELECT count(*) FROM pg_description WHERE description \
             LIKE E'*/\\n%') FROM pg_class WHERE relname = E't\\n\\\\! touch pwned_table\\n'",
        )
        .unwrap();
    assert_eq!(row.trim(), "1 1", "{db}");
}

#[test]
fn hostile_names_match_pg_dump_and_never_run() {
    let c = Cluster::shared(18);
    let db = hostile_database(c);
    // The script, byte for byte (the restrict key fixed), in the formats and options that
    // print names: comments, quoting, ACLs.
    assert_parity(c, &db, &[&[], &["--inserts"], &["-c", "--if-exists"]]);

    let dir = tempfile::tempdir().unwrap();
    let ours = plain_dump(c, &tusk_bin("tusk_dump").unwrap(), &db, &[]);
    let replayed = replay_in(c, dir.path(), ours.as_bytes());
    assert_restored(c, &replayed);

    // The same objects through an archive: restored to a script, and into a database.
    let archive = dir.path().join("hostile.dump");
    run(
        "tusk_dump",
        c.command(tusk_bin("tusk_dump").unwrap())
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
    let script = run_stdout(
        "tusk_restore -f -",
        c.command(tusk_bin("tusk_restore").unwrap())
            .args(["-f", "-"])
            .arg(&archive),
        None,
    )
    .unwrap();
    let replayed = replay_in(c, dir.path(), script.as_bytes());
    assert_restored(c, &replayed);
    let target = c.new_database("hostile_restore").unwrap();
    run(
        "tusk_restore -d",
        c.command(tusk_bin("tusk_restore").unwrap())
            .current_dir(dir.path())
            .args(["-d", &target])
            .arg(&archive),
        None,
    )
    .unwrap();
    assert_nothing_ran(dir.path());
    assert_restored(c, &target);
}

/// The `\restrict` line of a script and its key.
fn restrict_key(script: &str) -> String {
    let key = script
        .lines()
        .find_map(|l| l.strip_prefix("\\restrict "))
        .unwrap_or_else(|| panic!("no \\restrict line in:\n{script}"));
    assert!(
        script.contains(&format!("\n\\unrestrict {key}\n")),
        "no matching \\unrestrict"
    );
    key.to_owned()
}

/// Without `--restrict-key` each script gets a fresh random key of pg_dump's shape; a key
/// pg_dump refuses, tusk refuses with the same message.
#[test]
fn restrict_keys_are_random_and_checked_as_upstream() {
    let c = Cluster::shared(18);
    let db = c.new_database("restrict").unwrap();
    c.psql(&db, "CREATE TABLE t (i int);").unwrap();
    let dump =
        |program: &Path| run_stdout("plain dump", c.command(program).arg(&db), None).unwrap();
    let upstream_key = restrict_key(&dump(&c.bin("pg_dump")));
    let keys: Vec<String> = (0..2)
        .map(|_| restrict_key(&dump(&tusk_bin("tusk_dump").unwrap())))
        .collect();
    assert_ne!(keys[0], keys[1], "the key must be random");
    for key in &keys {
        assert_eq!(
            key.len(),
            upstream_key.len(),
            "{key} against {upstream_key}"
        );
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
    }

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("a.dump");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
    let restore_script = run_stdout(
        "tusk_restore",
        c.command(tusk_bin("tusk_restore").unwrap())
            .args(["-f", "-"])
            .arg(&archive),
        None,
    )
    .unwrap();
    assert_eq!(restrict_key(&restore_script).len(), upstream_key.len());

    for bad in ["not valid!", "a\nb", ""] {
        let arg = format!("--restrict-key={bad}");
        let theirs = outcome(c.upstream("pg_dump").args([&arg, &db]), false).unwrap();
        let ours = outcome(
            c.command(tusk_bin("tusk_dump").unwrap()).args([&arg, &db]),
            false,
        )
        .unwrap();
        assert_eq!(ours, theirs, "tusk_dump {arg:?}");
        let archive = archive.to_str().unwrap();
        let theirs = outcome(
            c.upstream("pg_restore").args([&arg, "-f", "-", archive]),
            false,
        );
        let ours = outcome(
            c.command(tusk_bin("tusk_restore").unwrap())
                .args([&arg, "-f", "-", archive]),
            false,
        );
        assert_eq!(ours.unwrap(), theirs.unwrap(), "tusk_restore {arg:?}");
    }
}

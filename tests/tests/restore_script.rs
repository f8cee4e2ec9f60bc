//! tusk_restore's script and listing against pg_restore 18's, for archives made by upstream
//! pg_dump of the server's own major and of 18: large objects in both their 1.14 and 1.16
//! layouts, ACLs, `-L` list files that reorder and drop entries, selection by name
//! (`-n/-N/-t/-I/-P/-T`, `--filter`, `--strict-names`), `--transaction-size` and
//! `--no-data-for-failed-tables`.

use std::path::Path;

use tusk_tests::compare::{
    RESTRICT_KEY, assert_same_database, assert_same_text, row_fingerprints, schema_dump,
};
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::load_fixtures;

/// Runs `program` on `archive` with `args`; returns (stdout, stderr with the program name
/// removed, exit code).
fn output(
    c: &Cluster,
    program: &Path,
    args: &[&str],
    archive: &Path,
) -> (String, String, Option<i32>) {
    let mut cmd = c.command(program);
    cmd.env("TZ", "UTC").args(args).arg(archive);
    let out = run_unchecked("restore", &mut cmd, None).unwrap();
    let name = program.file_name().unwrap().to_string_lossy().into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&name, "PROGRAM");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        out.status.code(),
    )
}

fn same_as_pg_restore(c: &Cluster, archive: &Path, args: &[&str]) {
    let theirs = output(c, &upstream_bin(18, "pg_restore").unwrap(), args, archive);
    let ours = output(c, &tusk_bin("tusk_restore").unwrap(), args, archive);
    assert_same_text(
        &theirs.0,
        &ours.0,
        &format!("pg_restore 18 {args:?}"),
        &format!("tusk_restore {args:?}"),
    );
    assert_eq!(theirs.1, ours.1, "stderr for {args:?}");
    assert_eq!(theirs.2, ours.2, "exit status for {args:?}");
}

fn large_objects(major: u32, dump_major: u32) {
    let c = Cluster::shared(major);
    let db = fixtures::large_objects(c, true).unwrap();
    // One object of several of tusk_restore's 256 kB pieces, the last one short.
    c.psql(
        &db,
        "SELECT lo_from_bytea(0, decode(repeat('0123456789abcdef', 80000), 'hex'))",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("lo.dump");
    let pg_dump = upstream_bin(dump_major, "pg_dump").unwrap();
    run(
        "pg_dump",
        c.command(&pg_dump)
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
    let key = format!("--restrict-key={RESTRICT_KEY}");
    for extra in [
        &[][..],
        &["-c"],
        &["-c", "--if-exists"],
        &["-a"],
        &["-1"],
        &["-x", "-O"],
        // Each large object's command counts against the transaction size.
        &["--transaction-size=2"],
        &["--transaction-size=1", "-c"],
    ] {
        let mut args = vec![key.as_str(), "-f", "-"];
        args.extend_from_slice(extra);
        same_as_pg_restore(c, &archive, &args);
    }
    same_as_pg_restore(c, &archive, &["-l"]);
    same_as_pg_restore(c, &archive, &["-l", "-v"]);

    // Restored into a database, the large objects come back with their contents, comments
    // and grants.
    let query = "SELECT count(*), string_agg(md5(lo_get(oid)) || coalesce(obj_description(oid, \
                 'pg_largeobject'), '') || coalesce(lomacl::text, ''), ',' ORDER BY md5(lo_get(oid))) \
                 FROM pg_largeobject_metadata";
    let dst = c.new_database("lo_copy").unwrap();
    run(
        "tusk_restore",
        c.command(tusk_bin("tusk_restore").unwrap())
            .args(["-d", &dst])
            .arg(&archive),
        None,
    )
    .unwrap();
    assert_eq!(c.psql(&db, query).unwrap(), c.psql(&dst, query).unwrap());
    // Into a database, beside pg_restore: data only over objects that exist (their
    // lo_create fails and is counted, their bytes are written again), and only the data
    // entries into an empty database (the first object's open is fatal). Errors word for
    // word, exit status and contents. pg_restore 18 counts an error on a server before 17
    // (transaction_timeout) where tusk_restore leaves the setting out, so the oracle is the
    // server's own pg_restore, which reads only its own major's archives.
    if major != dump_major {
        return;
    }
    let pg_restore = upstream_bin(major, "pg_restore").unwrap();
    let blobs_only = dir.path().join("blobs.list");
    let listing = output(c, &pg_restore, &["-l"], &archive).0;
    let blobs: Vec<&str> = listing.lines().filter(|l| l.contains(" BLOBS ")).collect();
    assert!(!blobs.is_empty(), "{listing}");
    std::fs::write(&blobs_only, blobs.join("\n")).unwrap();
    let blobs_only = blobs_only.to_str().unwrap();
    for (args, restored_first) in [(&["-a"][..], true), (&["-L", blobs_only], false)] {
        let restore = |program: &Path| {
            let target = c.new_database("lo_again").unwrap();
            if restored_first {
                run(
                    "pg_restore",
                    c.command(&pg_restore).args(["-d", &target]).arg(&archive),
                    None,
                )
                .unwrap();
            }
            let mut with_target = args.to_vec();
            with_target.extend(["-d", &target]);
            let (_, stderr, status) = output(c, program, &with_target, &archive);
            (stderr, status, c.psql(&target, query).unwrap())
        };
        let theirs = restore(&pg_restore);
        let ours = restore(&tusk_bin("tusk_restore").unwrap());
        assert_eq!(theirs, ours, "{args:?} into a database");
    }
}

#[test]
fn large_objects_pg15_archive_1_14() {
    large_objects(15, 15);
}

#[test]
fn large_objects_pg18_archive_1_16() {
    large_objects(18, 18);
}

#[test]
fn large_objects_pg15_server_pg18_dump() {
    large_objects(15, 18);
}

#[test]
fn list_file_reorders_and_selects() {
    let c = Cluster::shared(18);
    let db = fixtures::pgbench(c, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dump");
    upstream_custom_archive(c, &db, &archive);
    let listing = output(
        c,
        &upstream_bin(18, "pg_restore").unwrap(),
        &["-l"],
        &archive,
    )
    .0;
    // Entries reversed, a comment line, junk, a duplicate and an id out of range.
    let mut lines: Vec<&str> = listing.lines().filter(|l| !l.starts_with(';')).collect();
    lines.reverse();
    let first = lines[0].split(';').next().unwrap().to_owned();
    let list = format!(
        "; my list\nnot a number\n{}\n{first}\n999999\n",
        lines.join("\n")
    );
    let list_path = dir.path().join("list.txt");
    std::fs::write(&list_path, list).unwrap();
    let list_arg = list_path.to_str().unwrap();
    let key = format!("--restrict-key={RESTRICT_KEY}");
    same_as_pg_restore(c, &archive, &["-l", "-L", list_arg]);
    same_as_pg_restore(c, &archive, &[&key, "-f", "-", "-L", list_arg]);

    // Only the data of one table.
    let data_line = listing
        .lines()
        .find(|l| l.contains("TABLE DATA public pgbench_branches"))
        .unwrap();
    std::fs::write(&list_path, format!("{data_line}\n")).unwrap();
    same_as_pg_restore(c, &archive, &[&key, "-f", "-", "-L", list_arg]);
}

/// `--section`, `-C` (with its `\connect`) and their combinations with the other shaping
/// options print what pg_restore 18 prints, for upstream archives of both majors.
#[test]
fn sections_and_create_match_pg_restore() {
    for major in [15, 18] {
        let c = Cluster::shared(major);
        let db = fixtures::pgbench(c, 1).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("db.dump");
        run(
            "pg_dump",
            c.upstream("pg_dump")
                .args(["-Fc", "-f"])
                .arg(&archive)
                .arg(&db),
            None,
        )
        .unwrap();
        let key = format!("--restrict-key={RESTRICT_KEY}");
        let cases: &[&[&str]] = &[
            &["--section=pre-data"],
            &["--section=data"],
            &["--section=post-data"],
            &["--section=pre-data", "--section=post-data"],
            &["-C"],
            &["-C", "-c", "--if-exists"],
            &["-C", "-s", "-O"],
        ];
        for extra in cases {
            let mut args = vec![key.as_str(), "-f", "-"];
            args.extend_from_slice(extra);
            same_as_pg_restore(c, &archive, &args);
        }
        same_as_pg_restore(c, &archive, &["-l", "-C"]);
        same_as_pg_restore(c, &archive, &["-l", "--section=data"]);
        same_as_pg_restore(c, &archive, &["-f", "-", "--section=bogus"]);
    }
}

/// `--disable-triggers` (with `-S`, and ignored without `-a` unless the archive holds no
/// schema) prints what pg_restore 18 prints, for upstream archives of fixtures/data.sql with
/// COPY and INSERT data.
#[test]
fn disable_triggers_match_pg_restore() {
    let c = Cluster::shared(18);
    let db = tusk_tests::parity::load_fixture(c, "data.sql").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = format!("--restrict-key={RESTRICT_KEY}");
    for (name, dump_args) in [
        ("copy.dump", &[][..]),
        ("inserts.dump", &["--inserts"][..]),
        ("data_only.dump", &["-a", "--column-inserts"][..]),
    ] {
        let archive = dir.path().join(name);
        run(
            "pg_dump",
            c.upstream("pg_dump")
                .arg("-Fc")
                .args(dump_args)
                .arg("-f")
                .arg(&archive)
                .arg(&db),
            None,
        )
        .unwrap();
        for extra in [
            &["-a", "--disable-triggers"][..],
            &["-a", "--disable-triggers", "-S", "data owner"],
            &[
                "-a",
                "--disable-triggers",
                "--use-set-session-authorization",
            ],
            &["--disable-triggers"],
        ] {
            let mut args = vec![key.as_str(), "-f", "-"];
            args.extend_from_slice(extra);
            same_as_pg_restore(c, &archive, &args);
        }
        // Into a database holding the schema: the row loaded while the trigger was off is as
        // it was dumped, and the trigger is on again afterwards.
        let dst = c.new_database("triggers_off").unwrap();
        run(
            "pg_restore -s",
            c.upstream("pg_restore")
                .args(["-s", "-d", &dst])
                .arg(dir.path().join("copy.dump")),
            None,
        )
        .unwrap();
        run(
            "tusk_restore -a --disable-triggers",
            c.command(tusk_bin("tusk_restore").unwrap())
                .args(["-a", "--disable-triggers", "-d", &dst])
                .arg(&archive),
            None,
        )
        .unwrap();
        let state = "SELECT string_agg(note, ',') || ' ' || (SELECT tgenabled::text FROM pg_trigger \
                     WHERE tgname = 'stamp') FROM dat.stamped";
        assert_eq!(
            c.psql(&dst, state).unwrap().trim(),
            "before the trigger O",
            "{name}"
        );
    }
}

/// An archive made by pg_dump 18 of the relations and objects fixtures (every kind of relation,
/// indexes, triggers, functions, awkward names), on the shared server 18.
fn fixtures_archive(dir: &Path) -> (&'static Cluster, std::path::PathBuf) {
    let c = Cluster::shared(18);
    let db = load_fixtures(c, &["relations.sql", "objects.sql"]).unwrap();
    let archive = dir.join("objects.dump");
    upstream_custom_archive(c, &db, &archive);
    (c, archive)
}

/// `-n/-N/-t/-I/-P/-T`, `--strict-names`, `--filter` and `--transaction-size` print what
/// pg_restore 18 prints (script and listing), and fail where and as it fails.
#[test]
fn selection_by_name_matches_pg_restore() {
    let dir = tempfile::tempdir().unwrap();
    let (c, archive) = fixtures_archive(dir.path());
    let filter = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        format!("--filter={}", path.display())
    };
    let include_table = filter("include_table", "# tables\ninclude table Orders\n");
    let exclude_schema = filter(
        "exclude_schema",
        "exclude schema Fn Schema\nexclude schema typ_other  # comment\n",
    );
    let quoted_schema = filter("quoted_schema", "include schema \"Idx Schema\"\n");
    let mixed = filter(
        "mixed",
        "include index orders_partial\ninclude trigger Docs   tsv_update\n\
         include function over( text )\n",
    );
    let not_allowed = filter(
        "not_allowed",
        "include table Orders\ninclude table_data t\n",
    );
    let exclude_table = filter("exclude_table", "exclude table Orders\n");
    let bad_line = filter("bad_line", "include table Orders\nfrobnicate table x\n");
    let missing = format!("--filter={}", dir.path().join("absent").display());
    let cases: &[&[&str]] = &[
        &["-n", "Idx Schema"],
        &["-n", "Trig Schema", "-n", "Vüe Schema"],
        &["-N", "Fn Schema"],
        &["-N", "Fn Schema", "-N", "public"],
        &["-t", "Orders"],
        &["-t", "select"],
        &["-t", "select", "-n", "Mixed Case"],
        &["-t", "Simple View"],
        &["-t", "Mat View"],
        &["-t", "counter"],
        &["-t", "Orders", "-I", "orders_partial"],
        // A trigger's tag is its table's name and its own.
        &["-T", "Docs tsv_update", "-T", "Docs when clause"],
        &["-T", "tsv_update"],
        &["-I", "orders_partial", "-I", "Select"],
        &["-P", "Add One(integer)"],
        &["-P", "over(integer)", "-P", "My Avg(integer)"],
        &["-t", "nosuch"],
        &["-n", "nosuch"],
        &["--strict-names", "-t", "nosuch"],
        &["--strict-names", "-t", "Orders", "-t", "Orders"],
        &[
            "--strict-names",
            "-n",
            "Idx Schema",
            "-t",
            "Orders",
            "-P",
            "nosuch()",
        ],
        &["--strict-names", "-I", "orders_partial", "-T", "tsv_update"],
        &["--strict-names", "-N", "nosuch"],
        &[&include_table],
        &[&exclude_schema],
        &[&quoted_schema],
        &[&mixed, "--strict-names"],
        &[&not_allowed],
        &[&exclude_table],
        &[&bad_line],
        &[&missing],
        &["-a", "-t", "Orders"],
        &["-s", "-n", "Idx Schema"],
        &["-c", "--if-exists", "-t", "Orders"],
        &["--section=post-data", "-t", "Orders"],
        &["--transaction-size=2"],
        &["--transaction-size=3", "-c", "-n", "Idx Schema"],
        &["--transaction-size=1", "-C", "-c", "-t", "Orders"],
        &["--transaction-size=2", "-1"],
        &["--transaction-size=0"],
        &["--transaction-size=x"],
    ];
    let key = format!("--restrict-key={RESTRICT_KEY}");
    for extra in cases {
        let mut args = vec![key.as_str(), "-f", "-"];
        args.extend_from_slice(extra);
        same_as_pg_restore(c, &archive, &args);
    }
    for extra in [
        &["-t", "Orders"][..],
        &["-n", "Idx Schema", "-v"],
        &["-P", "Add One(integer)"],
        &["--strict-names", "-t", "nosuch"],
        &[&mixed],
    ] {
        let mut args = vec!["-l"];
        args.extend_from_slice(extra);
        same_as_pg_restore(c, &archive, &args);
    }
}

/// Runs `program` restoring `archive` into a new database made by `prepare`; returns the
/// database, stderr (program name masked) and exit status.
fn restore_into(
    c: &Cluster,
    program: &Path,
    archive: &Path,
    prepare: &str,
    args: &[&str],
) -> (String, String, Option<i32>) {
    let db = c.new_database("restored").unwrap();
    if !prepare.is_empty() {
        c.psql(&db, prepare).unwrap();
    }
    let mut all = vec!["-d", db.as_str()];
    all.extend_from_slice(args);
    let (_, stderr, status) = output(c, program, &all, archive);
    (db, stderr, status)
}

/// `--no-data-for-failed-tables`: when CREATE TABLE fails (the table is there already, with
/// another definition), pg_restore 18 loads no rows into it; without the option the COPY runs.
#[test]
fn no_data_for_failed_tables_matches_pg_restore() {
    let c = Cluster::shared(18);
    let src = c.new_database("failed_src").unwrap();
    c.psql(
        &src,
        "CREATE TABLE kept (a int); INSERT INTO kept SELECT generate_series(1, 5); \
         CREATE TABLE clash (a int); INSERT INTO clash SELECT generate_series(1, 3);",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("failed.dump");
    upstream_custom_archive(c, &src, &archive);
    let prepare = "CREATE TABLE clash (a int, b text DEFAULT 'existing'); \
                   INSERT INTO clash (a) VALUES (100);";
    let counts = "SELECT (SELECT count(*) FROM kept) || ' ' || (SELECT count(*) FROM clash)";
    for (args, expected) in [
        // The failed DROP of "kept" is the last error when its CREATE succeeds: pg_restore
        // takes that for a failed CREATE.
        (&["--no-data-for-failed-tables", "-c"][..], "0 3"),
        (&["--no-data-for-failed-tables"][..], "5 1"),
        (&[][..], "5 4"),
    ] {
        let theirs = restore_into(
            c,
            &upstream_bin(18, "pg_restore").unwrap(),
            &archive,
            prepare,
            args,
        );
        let ours = restore_into(
            c,
            &tusk_bin("tusk_restore").unwrap(),
            &archive,
            prepare,
            args,
        );
        assert_eq!(
            c.psql(&theirs.0, counts).unwrap().trim(),
            expected,
            "{args:?}"
        );
        assert_eq!(
            c.psql(&ours.0, counts).unwrap().trim(),
            expected,
            "{args:?}"
        );
        assert_eq!(theirs.1, ours.1, "stderr for {args:?}");
        assert_eq!(theirs.2, ours.2, "exit status for {args:?}");
    }
}

/// `--transaction-size` into a database: the same database as pg_restore 18 makes, and on an
/// error the same stop (the option implies --exit-on-error) with what was committed kept.
#[test]
fn transaction_size_into_database_matches_pg_restore() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bench.dump");
    upstream_custom_archive(c, &src, &archive);
    for (prepare, args) in [
        ("", &["--transaction-size=3"][..]),
        ("", &["--transaction-size=1", "-t", "pgbench_branches"]),
        (
            "CREATE TABLE pgbench_branches (b int);",
            &["--transaction-size=100", "-c", "--if-exists"],
        ),
        // CREATE TABLE fails after some commits: those stay.
        (
            "CREATE TABLE pgbench_history (h int);",
            &["--transaction-size=2"],
        ),
        // -1 stops at the first error too, and nothing stays.
        ("CREATE TABLE pgbench_history (h int);", &["-1"]),
    ] {
        let theirs = restore_into(
            c,
            &upstream_bin(18, "pg_restore").unwrap(),
            &archive,
            prepare,
            args,
        );
        let ours = restore_into(
            c,
            &tusk_bin("tusk_restore").unwrap(),
            &archive,
            prepare,
            args,
        );
        assert_eq!(theirs.1, ours.1, "stderr for {args:?}");
        assert_eq!(theirs.2, ours.2, "exit status for {args:?}");
        assert_same_database((c, &theirs.0), (c, &ours.0));
    }
}

/// `-C -c --if-exists --transaction-size`: the database is dropped and created outside any
/// transaction, the rest restored in committed batches in the new database, as pg_restore 18
/// does.
#[test]
fn transaction_size_with_create_matches_pg_restore() {
    let c = Cluster::shared(18);
    let db = fixtures::pgbench(c, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("create.dump");
    upstream_custom_archive(c, &db, &archive);
    let args = [
        "-d",
        "postgres",
        "-C",
        "-c",
        "--if-exists",
        "--transaction-size=3",
    ];
    // Each run replaces the database `db`; what it leaves is compared.
    let restored = |program: &Path| {
        let (_, stderr, status) = output(c, program, &args, &archive);
        let schema = schema_dump(c, &db).unwrap();
        let rows = row_fingerprints(c, &db).unwrap();
        (stderr, status, schema, rows)
    };
    let theirs = restored(&upstream_bin(18, "pg_restore").unwrap());
    let ours = restored(&tusk_bin("tusk_restore").unwrap());
    assert_eq!(theirs.0, ours.0, "stderr");
    assert_eq!(theirs.1, ours.1, "exit status");
    assert_same_text(&theirs.2, &ours.2, "pg_restore 18", "tusk_restore");
    assert_eq!(theirs.3, ours.3, "row fingerprints");
    assert!(!ours.3.is_empty());
}

/// `pg_dump -Fc -f ARCHIVE DB` with the server's own pg_dump.
fn upstream_custom_archive(c: &Cluster, db: &str, archive: &Path) {
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fc", "-f"])
            .arg(archive)
            .arg(db),
        None,
    )
    .unwrap();
}

//! tusk_restore's script and listing against pg_restore 18's, for archives made by upstream
//! pg_dump of the server's own major and of 18: large objects in both their 1.14 and 1.16
//! layouts, ACLs, and `-L` list files that reorder and drop entries.

use std::path::Path;

use tusk_tests::compare::{RESTRICT_KEY, assert_same_text};
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};

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
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
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

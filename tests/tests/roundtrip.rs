//! The walking skeleton against upstream: pgbench databases dumped and restored every way
//! between tusk and upstream, on PostgreSQL 15 and 18, and tusk's plain output compared with
//! upstream pg_dump 18's.

use std::path::Path;

use tusk_tests::compare::{
    RESTRICT_KEY, assert_same_database, assert_same_text, mask_version_header,
};
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, run_stdout, run_unchecked, tusk_bin, upstream_bin};

fn tusk(cluster: &Cluster, name: &str) -> std::process::Command {
    cluster.command(tusk_bin(name).expect("tusk binaries build"))
}

/// tusk_dump → upstream pg_restore of the same major, in archive format `format`.
fn tusk_dump_upstream_restore_in(major: u32, format: &str) {
    let c = Cluster::shared(major);
    let src = fixtures::pgbench(c, 2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dump");
    run(
        "tusk_dump",
        tusk(c, "tusk_dump")
            .args([format, "-f"])
            .arg(&archive)
            .args(["-d", &src]),
        None,
    )
    .unwrap();

    let dst = c.new_database("dst").unwrap();
    run(
        "pg_restore",
        c.upstream("pg_restore").args(["-d", &dst]).arg(&archive),
        None,
    )
    .unwrap();
    assert_same_database((c, &src), (c, &dst));
}

fn tusk_dump_upstream_restore(major: u32) {
    tusk_dump_upstream_restore_in(major, "-Fc");
}

fn tusk_dump_directory_upstream_restore(major: u32) {
    tusk_dump_upstream_restore_in(major, "-Fd");
}

fn tusk_dump_tar_upstream_restore(major: u32) {
    tusk_dump_upstream_restore_in(major, "-Ft");
}

fn upstream_dump_tar_tusk_restore(major: u32) {
    upstream_dump_tusk_restore_in(major, "-Ft");
}

fn upstream_dump_tusk_restore(major: u32) {
    upstream_dump_tusk_restore_in(major, "-Fc");
}

fn upstream_dump_directory_tusk_restore(major: u32) {
    upstream_dump_tusk_restore_in(major, "-Fd");
}

/// upstream pg_dump → tusk_restore, in archive format `format`.
fn upstream_dump_tusk_restore_in(major: u32, format: &str) {
    let c = Cluster::shared(major);
    let src = fixtures::pgbench(c, 2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dump");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args([format, "-f"])
            .arg(&archive)
            .arg(&src),
        None,
    )
    .unwrap();

    let dst = c.new_database("dst").unwrap();
    run(
        "tusk_restore",
        tusk(c, "tusk_restore").args(["-d", &dst]).arg(&archive),
        None,
    )
    .unwrap();
    assert_same_database((c, &src), (c, &dst));
}

/// tusk_dump -Fc → tusk_restore, the archive piped between them (no offsets, no seeking).
fn tusk_both_piped(major: u32) {
    let c = Cluster::shared(major);
    let src = fixtures::pgbench(c, 2).unwrap();
    let archive = run(
        "tusk_dump",
        tusk(c, "tusk_dump").args(["-Fc", "-d", &src]),
        None,
    )
    .unwrap()
    .stdout;

    let dst = c.new_database("dst").unwrap();
    run(
        "tusk_restore",
        tusk(c, "tusk_restore").args(["-d", &dst]),
        Some(&archive),
    )
    .unwrap();
    assert_same_database((c, &src), (c, &dst));
}

/// tusk_dump -Fp equals upstream pg_dump 18 -Fp, version lines aside, with the options that
/// shape the skeleton's objects and a database with a comment and settings.
fn plain_matches_upstream(major: u32) {
    let c = Cluster::shared(major);
    let src = fixtures::pgbench(c, 1).unwrap();
    c.psql(
        &src,
        &format!(
            "COMMENT ON DATABASE {src} IS 'bench db'; ALTER DATABASE {src} SET work_mem TO '8MB'; \
             ALTER DATABASE {src} SET search_path TO public, \"$user\"; \
             ALTER DATABASE {src} CONNECTION LIMIT 50;"
        ),
    )
    .unwrap();
    let key = format!("--restrict-key={RESTRICT_KEY}");
    let pg_dump_18 = upstream_bin(18, "pg_dump").unwrap();
    let cases: &[&[&str]] = &[
        &[],
        &["-C"],
        &["-C", "-c", "--if-exists"],
        &["-s"],
        &["-a"],
        &["-O", "-x"],
    ];
    for extra in cases {
        let dump = |program: &Path, name: &str| {
            let mut cmd = c.command(program);
            cmd.arg(&key).args(*extra).arg(&src);
            mask_version_header(&run_stdout(name, &mut cmd, None).unwrap())
        };
        let theirs = dump(&pg_dump_18, "pg_dump 18");
        let ours = dump(&tusk_bin("tusk_dump").unwrap(), "tusk_dump");
        assert_same_text(
            &theirs,
            &ours,
            &format!("pg_dump 18 {extra:?}"),
            &format!("tusk_dump {extra:?}"),
        );
    }
}

/// pg_restore -C of tusk's archive creates the database with its properties.
#[test]
fn upstream_restore_with_create() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 1).unwrap();
    c.psql(
        &src,
        &format!(
            "COMMENT ON DATABASE {src} IS 'bench db'; ALTER DATABASE {src} SET work_mem TO '8MB';"
        ),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dump");
    run(
        "tusk_dump",
        tusk(c, "tusk_dump")
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&src),
        None,
    )
    .unwrap();
    // Rename the source so -C can create the database under its own name in the same cluster.
    let copy = format!("{src}_orig");
    c.psql(
        "postgres",
        &format!("ALTER DATABASE {src} RENAME TO {copy}"),
    )
    .unwrap();
    run(
        "pg_restore -C",
        c.upstream("pg_restore")
            .args(["-C", "-d", "postgres"])
            .arg(&archive),
        None,
    )
    .unwrap();
    assert_same_database((c, &copy), (c, &src));
    let settings = "SELECT coalesce(shobj_description(d.oid, 'pg_database'), '') || ' ' || \
                    coalesce((SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s \
                              WHERE s.setdatabase = d.oid AND s.setrole = 0), '') \
                    FROM pg_database d WHERE datname = current_database()";
    assert_eq!(
        c.psql(&src, settings).unwrap().trim(),
        "bench db work_mem=8MB"
    );
}

/// tusk_restore -f - equals pg_restore 18 -f - for upstream's archive.
fn script_matches_upstream(major: u32) {
    let c = Cluster::shared(major);
    let src = fixtures::pgbench(c, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dump");
    run(
        "pg_dump",
        c.upstream("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&archive)
            .arg(&src),
        None,
    )
    .unwrap();
    let key = format!("--restrict-key={RESTRICT_KEY}");
    let pg_restore_18 = upstream_bin(18, "pg_restore").unwrap();
    for extra in [
        &[][..],
        &["--clean", "--if-exists"][..],
        &["-O", "-x"][..],
        &["-s"][..],
        &["-a"][..],
    ] {
        let script = |program: &Path, name: &str| {
            let mut cmd = c.command(program);
            cmd.args([key.as_str(), "-f", "-"])
                .args(extra)
                .arg(&archive);
            run_stdout(name, &mut cmd, None).unwrap()
        };
        let theirs = script(&pg_restore_18, "pg_restore 18");
        let ours = script(&tusk_bin("tusk_restore").unwrap(), "tusk_restore");
        assert_same_text(
            &theirs,
            &ours,
            &format!("pg_restore 18 {extra:?}"),
            &format!("tusk_restore {extra:?}"),
        );
    }
}

tusk_tests::for_majors! {
    tusk_dump_then_upstream_restore => tusk_dump_upstream_restore,
    upstream_dump_then_tusk_restore => upstream_dump_tusk_restore,
    tusk_dump_directory_then_upstream_restore => tusk_dump_directory_upstream_restore,
    upstream_dump_directory_then_tusk_restore => upstream_dump_directory_tusk_restore,
    tusk_dump_tar_then_upstream_restore => tusk_dump_tar_upstream_restore,
    upstream_dump_tar_then_tusk_restore => upstream_dump_tar_tusk_restore,
    tusk_dump_then_tusk_restore_piped => tusk_both_piped,
    plain_output_equals_pg_dump_18 => plain_matches_upstream,
    restore_script_equals_pg_restore_18 => script_matches_upstream,
}

/// By default an archive of an 18 server is 1.16, which pg_restore 15 refuses; asking for
/// 1.14 gives one that pg_restore 15 restores.
#[test]
fn archive_version_1_14_from_18_restores_with_pg_restore_15() {
    let c18 = Cluster::shared(18);
    let c15 = Cluster::shared(15);
    let src = fixtures::pgbench(c18, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let default = dir.path().join("default.dump");
    let old = dir.path().join("old.dump");
    run(
        "tusk_dump",
        tusk(c18, "tusk_dump")
            .args(["-Fc", "-f"])
            .arg(&default)
            .arg(&src),
        None,
    )
    .unwrap();
    run(
        "tusk_dump",
        tusk(c18, "tusk_dump")
            .args(["-Fc", "--archive-version=1.14", "-f"])
            .arg(&old)
            .arg(&src),
        None,
    )
    .unwrap();

    let refused = run_unchecked(
        "pg_restore 15",
        c15.upstream("pg_restore").arg("-l").arg(&default),
        None,
    )
    .unwrap();
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("unsupported version (1.16) in file header")
    );

    let dst = c15.new_database("from18").unwrap();
    run(
        "pg_restore 15",
        c15.upstream("pg_restore").args(["-d", &dst]).arg(&old),
        None,
    )
    .unwrap();
    assert_same_database((c18, &src), (c15, &dst));
}

/// A zstd (and an lz4) archive of a PostgreSQL 15 database is written as 1.15, the oldest
/// version that can name the algorithm, and pg_restore 16, 17 and 18 restore it.
#[test]
fn zstd_and_lz4_archives_restore_with_pg_restore_16_17_18() {
    let c15 = Cluster::shared(15);
    let c18 = Cluster::shared(18);
    let src = fixtures::pgbench(c15, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for spec in ["zstd", "lz4:3", "zstd:level=9,long"] {
        let archive = dir.path().join(format!("{spec}.dump"));
        run(
            "tusk_dump",
            tusk(c15, "tusk_dump")
                .args(["-Fc", "-Z", spec, "-f"])
                .arg(&archive)
                .arg(&src),
            None,
        )
        .unwrap();
        for major in [16, 17, 18] {
            // pg_restore 17 and later send settings a 15 server does not know; restore those
            // into the 18 server.
            let target = if major == 16 { c15 } else { c18 };
            let dst = target.new_database("z").unwrap();
            let pg_restore = upstream_bin(major, "pg_restore").unwrap();
            run(
                &format!("pg_restore {major}"),
                target.command(&pg_restore).args(["-d", &dst]).arg(&archive),
                None,
            )
            .unwrap();
            assert_same_database((c15, &src), (target, &dst));
        }
    }
}

/// Large objects (contents and comments) survive tusk_dump in every archive format and
/// upstream pg_restore of the server's own major: per-object BLOB entries in the 1.14 archives
/// of a 15 server, BLOB METADATA groups in the 1.16 archives of an 18 server.
#[test]
fn large_objects_in_every_format_restore_with_upstream() {
    let query = "SELECT count(*) || ' ' || coalesce(string_agg(md5(lo_get(oid)) || ':' || \
                 coalesce(obj_description(oid, 'pg_largeobject'), ''), ',' ORDER BY oid), '') \
                 FROM pg_largeobject_metadata";
    for major in [15, 18] {
        let c = Cluster::shared(major);
        let src = fixtures::large_objects(c, false).unwrap();
        let want = c.psql(&src, query).unwrap();
        assert!(want.starts_with("3 "), "{want}");
        let dir = tempfile::tempdir().unwrap();
        for format in ["-Fc", "-Fd", "-Ft"] {
            let archive = dir.path().join(format!("lo{format}"));
            run(
                "tusk_dump",
                tusk(c, "tusk_dump")
                    .args([format, "-f"])
                    .arg(&archive)
                    .arg(&src),
                None,
            )
            .unwrap();
            let dst = c.new_database("lo_restored").unwrap();
            run(
                "pg_restore",
                c.upstream("pg_restore").args(["-d", &dst]).arg(&archive),
                None,
            )
            .unwrap();
            assert_eq!(c.psql(&dst, query).unwrap(), want, "{major} {format}");
        }
    }
}

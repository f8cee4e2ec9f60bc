//! Integrity for air-gapped transfers: `tusk_dump --manifest` writes `ARCHIVE.manifest.json`;
//! `tusk_restore --verify ARCHIVE` passes on the archive as written and names what is wrong
//! after a flipped byte, a truncation, or two members swapped, with or without the manifest.

use std::path::{Path, PathBuf};

use tusk_format::manifest::Manifest;
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin};

fn dump(c: &Cluster, db: &str, format: &str, path: &Path) {
    run(
        "tusk_dump --manifest",
        c.command(tusk_bin("tusk_dump").unwrap())
            .args([format, "--manifest", "-f"])
            .arg(path)
            .arg(db),
        None,
    )
    .unwrap();
}

/// Exit status and report of `tusk_restore --verify`.
fn verify(path: &Path) -> (Option<i32>, String) {
    let out = run_unchecked(
        "tusk_restore --verify",
        std::process::Command::new(tusk_bin("tusk_restore").unwrap())
            .arg("--verify")
            .arg(path),
        None,
    )
    .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn manifest(path: &Path) -> Manifest {
    let mut name = path.as_os_str().to_owned();
    name.push(".manifest.json");
    serde_json::from_slice(&std::fs::read(PathBuf::from(name)).unwrap()).unwrap()
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

fn source(c: &Cluster) -> String {
    let db = fixtures::pgbench(c, 1).unwrap();
    c.psql(
        &db,
        "SELECT lo_from_bytea(0, decode(repeat('ab', 40000), 'hex'));",
    )
    .unwrap();
    db
}

#[test]
fn custom_archives_verify_and_name_the_damaged_member() {
    let c = Cluster::shared(18);
    let db = source(c);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dump");
    dump(c, &db, "-Fc", &archive);

    let m = manifest(&archive);
    let accounts = m
        .members
        .iter()
        .find(|m| m.object == "public.pgbench_accounts")
        .unwrap();
    assert_eq!(accounts.rows, Some(100_000));
    assert_eq!(
        m.members
            .iter()
            .find(|m| m.desc == "BLOBS")
            .and_then(|m| m.large_objects),
        Some(1)
    );
    let (code, report) = verify(&archive);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("match"), "{report}");

    // The accounts block is most of the file: its middle is in it.
    let len = std::fs::metadata(&archive).unwrap().len() as usize;
    let damaged = dir.path().join("damaged.dump");
    std::fs::copy(&archive, &damaged).unwrap();
    std::fs::copy(
        dir.path().join("db.dump.manifest.json"),
        dir.path().join("damaged.dump.manifest.json"),
    )
    .unwrap();
    flip_byte(&damaged, len / 2);
    let (code, report) = verify(&damaged);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAILED") && l.contains("TABLE DATA public.pgbench_accounts")),
        "{report}"
    );
    // Without the manifest the damage still shows, as a member that does not read back.
    std::fs::remove_file(dir.path().join("damaged.dump.manifest.json")).unwrap();
    let (code, report) = verify(&damaged);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("pgbench_accounts"), "{report}");

    // Truncated: the file, and the members past the cut.
    let truncated = dir.path().join("cut.dump");
    std::fs::write(
        &truncated,
        &std::fs::read(&archive).unwrap()[..len * 9 / 10],
    )
    .unwrap();
    std::fs::copy(
        dir.path().join("db.dump.manifest.json"),
        dir.path().join("cut.dump.manifest.json"),
    )
    .unwrap();
    let (code, report) = verify(&truncated);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("FAILED  file cut.dump"), "{report}");
}

#[test]
fn directory_archives_verify_file_by_file() {
    let c = Cluster::shared(18);
    let db = source(c);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("db.dir");
    dump(c, &db, "-Fd", &archive);
    let (code, report) = verify(&archive);
    assert_eq!(code, Some(0), "{report}");

    // Swap the data files of two tables.
    let m = manifest(&archive);
    let id = |object: &str| {
        m.members
            .iter()
            .find(|m| m.object == object)
            .unwrap()
            .dump_id
    };
    let file = |id| archive.join(format!("{id}.dat.gz"));
    let (a, b) = (
        file(id("public.pgbench_branches")),
        file(id("public.pgbench_tellers")),
    );
    let tmp = archive.join("swap");
    std::fs::rename(&a, &tmp).unwrap();
    std::fs::rename(&b, &a).unwrap();
    std::fs::rename(&tmp, &b).unwrap();
    let (code, report) = verify(&archive);
    assert_eq!(code, Some(1), "{report}");
    for name in ["pgbench_branches", "pgbench_tellers"] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("FAILED") && l.contains(name) && l.contains("rows")),
            "{name}: {report}"
        );
    }
    assert!(
        report.contains(&format!(
            "FAILED  file {}",
            a.file_name().unwrap().to_string_lossy()
        )),
        "{report}"
    );
}

#[test]
fn manifest_needs_an_archive_file() {
    let c = Cluster::shared(18);
    for args in [
        &["--manifest", "-Fp", "-f", "x.sql"][..],
        &["--manifest", "-Fc"],
    ] {
        let out = run_unchecked(
            "tusk_dump",
            c.command(tusk_bin("tusk_dump").unwrap())
                .args(args)
                .arg("postgres"),
            None,
        )
        .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--manifest requires"));
    }
}

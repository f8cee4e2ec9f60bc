//! Every golden archive (pg_dump 14–18; custom, directory, tar; every compression), read by
//! tusk and written again in the same format and compression, is the same archive to upstream:
//! pg_restore 18's `-l` and `-f -` print for the rewrite exactly what they print for the
//! original.

use std::fs::File;
use std::path::{Path, PathBuf};

use tusk_format::ArchiveFormat;
use tusk_format::archive::{self, ArchiveWrite};
use tusk_format::custom::CustomWriter;
use tusk_format::directory::DirectoryWriter;
use tusk_format::tar::TarWriter;
use tusk_tests::compare::{RESTRICT_KEY, assert_same_text};
use tusk_tests::harness::{run_stdout, upstream_bin};

fn goldens() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/golden/versions");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("pg"))
        })
        .collect();
    all.sort();
    all
}

fn rewrite(original: &Path, out: &Path) {
    let mut reader = archive::open(original.to_str(), None).unwrap();
    let toc = reader.toc().clone();
    let writer: Box<dyn ArchiveWrite> = match reader.format() {
        ArchiveFormat::Custom => {
            Box::new(CustomWriter::new(File::create(out).unwrap(), &toc).unwrap())
        }
        ArchiveFormat::Directory => Box::new(DirectoryWriter::create(out, &toc).unwrap()),
        ArchiveFormat::Tar => {
            Box::new(TarWriter::create(File::create(out).unwrap(), &toc).unwrap())
        }
    };
    archive::copy_members(reader.as_mut(), writer).unwrap();
}

fn pg_restore(args: &[&str], archive: &Path) -> String {
    let mut cmd = std::process::Command::new(upstream_bin(18, "pg_restore").unwrap());
    cmd.env("TZ", "UTC").args(args).arg(archive);
    run_stdout("pg_restore 18", &mut cmd, None).unwrap()
}

#[test]
fn rewrites_of_every_golden_archive_are_the_same_to_pg_restore_18() {
    let goldens = goldens();
    assert!(
        goldens.len() >= 37,
        "expected the golden archives of 14-18, found {}",
        goldens.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let key = format!("--restrict-key={RESTRICT_KEY}");
    for original in goldens {
        let name = original.file_name().unwrap().to_string_lossy().into_owned();
        let out = tmp.path().join(&name);
        rewrite(&original, &out);
        for args in [&["-l"][..], &["-f", "-", key.as_str()]] {
            assert_same_text(
                &pg_restore(args, &original),
                &pg_restore(args, &out),
                &format!("{name} {args:?}"),
                &format!("tusk rewrite of {name} {args:?}"),
            );
        }
    }
}

//! The directory reader with arbitrary bytes as `toc.dat`. The data files beside it are those of
//! a golden directory archive of the archive version the input claims (its byte 6), so that
//! inputs close to the seeds reach the data files too.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

mod common;

/// Per archive minor version, a directory holding a golden archive's data files and LO lists.
fn dirs() -> &'static Vec<(u8, PathBuf)> {
    static DIRS: OnceLock<(tempfile::TempDir, Vec<(u8, PathBuf)>)> = OnceLock::new();
    let (_, dirs) = DIRS.get_or_init(|| {
        let root = tempfile::tempdir().expect("a temporary directory");
        let mut dirs = Vec::new();
        for (minor, golden) in [
            (14, "pg14-d-none"),
            (15, "pg16-d-none"),
            (16, "pg18-d-none"),
        ] {
            let dir = root.path().join(golden);
            std::fs::create_dir(&dir).expect("creating a directory");
            for entry in std::fs::read_dir(common::golden(golden)).expect("a golden archive") {
                let entry = entry.expect("a directory entry");
                if entry.file_name() != "toc.dat" {
                    std::fs::copy(entry.path(), dir.join(entry.file_name()))
                        .expect("copying a data file");
                }
            }
            dirs.push((minor, dir));
        }
        (root, dirs)
    });
    dirs
}

fuzz_target!(|data: &[u8]| {
    let dirs = dirs();
    let minor = data.get(6).copied().unwrap_or(16);
    let (_, dir) = dirs
        .iter()
        .find(|(m, _)| *m == minor)
        .unwrap_or(&dirs[dirs.len() - 1]);
    std::fs::write(dir.join("toc.dat"), data).expect("writing toc.dat");
    common::read_path(dir);
});

//! The tar reader on arbitrary bytes, opened as tusk_restore opens a file: format detection
//! first, so inputs that are not tar also reach the custom reader or the refusal paths.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

mod common;

/// One file, rewritten for each input: the reader takes a path.
fn scratch() -> &'static PathBuf {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("input.tar");
        (dir, path)
    });
    path
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("writing the input");
    common::read_path(path);
});

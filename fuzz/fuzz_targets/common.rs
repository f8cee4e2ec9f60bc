//! What every target does with an input: open it as an archive, read every data member, and
//! insist that a refusal comes with a message. A panic, or an allocation beyond libFuzzer's
//! `-malloc_limit_mb`, is the bug being looked for. Each target's body is a function here, so
//! that format/tests/fuzz_smoke.rs runs the very same code on the stable toolchain.

// Each target uses only the part for its format.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Display;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use tusk_format::archive::{self, ArchiveRead};
use tusk_format::list::{apply_list, parse_list_file};
use tusk_format::{CustomReader, DataLocation, DataSink, DumpId, Toc};

/// Takes the data and drops it.
pub struct Discard;

impl DataSink for Discard {
    fn data(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn start_lo(&mut self, _oid: u32) -> io::Result<()> {
        Ok(())
    }
    fn end_lo(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader that cannot seek, like a pipe: the custom reader then scans forward.
pub struct Pipe<R>(pub R);

impl<R: Read> Read for Pipe<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Seek for Pipe<R> {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        Err(io::Error::from_raw_os_error(29)) // ESPIPE
    }
}

fn refused(e: &dyn Display) {
    let message = e.to_string();
    assert!(!message.trim().is_empty(), "an error without a message");
}

fn data_ids(toc: &Toc) -> Vec<DumpId> {
    toc.entries
        .iter()
        .filter(|e| !matches!(e.data, DataLocation::None))
        .map(|e| e.dump_id)
        .collect()
}

pub fn read_custom<R: Read + Seek>(input: R) {
    let mut reader = match CustomReader::open(input) {
        Ok(reader) => reader,
        Err(e) => return refused(&e),
    };
    for id in data_ids(reader.toc()) {
        if let Err(e) = reader.read_data(id, &mut Discard) {
            refused(&e);
        }
    }
}

/// Any format, through the same entry point as tusk_restore.
pub fn read_path(path: &Path) {
    let mut reader: Box<dyn ArchiveRead> = match archive::open(path.to_str(), None) {
        Ok(reader) => reader,
        Err(e) => return refused(&e),
    };
    for id in data_ids(reader.toc()) {
        if let Err(e) = reader.read_data(id, &mut Discard) {
            refused(&e);
        }
    }
}

/// The golden archives of fixtures/golden/versions.
pub fn golden(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/golden/versions")
        .join(name)
}

/// The `custom_reader` target: the custom-format reader on arbitrary bytes, both as a seekable
/// file (data found by the offsets in the TOC) and as a pipe (data found by scanning forward).
pub fn custom_reader(data: &[u8]) {
    read_custom(std::io::Cursor::new(data));
    read_custom(Pipe(std::io::Cursor::new(data)));
}

/// The `directory_toc` target: arbitrary bytes as the toc.dat of a directory holding a golden
/// archive's data files; byte 6 (the archive version's minor) picks which golden archive.
pub fn directory_toc(data: &[u8]) {
    static DIRS: OnceLock<(tempfile::TempDir, Vec<(u8, PathBuf)>)> = OnceLock::new();
    let (_, dirs) = DIRS.get_or_init(|| {
        let root = tempfile::tempdir().expect("a temporary directory");
        let mut dirs = Vec::new();
        for (minor, name) in [
            (14, "pg14-d-none"),
            (15, "pg16-d-none"),
            (16, "pg18-d-none"),
        ] {
            let dir = root.path().join(name);
            std::fs::create_dir(&dir).expect("creating a directory");
            for entry in std::fs::read_dir(golden(name)).expect("a golden archive") {
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
    let minor = data.get(6).copied().unwrap_or(16);
    let (_, dir) = dirs
        .iter()
        .find(|(m, _)| *m == minor)
        .unwrap_or(&dirs[dirs.len() - 1]);
    // Callers on several threads (the stable smoke run) take turns with the one directory.
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    std::fs::write(dir.join("toc.dat"), data).expect("writing toc.dat");
    read_path(dir);
}

/// The `tar_reader` target: arbitrary bytes as a tar archive file.
pub fn tar_reader(data: &[u8]) {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), data).expect("writing the input");
    read_path(file.path());
}

/// The `list_file` target: arbitrary text as a `-L` list file for a golden archive's TOC. The
/// ids it keeps are in range and distinct, and applying them moves exactly those entries to
/// the end, in the list's order.
pub fn list_file(data: &[u8]) {
    static TOC: OnceLock<Toc> = OnceLock::new();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let toc = TOC.get_or_init(|| {
        let file = std::fs::File::open(golden("pg18-c-none.dump")).expect("the golden archive");
        CustomReader::open(file)
            .expect("the golden archive opens")
            .toc()
            .clone()
    });
    let max = toc.entries.iter().map(|e| e.dump_id).max().unwrap_or(0);
    let list = parse_list_file(text, max);
    let mut seen = HashSet::new();
    for &id in &list.ids {
        assert!(id > 0 && id <= max, "id {id} outside 1..={max}");
        assert!(seen.insert(id), "id {id} listed twice");
    }
    let mut reordered = toc.clone();
    match apply_list(&mut reordered, &list.ids) {
        Ok(()) => {
            assert_eq!(reordered.entries.len(), toc.entries.len());
            let tail: Vec<_> = reordered.entries[toc.entries.len() - list.ids.len()..]
                .iter()
                .map(|e| e.dump_id)
                .collect();
            assert_eq!(
                tail, list.ids,
                "listed entries not moved to the end in order"
            );
        }
        Err(message) => assert!(!message.trim().is_empty(), "an error without a message"),
    }
}

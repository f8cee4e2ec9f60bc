//! What every target does with an input: open it as an archive, read every data member, and
//! insist that a refusal comes with a message. A panic, or an allocation beyond libFuzzer's
//! `-malloc_limit_mb`, is the bug being looked for.

// Each target uses only the part for its format.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use tusk_format::archive::{self, ArchiveRead};
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

//! What the format crate's integration tests share: the golden fixture sets, a pipe, a sink
//! that collects what a reader streams, copying members into our writers, parts of sample
//! archives, and upstream pg_restore (found, or skipped with a note, and run).

// Each test binary uses only the part it needs.
#![allow(dead_code)]

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tusk_format::archive::{ArchiveRead, ArchiveWrite, BlobsWrite};
use tusk_format::{
    ArchiveFormat, ArchiveHeader, ArchiveVersion, Compression, CreateTime, DataSink, DumpId,
    Encoding, FormatError, Section, TocEntry,
};

// ---- fixtures ----

/// One set of archives made by upstream pg_dump: `fixtures/golden/<name>`, with its README.md.
pub struct FixtureSet(pub &'static str);

impl FixtureSet {
    pub fn path(&self, name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/golden")
            .join(self.0)
            .join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        let path = self.path(name);
        fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The fruit table's COPY payload as an archive of the set holds it: the rows of
    /// `fruit.copy` in the archive's encoding, then the `\.` line pg_dump appends.
    pub fn fruit_payload(&self, encoding: Encoding) -> Vec<u8> {
        let rows = String::from_utf8(self.read("fruit.copy")).unwrap();
        let mut bytes = match encoding {
            Encoding::Latin1 => rows
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap())
                .collect(),
            _ => rows.into_bytes(),
        };
        bytes.extend_from_slice(b"\\.\n\n\n");
        bytes
    }
}

// ---- streams and sinks ----

/// A stream that cannot seek, like a pipe.
pub struct Pipe<T>(pub T);

impl<T: Read> Read for Pipe<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<T: Write> Write for Pipe<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<T> Seek for Pipe<T> {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        Err(io::Error::from_raw_os_error(29)) // ESPIPE
    }
}

/// What a reader streams: the bytes of a data member, or the large objects of a BLOBS entry.
#[derive(Debug, Default, PartialEq)]
pub struct Collect {
    pub data: Vec<u8>,
    pub los: Vec<(u32, Vec<u8>)>,
    in_lo: bool,
}

impl DataSink for Collect {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.los.last_mut() {
            Some((_, lo)) if self.in_lo => lo.extend_from_slice(bytes),
            _ => self.data.extend_from_slice(bytes),
        }
        Ok(())
    }
    fn start_lo(&mut self, oid: u32) -> io::Result<()> {
        assert!(!self.in_lo, "start_lo inside a large object");
        self.los.push((oid, Vec::new()));
        self.in_lo = true;
        Ok(())
    }
    fn end_lo(&mut self) -> io::Result<()> {
        assert!(self.in_lo, "end_lo outside a large object");
        self.in_lo = false;
        Ok(())
    }
}

/// Entry `id`'s data as `r` streams it.
pub fn try_read(r: &mut dyn ArchiveRead, id: DumpId) -> Result<Collect, FormatError> {
    let mut c = Collect::default();
    r.read_data(id, &mut c)?;
    Ok(c)
}

/// [`try_read`], panicking with the entry's ID on an error.
pub fn read(r: &mut dyn ArchiveRead, id: DumpId) -> Collect {
    try_read(r, id).unwrap_or_else(|e| panic!("entry {id}: {e}"))
}

/// Streams a data member into one of our member writers, one write per piece read (so an
/// uncompressed custom-format member keeps its chunks).
pub struct ToMember<'a>(pub &'a mut dyn Write);

impl DataSink for ToMember<'_> {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }
    fn start_lo(&mut self, _: u32) -> io::Result<()> {
        Err(io::Error::other("large object in a data member"))
    }
    fn end_lo(&mut self) -> io::Result<()> {
        Err(io::Error::other("large object in a data member"))
    }
}

/// Streams the large objects of a BLOBS entry into one of our blobs writers.
pub struct ToBlobs<'a>(pub &'a mut dyn BlobsWrite);

impl DataSink for ToBlobs<'_> {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }
    fn start_lo(&mut self, oid: u32) -> io::Result<()> {
        self.0.start_lo(oid).map_err(io::Error::other)
    }
    fn end_lo(&mut self) -> io::Result<()> {
        self.0.end_lo().map_err(io::Error::other)
    }
}

/// Copies entry `id`'s data from `r` into its member of `w`, as it streams.
pub fn copy_member(r: &mut dyn ArchiveRead, w: &mut dyn ArchiveWrite, id: DumpId) {
    let desc = &r
        .toc()
        .entries
        .iter()
        .find(|e| e.dump_id == id)
        .unwrap()
        .desc;
    if desc == "BLOBS" {
        let mut b = w.blobs(id).unwrap();
        r.read_data(id, &mut ToBlobs(b.as_mut())).unwrap();
        b.finish().unwrap();
    } else {
        let mut m = w.data(id).unwrap();
        r.read_data(id, &mut ToMember(&mut m)).unwrap();
        m.finish().unwrap();
    }
}

// ---- sample archives ----

/// Writes large objects into a BLOBS entry's writer, each in pieces of `piece_len` bytes, as a
/// large object is read from the server.
pub fn write_los(b: &mut dyn BlobsWrite, los: Vec<(u32, Vec<u8>)>, piece_len: usize) {
    for (oid, bytes) in los {
        b.start_lo(oid).unwrap();
        for piece in bytes.chunks(piece_len) {
            b.write_all(piece).unwrap();
        }
        b.end_lo().unwrap();
    }
}

/// An entry of the kind pg_dump writes first (ENCODING, STDSTRINGS, ...): tag = desc.
pub fn special(id: DumpId, desc: &str, defn: &str) -> TocEntry {
    let mut e = TocEntry::new(id, desc, desc, Section::PreData);
    e.defn = Some(defn.into());
    e
}

/// The header of a sample archive: database `demo`, dumped by 18.6 at a fixed time.
pub fn sample_header(
    version: ArchiveVersion,
    format: ArchiveFormat,
    compression: Compression,
) -> ArchiveHeader {
    ArchiveHeader {
        version,
        int_size: 4,
        off_size: 8,
        format,
        compression,
        created: CreateTime {
            sec: 38,
            min: 29,
            hour: 18,
            mday: 23,
            mon: 10,
            year: 126,
            isdst: 0,
        },
        dbname: "demo".into(),
        server_version: Some("18.6".into()),
        dump_version: Some("18.6".into()),
    }
}

// ---- upstream pg_restore ----

/// Upstream pg_restore of a major: from `TUSK_PG<major>_BIN` when set; else the first found
/// of Debian's `/usr/lib/postgresql/<major>/bin`, what scripts/fetch-pg.sh unpacks into its
/// cache (`$TUSK_PG_CACHE`, default `/var/tmp/tusk-pg`), and `/tmp/pgw/x` (where
/// fixtures/golden/skeleton/make.sh takes pg_dump 18 from). `None`, with a note, when there is
/// none: the caller skips its comparison.
pub fn pg_restore(major: u32) -> Option<PathBuf> {
    let var = format!("TUSK_PG{major}_BIN");
    let candidates: Vec<PathBuf> = match std::env::var_os(&var) {
        Some(dir) => vec![dir.into()],
        None => {
            let cache = std::env::var_os("TUSK_PG_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| "/var/tmp/tusk-pg".into());
            let mut v = vec![PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"))];
            for root in [cache, "/tmp/pgw/x".into()] {
                let prefix = format!("postgresql-{major}.");
                let mut unpacked: Vec<PathBuf> = fs::read_dir(&root)
                    .into_iter()
                    .flatten()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .map(|e| e.path().join("bin"))
                    .collect();
                unpacked.sort();
                v.extend(unpacked);
            }
            v
        }
    };
    let found = candidates
        .iter()
        .map(|d| d.join("pg_restore"))
        .find(|exe| exe.is_file());
    if found.is_none() {
        eprintln!(
            "note: pg_restore {major} not found in {candidates:?} (set {var}); skipping the \
             pg_restore {major} comparison"
        );
    }
    found
}

/// Where upstream reads an archive from.
pub enum Input<'a> {
    /// A file or directory named on the command line.
    Path(&'a Path),
    /// These bytes on standard input, as in `tusk_dump | pg_restore`.
    Stdin(&'a [u8]),
}

/// Runs upstream `exe` with `args` on `input`, with `TZ` and `PGTZ` set to UTC (headers record
/// local times), and returns its standard output and standard error; panics, showing the
/// standard error, unless it succeeds.
pub fn run(exe: &Path, args: &[&str], input: Input<'_>) -> (Vec<u8>, Vec<u8>) {
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .env("TZ", "UTC")
        .env("PGTZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (out, from) = match input {
        Input::Path(path) => (cmd.arg(path).output().unwrap(), path.display().to_string()),
        Input::Stdin(bytes) => {
            let mut child = cmd.stdin(Stdio::piped()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let bytes = bytes.to_vec();
            // pg_restore stops reading once it has what it needs.
            let feeder = std::thread::spawn(move || match stdin.write_all(&bytes) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            });
            let out = child.wait_with_output().unwrap();
            feeder.join().unwrap().unwrap();
            (out, "from stdin".into())
        }
    };
    assert!(
        out.status.success(),
        "{} {args:?} {from}: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.stderr)
}

/// [`run`] for a run that must print nothing on standard error either; returns standard output.
pub fn run_quiet(exe: &Path, args: &[&str], input: Input<'_>) -> Vec<u8> {
    let (stdout, stderr) = run(exe, args, input);
    assert!(
        stderr.is_empty(),
        "{} {args:?}: {}",
        exe.display(),
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

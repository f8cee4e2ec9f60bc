//! The directory format (`-Fd`, archive-format.md §5): a directory holding `toc.dat` (the
//! header, with format byte 3 as in tar, and the TOC, each entry followed by the name of its
//! data file), one file per data member, and per BLOBS entry a list of large objects with one
//! file per object.
//!
//! Files are independent, so both ends are simple. The reader opens whatever file an entry
//! names, picking the decompressor from the suffix it finds on disk, as upstream does; it
//! needs only `&self` to read data, so workers can share one reader. The writer fills a
//! temporary directory beside the target, with members written in any order and by several
//! threads at once ([`DirectoryWriter::member_writer`] does not borrow the writer), and in
//! [`DirectoryWriter::finish`] writes `toc.dat`, fsyncs, and renames the directory into place;
//! a writer dropped unfinished removes its temporary directory.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::archive::{ArchiveRead, ArchiveWrite, BlobsWrite, MemberWrite};
use crate::compress::{self, CodecError, FileCompressor, FileDecompressor, file_suffix};
use crate::custom::DataSink;
use crate::custom::ParsedToc;
use crate::encoding::Encoding;
use crate::error::FormatError;
use crate::pieces::{Piece, PieceSets};
use crate::primitive::{ByteReader, What, put_str};
use crate::spill::SpillFile;
use crate::toc::{
    ArchiveFormat, ArchiveVersion, Compression, CompressionAlgorithm, DataLocation, DumpId, Toc,
    TocEntry,
};
use crate::tocfile::{self, ExtraKind, MAGIC};

/// The header's format byte in `toc.dat`: tar's, not directory's (upstream switches the format
/// to tar around ReadHead/WriteHead).
const FORMAT_CODE: u8 = 3;

const TOC_FILE: &str = "toc.dat";

/// The large-object list of archives before 1.16, whatever the TOC entry says.
const OLD_LO_TOC: &str = "blobs.toc";

const READ_BUFFER: usize = 64 * 1024;
const WRITE_BUFFER: usize = 64 * 1024;

/// Compressed input is handed to the decompressor in pieces this small, so that what one
/// piece expands to stays bounded (deflate expands at most about 1000 times).
const INFLATE_PIECE: usize = 4096;

/// Upstream's MAXPGPATH: a large-object list line is read into a buffer of this size.
const MAXPGPATH: usize = 1024;

/// The suffixes tried, in upstream's order, when the plain name does not exist.
const DISCOVERED: [CompressionAlgorithm; 3] = [
    CompressionAlgorithm::Gzip,
    CompressionAlgorithm::Lz4,
    CompressionAlgorithm::Zstd,
];

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn file_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FormatError {
    let path = shown(path);
    move |source| FormatError::File {
        action,
        path,
        source,
    }
}

/// `path` with a compression suffix appended (not replacing an extension).
fn with_suffix(path: &Path, algorithm: CompressionAlgorithm) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(file_suffix(algorithm));
    PathBuf::from(name)
}

/// Opens a file the way upstream's InitDiscoverCompressFileHandle does: a name ending in a
/// compression suffix is read with that codec; otherwise the plain name if it exists, else the
/// first of `.gz`, `.lz4`, `.zst` that exists. The error is the plain name's.
fn open_discovered(path: &Path) -> io::Result<(File, PathBuf, CompressionAlgorithm)> {
    let bytes = path.as_os_str().as_bytes();
    let named = DISCOVERED
        .into_iter()
        .find(|a| bytes.ends_with(file_suffix(*a).as_bytes()));
    if let Some(algorithm) = named {
        return Ok((File::open(path)?, path.to_owned(), algorithm));
    }
    if fs::metadata(path).is_err() {
        for algorithm in DISCOVERED {
            let candidate = with_suffix(path, algorithm);
            if candidate.try_exists().unwrap_or(false) {
                return Ok((File::open(&candidate)?, candidate, algorithm));
            }
        }
    }
    Ok((
        File::open(path)?,
        path.to_owned(),
        CompressionAlgorithm::None,
    ))
}

/// Whether `name` stays inside the archive directory. Upstream opens whatever the archive
/// says; an archive must not make a restore read `../../etc/shadow` into a table.
fn is_plain_name(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/') && !name.contains(&0)
}

/// Whether `dir` holds a regular `toc.dat` (or a compressed one), pg_restore's test for a
/// directory archive when no format is given.
pub fn is_archive_dir(dir: &Path) -> bool {
    let toc = dir.join(TOC_FILE);
    std::iter::once(toc.clone())
        .chain(DISCOVERED.into_iter().map(|a| with_suffix(&toc, a)))
        .any(|p| fs::metadata(p).is_ok_and(|m| m.is_file()))
}

/// A file read through its decompressor, for `toc.dat` and the large-object lists, which are
/// parsed rather than streamed.
struct Decoded {
    file: File,
    codec: Option<FileDecompressor>,
    out: Vec<u8>,
    pos: usize,
}

impl Decoded {
    fn new(file: File, algorithm: CompressionAlgorithm) -> Result<Self, CodecError> {
        Ok(Decoded {
            file,
            codec: Some(FileDecompressor::new(algorithm)?),
            out: Vec::new(),
            pos: 0,
        })
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            let Some(codec) = &mut self.codec else {
                return Ok(0);
            };
            self.out.clear();
            self.pos = 0;
            let mut input = [0u8; INFLATE_PIECE];
            let n = match self.file.read(&mut input) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let out = &mut self.out;
            let mut push = |bytes: &[u8]| {
                out.extend_from_slice(bytes);
                Ok(())
            };
            if n == 0 {
                if let Some(codec) = self.codec.take() {
                    codec.finish(&mut push).map_err(io::Error::other)?;
                }
            } else {
                codec
                    .feed(&input[..n], &mut push)
                    .map_err(io::Error::other)?;
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads a directory archive.
pub struct DirectoryReader {
    dir: PathBuf,
    parsed: Arc<ParsedToc>,
    warnings: Vec<String>,
}

impl DirectoryReader {
    /// Reads `toc.dat` (or `toc.dat.gz`, `.lz4`, `.zst`) of the archive in `dir`.
    pub fn open(dir: &Path) -> Result<Self, FormatError> {
        if dir.as_os_str().is_empty() {
            return Err(FormatError::NoDirectory);
        }
        let toc_path = dir.join(TOC_FILE);
        let (file, real, algorithm) = open_discovered(&toc_path)
            .map_err(file_error("could not open input file", &toc_path))?;
        // The size bounds lengths before they are allocated; only known for a plain file.
        let end = match algorithm {
            CompressionAlgorithm::None => file.metadata().ok().map(|m| m.len()),
            _ => None,
        };
        let decoded = Decoded::new(file, algorithm).map_err(|e| FormatError::File {
            action: "could not open input file",
            path: shown(&real),
            source: io::Error::other(e),
        })?;
        let mut input = ByteReader::new(BufReader::with_capacity(READ_BUFFER, decoded), 0, end);

        let mut magic = [0u8; 5];
        input.read_bytes(&mut magic, What::Header("magic string"))?;
        if &magic != MAGIC {
            return Err(FormatError::BadMagic {
                found: magic.to_vec(),
            });
        }
        let mut warnings = Vec::new();
        let header = tocfile::read_header(&mut input, FORMAT_CODE, &mut warnings)?;
        let version = header.version;
        let (entries, facts) =
            tocfile::read_toc(&mut input, version, ExtraKind::FileName, &mut warnings)?;
        let mut toc = tocfile::decode_toc(header, entries, facts.encoding)?;
        toc.header.format = ArchiveFormat::Directory;
        Ok(DirectoryReader {
            dir: dir.to_owned(),
            parsed: ParsedToc::new(toc, facts.encoding),
            warnings,
        })
    }

    /// Another reader of the same archive, sharing this one's TOC (see [`ParsedToc`]).
    fn again(&self) -> DirectoryReader {
        DirectoryReader {
            dir: self.dir.clone(),
            parsed: Arc::clone(&self.parsed),
            warnings: Vec::new(),
        }
    }

    pub fn toc(&self) -> &Toc {
        &self.parsed.toc
    }

    /// The encoding the TOC's strings were stored in (see [`crate::encoding`]).
    pub fn encoding(&self) -> Encoding {
        self.parsed.encoding
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Upstream's warnings about the header and TOC (WITH OIDS entries, large integers).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// `_PrepParallelRestore`: each entry's file as stored (compressed or not), a BLOBS
    /// entry's list of large objects × 1024.
    pub fn data_sizes(&self) -> HashMap<DumpId, u64> {
        self.parsed
            .toc
            .entries
            .iter()
            .filter_map(|e| {
                let DataLocation::File(name) = &e.data else {
                    return None;
                };
                let path = self.member_path(e.dump_id, name.as_bytes()).ok()?;
                let (file, _, _) = open_discovered(&path).ok()?;
                let size = file.metadata().ok()?.len();
                Some((
                    e.dump_id,
                    if e.desc == "BLOBS" { size * 1024 } else { size },
                ))
            })
            .collect()
    }

    /// Streams the data of one entry into `sink`: its file, or for a BLOBS entry each large
    /// object in its list. An entry without a file name gives nothing, as in upstream.
    /// Entries are independent files, so any order works and readers may run in parallel.
    pub fn read_data(&self, dump_id: DumpId, sink: &mut dyn DataSink) -> Result<(), FormatError> {
        let &index = self
            .parsed
            .by_id
            .get(&dump_id)
            .ok_or(FormatError::NoSuchEntry(dump_id))?;
        let entry = &self.parsed.toc.entries[index];
        let name = match &entry.data {
            DataLocation::File(name) => name.as_str(),
            _ => return Ok(()),
        };
        if entry.desc == "BLOBS" {
            // Before 1.16 there was one BLOBS entry and its list was always "blobs.toc",
            // whatever the entry said (upstream 18 reads it so too).
            let list = if self.parsed.toc.header.version < ArchiveVersion::V1_16 {
                OLD_LO_TOC
            } else {
                name
            };
            return self.load_los(dump_id, list, sink);
        }
        let path = self.member_path(dump_id, name.as_bytes())?;
        self.stream_file(dump_id, &path, &mut |bytes| sink.data(bytes))
    }

    fn member_path(&self, dump_id: DumpId, name: &[u8]) -> Result<PathBuf, FormatError> {
        if !is_plain_name(name) {
            return Err(FormatError::BadFileName {
                dump_id,
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        Ok(self.dir.join(OsStr::from_bytes(name)))
    }

    /// Decompresses one file into `out`, a bounded piece at a time.
    fn stream_file(
        &self,
        dump_id: DumpId,
        path: &Path,
        out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<(), FormatError> {
        let (mut file, real, algorithm) =
            open_discovered(path).map_err(file_error("could not open input file", path))?;
        let codec_error = |e: CodecError| match e {
            CodecError::Output(source) => FormatError::Sink { dump_id, source },
            source => FormatError::FileCodec {
                dump_id,
                path: shown(&real),
                source,
            },
        };
        let mut codec = FileDecompressor::new(algorithm).map_err(codec_error)?;
        let piece = match algorithm {
            CompressionAlgorithm::None => READ_BUFFER,
            _ => INFLATE_PIECE,
        };
        let mut buf = vec![0u8; READ_BUFFER];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(FormatError::File {
                        action: "could not read from input file",
                        path: shown(&real),
                        source,
                    });
                }
            };
            for bytes in buf[..n].chunks(piece) {
                codec.feed(bytes, out).map_err(codec_error)?;
            }
        }
        codec.finish(out).map_err(codec_error)
    }

    /// Restores the large objects listed in one BLOBS entry's list file (`_LoadLOs`).
    fn load_los(
        &self,
        dump_id: DumpId,
        list: &str,
        sink: &mut dyn DataSink,
    ) -> Result<(), FormatError> {
        let list_path = self.member_path(dump_id, list.as_bytes())?;
        let (file, real, algorithm) =
            open_discovered(&list_path).map_err(|source| FormatError::OpenLoToc {
                path: shown(&list_path),
                source,
            })?;
        let decoded = Decoded::new(file, algorithm).map_err(|source| FormatError::FileCodec {
            dump_id,
            path: shown(&real),
            source,
        })?;
        let mut lines = BufReader::with_capacity(READ_BUFFER, decoded);
        let mut line = Vec::with_capacity(MAXPGPATH);
        loop {
            line.clear();
            let complete = read_line(&mut lines, &mut line, MAXPGPATH - 1).map_err(|source| {
                FormatError::File {
                    action: "error reading large object TOC file",
                    path: shown(&real),
                    source,
                }
            })?;
            if line.is_empty() {
                return Ok(());
            }
            let bad_line = || FormatError::BadLoTocLine {
                path: shown(&list_path),
                line: String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(&line))
                    .into_owned(),
            };
            // Upstream reads long lines in pieces and so misreads them; no real line is long.
            if !complete {
                return Err(bad_line());
            }
            let (oid, name) = parse_lo_line(&line).ok_or_else(bad_line)?;
            if !is_plain_name(name) {
                return Err(bad_line());
            }
            let path = self.dir.join(OsStr::from_bytes(name));
            sink.start_lo(oid)
                .map_err(|source| FormatError::Sink { dump_id, source })?;
            self.stream_file(dump_id, &path, &mut |bytes| sink.data(bytes))?;
            sink.end_lo()
                .map_err(|source| FormatError::Sink { dump_id, source })?;
        }
    }
}

/// Reads one line (through its `\n`) into `line`, at most `max` bytes; false when the line
/// was longer. An empty `line` means the end of the input.
fn read_line<R: BufRead>(r: &mut R, line: &mut Vec<u8>, max: usize) -> io::Result<bool> {
    loop {
        let buf = match r.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(true);
        }
        let room = max - line.len();
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) if i < room => (i + 1, true),
            _ => (buf.len().min(room), false),
        };
        line.extend_from_slice(&buf[..take]);
        r.consume(take);
        if done {
            return Ok(true);
        }
        if line.len() == max {
            return Ok(false);
        }
    }
}

/// C's isspace in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A large-object list line as upstream's `sscanf(line, "%u %1024s\n", ...)` reads it: an
/// OID (leading blanks and a sign allowed), blanks, a file name. OID 0 and numbers that do
/// not fit are refused (upstream would fail later, restoring them).
fn parse_lo_line(line: &[u8]) -> Option<(u32, &[u8])> {
    let skip_space = |s: &[u8]| s.iter().position(|&b| !is_c_space(b)).unwrap_or(s.len());
    let mut rest = &line[skip_space(line)..];
    let mut negative = false;
    if let Some((&sign @ (b'+' | b'-'), tail)) = rest.split_first() {
        negative = sign == b'-';
        rest = tail;
    }
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let value: u32 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let oid = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    rest = &rest[digits..];
    rest = &rest[skip_space(rest)..];
    let len = rest.iter().take_while(|&&b| !is_c_space(b)).count();
    if oid == 0 || len == 0 || len > MAXPGPATH {
        return None;
    }
    Some((oid, &rest[..len]))
}

impl ArchiveRead for DirectoryReader {
    fn toc(&self) -> &Toc {
        DirectoryReader::toc(self)
    }

    fn format(&self) -> ArchiveFormat {
        ArchiveFormat::Directory
    }

    fn read_data(&mut self, dump_id: DumpId, sink: &mut dyn DataSink) -> Result<(), FormatError> {
        DirectoryReader::read_data(self, dump_id, sink)
    }

    fn warnings(&self) -> &[String] {
        DirectoryReader::warnings(self)
    }

    fn data_sizes(&self) -> HashMap<DumpId, u64> {
        DirectoryReader::data_sizes(self)
    }

    fn reopener(&self, _path: Option<&str>) -> crate::archive::Reopener {
        let template = self.again();
        Box::new(move || Ok(Box::new(template.again()) as Box<dyn ArchiveRead>))
    }
}

// ---- writing ----

/// What the TOC stores as an entry's file name (`_ArchiveEntry`): the large-object list for
/// BLOBS (named per archive version), `<dumpId>.dat` for other entries with data, else "".
fn toc_file_name(e: &TocEntry, version: ArchiveVersion) -> String {
    if e.desc == "BLOBS" {
        if version >= ArchiveVersion::V1_16 {
            format!("blobs_{}.toc", e.dump_id)
        } else {
            OLD_LO_TOC.to_owned()
        }
    } else if e.had_dumper {
        format!("{}.dat", e.dump_id)
    } else {
        String::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Pending,
    Open,
    Done,
}

struct Member {
    blobs: bool,
    progress: Progress,
}

struct WriterState {
    /// Every entry; `None` for those without data.
    members: HashMap<DumpId, Option<Member>>,
    /// The writer was dropped unfinished and its directory removed.
    abandoned: bool,
}

/// What the writer and its member writers share.
struct Shared {
    temp: PathBuf,
    version: ArchiveVersion,
    compression: Compression,
    sync: AtomicBool,
    state: Mutex<WriterState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, WriterState> {
        // A panic elsewhere while holding the lock leaves the state consistent: every update
        // is a single assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sync(&self) -> bool {
        self.sync.load(Ordering::Relaxed)
    }

    /// Marks a member as being written, checking it may be.
    fn claim(&self, dump_id: DumpId, blobs: bool) -> Result<(), FormatError> {
        let mut state = self.lock();
        if state.abandoned {
            return Err(FormatError::unwritable("the archive was abandoned"));
        }
        let member = match state.members.get_mut(&dump_id) {
            None => return Err(FormatError::NoSuchEntry(dump_id)),
            Some(None) => {
                return Err(FormatError::unwritable(format!(
                    "entry {dump_id} has no data (hadDumper is false)"
                )));
            }
            Some(Some(m)) => m,
        };
        if member.blobs != blobs {
            return Err(FormatError::unwritable(if member.blobs {
                format!("entry {dump_id} is a BLOBS entry: write its large objects with blobs()")
            } else {
                format!("entry {dump_id} is not a BLOBS entry: it holds no large objects")
            }));
        }
        match member.progress {
            Progress::Pending => {
                member.progress = Progress::Open;
                Ok(())
            }
            Progress::Open => Err(FormatError::unwritable(format!(
                "the data of entry {dump_id} is already being written"
            ))),
            Progress::Done => Err(FormatError::unwritable(format!(
                "the data of entry {dump_id} was already written"
            ))),
        }
    }

    fn release(&self, dump_id: DumpId, done: bool) -> Result<(), FormatError> {
        let mut state = self.lock();
        if let Some(Some(m)) = state.members.get_mut(&dump_id) {
            m.progress = if done {
                Progress::Done
            } else {
                Progress::Pending
            };
        }
        if done && state.abandoned {
            return Err(FormatError::unwritable("the archive was abandoned"));
        }
        Ok(())
    }

    /// A new file in the temporary directory; never replaces one.
    fn create(&self, name: &str) -> Result<(PathBuf, BufWriter<File>), FormatError> {
        let path = self.temp.join(name);
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(file_error("could not open output file", &path))?;
        Ok((path, BufWriter::with_capacity(WRITE_BUFFER, file)))
    }

    /// Flushes and closes a finished file, fsyncing it if asked.
    fn close(&self, path: &Path, file: BufWriter<File>) -> Result<(), FormatError> {
        let file = file
            .into_inner()
            .map_err(|e| file_error("could not write to output file", path)(e.into_error()))?;
        if self.sync() {
            file.sync_all()
                .map_err(file_error("could not fsync file", path))?;
        }
        Ok(())
    }

    fn compressor(&self, dump_id: DumpId, path: &Path) -> Result<FileCompressor, FormatError> {
        FileCompressor::new(self.compression).map_err(|source| FormatError::FileCodec {
            dump_id,
            path: shown(path),
            source,
        })
    }
}

/// Compresses `buf` into `file`, with errors as `Write` reports them.
fn compress_into(
    compressor: &mut FileCompressor,
    file: &mut BufWriter<File>,
    buf: &[u8],
    dump_id: DumpId,
    path: &Path,
) -> io::Result<()> {
    compressor
        .write(buf, &mut |bytes| file.write_all(bytes))
        .map_err(|e| match e {
            CodecError::Output(e) => e,
            source => io::Error::other(FormatError::FileCodec {
                dump_id,
                path: shown(path),
                source,
            }),
        })
}

/// Ends a compressed file and closes it.
fn finish_file(
    shared: &Shared,
    compressor: FileCompressor,
    mut file: BufWriter<File>,
    dump_id: DumpId,
    path: &Path,
) -> Result<(), FormatError> {
    compressor
        .finish(&mut |bytes| file.write_all(bytes))
        .map_err(|e| match e {
            CodecError::Output(source) => {
                file_error("could not write to output file", path)(source)
            }
            source => FormatError::FileCodec {
                dump_id,
                path: shown(path),
                source,
            },
        })?;
    shared.close(path, file)
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes a directory archive. See the module documentation for the order of events.
pub struct DirectoryWriter {
    shared: Arc<Shared>,
    /// Where the finished directory goes (the existing empty directory's real path, if any).
    target: PathBuf,
    /// The target as the caller named it, for messages.
    shown_target: String,
    toc_bytes: Vec<u8>,
    /// Entries with data, in TOC order, for messages about missing members.
    order: Vec<DumpId>,
    committed: bool,
    /// Pieces of split members waiting for the rest of their member.
    pieces: PieceSets<SpillFile>,
}

impl DirectoryWriter {
    /// Checks the TOC and the target, and creates the temporary directory. The target must
    /// not exist or be an empty directory (pg_dump's rule); the archive version, compression
    /// and encoding are the TOC's. Files are fsynced unless [`set_sync`](Self::set_sync)
    /// says otherwise.
    pub fn create(path: &Path, toc: &Toc) -> Result<Self, FormatError> {
        if path.as_os_str().is_empty() {
            return Err(FormatError::NoDirectory);
        }
        let version = toc.header.version;
        tocfile::check_writable(toc)?;
        compress::check_supported(toc.header.compression)
            .map_err(|e| FormatError::unwritable(e.to_string()))?;
        let encoding = Encoding::of_toc(toc)?;
        tocfile::check_special_entries(toc)?;
        if version < ArchiveVersion::V1_16
            && toc.entries.iter().filter(|e| e.desc == "BLOBS").count() > 1
        {
            return Err(FormatError::unwritable(format!(
                "archive version {version} can hold only one BLOBS entry in a directory archive \
                 (its readers read \"{OLD_LO_TOC}\" for every one)"
            )));
        }

        let mut toc_bytes = Vec::new();
        tocfile::write_header(&mut toc_bytes, &toc.header, FORMAT_CODE, encoding)?;
        tocfile::write_toc(&mut toc_bytes, toc, encoding, &mut |e, buf| {
            let id = e.dump_id;
            put_str(buf, Some(toc_file_name(e, version).as_bytes()), &|| {
                format!("file name of TOC entry {id}")
            })
        })?;

        let mut members = HashMap::with_capacity(toc.entries.len());
        let mut order = Vec::new();
        for e in &toc.entries {
            let member = e.had_dumper.then(|| Member {
                blobs: e.desc == "BLOBS",
                progress: Progress::Pending,
            });
            if member.is_some() {
                order.push(e.dump_id);
            }
            members.insert(e.dump_id, member);
        }

        let shown_target = shown(path);
        let target = match fs::read_dir(path) {
            Ok(mut listing) => match listing.next() {
                None => {
                    fs::canonicalize(path).map_err(file_error("could not open directory", path))?
                }
                Some(Ok(_)) => return Err(FormatError::DirectoryNotEmpty(shown_target)),
                Some(Err(e)) => return Err(file_error("could not read directory", path)(e)),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => path.to_owned(),
            Err(e) => return Err(file_error("could not open directory", path)(e)),
        };
        let temp = temp_dir_name(&target).ok_or_else(|| {
            file_error("could not create directory", path)(io::ErrorKind::InvalidInput.into())
        })?;
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&temp)
            .map_err(file_error("could not create directory", path))?;
        crate::output::register_unfinished(&temp);

        Ok(DirectoryWriter {
            shared: Arc::new(Shared {
                temp,
                version,
                compression: toc.header.compression,
                sync: AtomicBool::new(true),
                state: Mutex::new(WriterState {
                    members,
                    abandoned: false,
                }),
            }),
            target,
            shown_target,
            toc_bytes,
            order,
            committed: false,
            pieces: PieceSets::default(),
        })
    }

    /// Whether files and directories are fsynced (pg_dump's default; `--no-sync` turns it
    /// off). Applies to members finished afterwards and to [`finish`](Self::finish).
    pub fn set_sync(&mut self, sync: bool) {
        self.shared.sync.store(sync, Ordering::Relaxed);
    }

    /// Where the files are written until `finish` moves them into place.
    pub fn temp_dir(&self) -> &Path {
        &self.shared.temp
    }

    /// Starts the data file of an entry with data (not BLOBS). The writer it returns owns its
    /// file and does not borrow `self`, so members can be written by several threads at once,
    /// in any order. Dropping it unfinished removes the file, and the member may be started
    /// again.
    pub fn member_writer(&self, dump_id: DumpId) -> Result<DirMemberWriter, FormatError> {
        self.shared.claim(dump_id, false)?;
        let name = format!(
            "{dump_id}.dat{}",
            file_suffix(self.shared.compression.algorithm)
        );
        let opened = self.shared.create(&name).and_then(|(path, file)| {
            let compressor = self.shared.compressor(dump_id, &path)?;
            Ok((path, file, compressor))
        });
        match opened {
            Ok((path, file, compressor)) => Ok(DirMemberWriter {
                shared: Arc::clone(&self.shared),
                dump_id,
                path,
                open: Some((file, compressor)),
            }),
            Err(e) => {
                let _ = fs::remove_file(self.shared.temp.join(&name));
                self.shared.release(dump_id, false)?;
                Err(e)
            }
        }
    }

    /// Writes one piece of a split data member, compressed on its own (gzip members, lz4 and
    /// zstd frames and plain bytes all read as one when concatenated) into a spill file; the
    /// last piece to finish writes the member's file from all of them, in order.
    pub fn write_member_piece<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        piece: Piece,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        let temp = &self.shared.temp;
        let file = SpillFile::create(temp).map_err(FormatError::TempFile)?;
        let compressor = self.shared.compressor(dump_id, temp)?;
        let mut out = PieceOut {
            file,
            compressor,
            dump_id,
            path: temp.clone(),
        };
        crate::member_thread::write_through_thread(&mut out, fill)?;
        let PieceOut {
            mut file,
            compressor,
            ..
        } = out;
        compressor
            .finish(&mut |bytes| file.file.write_all(bytes))
            .map_err(|e| match e {
                CodecError::Output(source) => FormatError::TempFile(source),
                source => FormatError::FileCodec {
                    dump_id,
                    path: shown(temp),
                    source,
                },
            })?;
        match self.pieces.add(dump_id, piece, file) {
            Some(all) => Ok(self.member_from_pieces(dump_id, all)?),
            None => Ok(()),
        }
    }

    fn member_from_pieces(
        &self,
        dump_id: DumpId,
        pieces: Vec<SpillFile>,
    ) -> Result<(), FormatError> {
        self.shared.claim(dump_id, false)?;
        let name = format!(
            "{dump_id}.dat{}",
            file_suffix(self.shared.compression.algorithm)
        );
        let written = self.shared.create(&name).and_then(|(path, mut file)| {
            for mut piece in pieces {
                let part = piece.rewind().map_err(FormatError::TempFile)?;
                io::copy(part, &mut file)
                    .map_err(file_error("could not write to output file", &path))?;
            }
            self.shared.close(&path, file)
        });
        if written.is_err() {
            let _ = fs::remove_file(self.shared.temp.join(&name));
        }
        self.shared.release(dump_id, written.is_ok())?;
        written
    }

    /// Starts the large objects of a BLOBS entry: their list file and, per object, its data
    /// file. Like [`member_writer`](Self::member_writer), independent of `self`.
    pub fn blobs_writer(&self, dump_id: DumpId) -> Result<DirBlobsWriter, FormatError> {
        self.shared.claim(dump_id, true)?;
        let list_name = if self.shared.version >= ArchiveVersion::V1_16 {
            format!("blobs_{dump_id}.toc")
        } else {
            OLD_LO_TOC.to_owned()
        };
        match self.shared.create(&list_name) {
            Ok((list_path, list)) => Ok(DirBlobsWriter {
                shared: Arc::clone(&self.shared),
                dump_id,
                list_path,
                list: Some(list),
                current: None,
                written: Vec::new(),
                done: false,
            }),
            Err(e) => {
                self.shared.release(dump_id, false)?;
                Err(e)
            }
        }
    }

    /// Ends the archive: every entry with data must have been written. Writes `toc.dat`,
    /// fsyncs (if asked) the files and the directory, and renames the directory into place.
    pub fn finish(mut self) -> Result<(), FormatError> {
        {
            let state = self.shared.lock();
            for id in &self.order {
                match state.members.get(id) {
                    Some(Some(Member {
                        progress: Progress::Open,
                        ..
                    })) => {
                        return Err(FormatError::unwritable(format!(
                            "the data of entry {id} was not finished"
                        )));
                    }
                    Some(Some(Member {
                        progress: Progress::Pending,
                        ..
                    })) => {
                        return Err(FormatError::unwritable(format!(
                            "the data of entry {id} was never written; pg_restore would fail \
                             to open its file"
                        )));
                    }
                    _ => {}
                }
            }
        }
        let (toc_path, mut toc_file) = self.shared.create(TOC_FILE)?;
        toc_file
            .write_all(&self.toc_bytes)
            .map_err(file_error("could not write to output file", &toc_path))?;
        self.shared.close(&toc_path, toc_file)?;
        let sync = self.shared.sync();
        if sync {
            sync_dir(&self.shared.temp)?;
        }
        fs::rename(&self.shared.temp, &self.target).map_err(|source| FormatError::File {
            action: "could not move the finished archive into place as",
            path: self.shown_target.clone(),
            source,
        })?;
        crate::output::forget_unfinished(&self.shared.temp);
        self.committed = true;
        if sync {
            if let Some(parent) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<(), FormatError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(file_error("could not fsync directory", dir))
}

/// A hidden name beside `target`, unique in this process.
fn temp_dir_name(target: &Path) -> Option<PathBuf> {
    let name = target.file_name()?.to_string_lossy();
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    Some(target.with_file_name(format!(".{name}.tusk-{}-{n}.tmp", std::process::id())))
}

impl Drop for DirectoryWriter {
    fn drop(&mut self) {
        if !self.committed {
            self.shared.lock().abandoned = true;
            let _ = fs::remove_dir_all(&self.shared.temp);
            crate::output::forget_unfinished(&self.shared.temp);
        }
    }
}

/// Writes one data file. Call [`finish`](Self::finish); dropping it removes the file.
pub struct DirMemberWriter {
    shared: Arc<Shared>,
    dump_id: DumpId,
    path: PathBuf,
    /// Until `finish`.
    open: Option<(BufWriter<File>, FileCompressor)>,
}

impl DirMemberWriter {
    /// Ends the compressed file, closes it (fsyncing it if the archive is synced) and marks
    /// the member written.
    pub fn finish(mut self) -> Result<(), FormatError> {
        let Some((file, compressor)) = self.open.take() else {
            return Ok(());
        };
        let result = finish_file(&self.shared, compressor, file, self.dump_id, &self.path);
        if result.is_err() {
            let _ = fs::remove_file(&self.path);
            self.shared.release(self.dump_id, false)?;
            return result;
        }
        self.shared.release(self.dump_id, true)
    }
}

impl Write for DirMemberWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some((file, compressor)) = &mut self.open else {
            return Err(io::Error::other("data member already finished"));
        };
        compress_into(compressor, file, buf, self.dump_id, &self.path)?;
        Ok(buf.len())
    }

    /// Flushes what is already compressed to the file. The compressor is not flushed: that
    /// would change the compressed stream.
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.open {
            Some((file, _)) => file.flush(),
            None => Ok(()),
        }
    }
}

/// A piece of a split member being compressed into its spill file.
struct PieceOut {
    file: SpillFile,
    compressor: FileCompressor,
    dump_id: DumpId,
    /// The temporary directory, for messages.
    path: PathBuf,
}

impl Write for PieceOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        compress_into(
            &mut self.compressor,
            &mut self.file.file,
            buf,
            self.dump_id,
            &self.path,
        )?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.file.flush()
    }
}

impl Drop for DirMemberWriter {
    fn drop(&mut self) {
        if self.open.take().is_some() {
            let _ = fs::remove_file(&self.path);
            let _ = self.shared.release(self.dump_id, false);
        }
    }
}

/// Writes the large objects of one BLOBS entry: for each, `start_lo`, the bytes (through
/// `Write`), `end_lo`; then `finish`. Dropping it unfinished removes its files.
pub struct DirBlobsWriter {
    shared: Arc<Shared>,
    dump_id: DumpId,
    list_path: PathBuf,
    list: Option<BufWriter<File>>,
    current: Option<OpenLo>,
    /// Objects whose files this writer made, to remove them if it is dropped unfinished.
    written: Vec<u32>,
    done: bool,
}

struct OpenLo {
    oid: u32,
    path: PathBuf,
    file: BufWriter<File>,
    compressor: FileCompressor,
}

impl DirBlobsWriter {
    fn lo_file_name(&self, oid: u32) -> String {
        format!(
            "blob_{oid}.dat{}",
            file_suffix(self.shared.compression.algorithm)
        )
    }

    pub fn start_lo(&mut self, oid: u32) -> Result<(), FormatError> {
        if let Some(open) = &self.current {
            return Err(FormatError::unwritable(format!(
                "large object {} was not ended before large object {oid} began",
                open.oid
            )));
        }
        if oid == 0 {
            return Err(FormatError::unwritable("invalid OID for large object"));
        }
        let (path, file) = self.shared.create(&self.lo_file_name(oid))?;
        self.written.push(oid);
        let compressor = self.shared.compressor(self.dump_id, &path)?;
        self.current = Some(OpenLo {
            oid,
            path,
            file,
            compressor,
        });
        Ok(())
    }

    /// Ends the object's file and lists it (`<oid> blob_<oid>.dat`, never with the suffix).
    pub fn end_lo(&mut self) -> Result<(), FormatError> {
        let Some(lo) = self.current.take() else {
            return Err(FormatError::unwritable("end_lo without start_lo"));
        };
        finish_file(&self.shared, lo.compressor, lo.file, self.dump_id, &lo.path)?;
        let Some(list) = &mut self.list else {
            return Err(FormatError::unwritable("large objects already finished"));
        };
        writeln!(list, "{} blob_{}.dat", lo.oid, lo.oid).map_err(file_error(
            "could not write to output file",
            &self.list_path,
        ))
    }

    /// Ends the list and the member.
    pub fn finish(mut self) -> Result<(), FormatError> {
        if let Some(lo) = &self.current {
            return Err(FormatError::unwritable(format!(
                "large object {} was not ended",
                lo.oid
            )));
        }
        let Some(list) = self.list.take() else {
            return Ok(());
        };
        self.shared.close(&self.list_path, list)?;
        self.done = true;
        self.shared.release(self.dump_id, true)
    }
}

impl Write for DirBlobsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(lo) = &mut self.current else {
            return Err(io::Error::other(
                "large object data written outside start_lo/end_lo",
            ));
        };
        compress_into(
            &mut lo.compressor,
            &mut lo.file,
            buf,
            self.dump_id,
            &lo.path,
        )?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.current {
            Some(lo) => lo.file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for DirBlobsWriter {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.current = None;
        self.list = None;
        for &oid in &self.written {
            let _ = fs::remove_file(self.shared.temp.join(self.lo_file_name(oid)));
        }
        let _ = fs::remove_file(&self.list_path);
        let _ = self.shared.release(self.dump_id, false);
    }
}

impl MemberWrite for DirMemberWriter {
    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        DirMemberWriter::finish(*self)
    }
}

impl BlobsWrite for DirBlobsWriter {
    fn start_lo(&mut self, oid: u32) -> Result<(), FormatError> {
        DirBlobsWriter::start_lo(self, oid)
    }

    fn end_lo(&mut self) -> Result<(), FormatError> {
        DirBlobsWriter::end_lo(self)
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        DirBlobsWriter::finish(*self)
    }
}

impl ArchiveWrite for DirectoryWriter {
    fn data<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn MemberWrite + 'a>, FormatError> {
        Ok(Box::new(self.member_writer(dump_id)?))
    }

    fn blobs<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn BlobsWrite + 'a>, FormatError> {
        Ok(Box::new(self.blobs_writer(dump_id)?))
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        DirectoryWriter::finish(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toc::Compression;

    #[test]
    fn lo_lines_parse_like_sscanf() {
        let ok = |line: &[u8]| parse_lo_line(line).map(|(oid, name)| (oid, name.to_vec()));
        assert_eq!(
            ok(b"16500 blob_16500.dat\n"),
            Some((16500, b"blob_16500.dat".to_vec()))
        );
        assert_eq!(ok(b" \t+5\x0bx y\n"), Some((5, b"x".to_vec())));
        // %u takes a sign and wraps, like strtoul.
        assert_eq!(ok(b"-1 x"), Some((u32::MAX, b"x".to_vec())));
        assert_eq!(ok(b"4294967295 x"), Some((u32::MAX, b"x".to_vec())));
        assert_eq!(ok(b"4294967296 x"), None);
        assert_eq!(ok(b"7"), None);
        assert_eq!(ok(b"7 \n"), None);
        assert_eq!(ok(b"0 x"), None);
        assert_eq!(ok(b"x 7"), None);
        assert_eq!(ok(b""), None);
        let name = vec![b'n'; MAXPGPATH];
        let mut line = b"1 ".to_vec();
        line.extend_from_slice(&name);
        assert_eq!(ok(&line), Some((1, name)));
        line.push(b'n');
        assert_eq!(ok(&line), None);
    }

    #[test]
    fn lines_are_capped() {
        let mut input = &b"ab\ncdefg\nh"[..];
        let mut line = Vec::new();
        assert!(read_line(&mut input, &mut line, 4).unwrap());
        assert_eq!(line, b"ab\n");
        line.clear();
        assert!(!read_line(&mut input, &mut line, 4).unwrap());
        assert_eq!(line, b"cdef");
        line.clear();
        let mut input = &b"h"[..];
        assert!(read_line(&mut input, &mut line, 4).unwrap());
        assert_eq!(line, b"h");
        line.clear();
        assert!(read_line(&mut input, &mut line, 4).unwrap());
        assert!(line.is_empty(), "end of input");
        // A newline exactly at the cap does not fit.
        let mut input = &b"abcd\n"[..];
        assert!(!read_line(&mut input, &mut line, 4).unwrap());
    }

    #[test]
    fn plain_names() {
        for good in [&b"3346.dat"[..], b"blobs.toc", b"..x", b"a b"] {
            assert!(is_plain_name(good), "{good:?}");
        }
        for bad in [
            &b""[..],
            b".",
            b"..",
            b"../x",
            b"a/b",
            b"/etc/passwd",
            b"a\0b",
        ] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn toc_file_names() {
        let mut e = TocEntry::new(7, "TABLE DATA", "t", crate::toc::Section::Data);
        assert_eq!(toc_file_name(&e, ArchiveVersion::V1_16), "");
        e.had_dumper = true;
        assert_eq!(toc_file_name(&e, ArchiveVersion::V1_14), "7.dat");
        e.desc = "BLOBS".into();
        assert_eq!(toc_file_name(&e, ArchiveVersion::V1_15), "blobs.toc");
        assert_eq!(toc_file_name(&e, ArchiveVersion::V1_16), "blobs_7.toc");
    }

    #[test]
    fn discovery_order() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("1.dat");
        let found = |p: &Path| open_discovered(p).map(|(_, path, alg)| (path, alg));
        assert_eq!(found(&base).unwrap_err().kind(), io::ErrorKind::NotFound);
        fs::write(dir.path().join("1.dat.zst"), b"").unwrap();
        assert_eq!(
            found(&base).unwrap(),
            (
                with_suffix(&base, CompressionAlgorithm::Zstd),
                CompressionAlgorithm::Zstd
            )
        );
        fs::write(dir.path().join("1.dat.lz4"), b"").unwrap();
        assert_eq!(found(&base).unwrap().1, CompressionAlgorithm::Lz4);
        fs::write(dir.path().join("1.dat.gz"), b"").unwrap();
        assert_eq!(found(&base).unwrap().1, CompressionAlgorithm::Gzip);
        fs::write(&base, b"").unwrap();
        assert_eq!(
            found(&base).unwrap(),
            (base.clone(), CompressionAlgorithm::None)
        );
        // A name with a suffix is read with that codec, even with no suffix discovery.
        let named = dir.path().join("1.dat.gz");
        assert_eq!(
            found(&named).unwrap(),
            (named.clone(), CompressionAlgorithm::Gzip)
        );
        assert!(!is_archive_dir(dir.path()));
        fs::write(dir.path().join("toc.dat.zst"), b"").unwrap();
        assert!(is_archive_dir(dir.path()));
    }

    fn gzip_file(c: Compression, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut push = |b: &[u8]| {
            out.extend_from_slice(b);
            Ok(())
        };
        let mut z = FileCompressor::new(c).unwrap();
        z.write(data, &mut push).unwrap();
        z.finish(&mut push).unwrap();
        out
    }

    /// Decompresses `file` fed in pieces of `piece` bytes.
    fn gunzip(file: &[u8], piece: usize) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::new();
        let mut push = |b: &[u8]| {
            out.extend_from_slice(b);
            Ok(())
        };
        let mut d = FileDecompressor::new(CompressionAlgorithm::Gzip)?;
        for p in file.chunks(piece.max(1)) {
            d.feed(p, &mut push)?;
        }
        d.finish(&mut push)?;
        Ok(out)
    }

    #[test]
    fn gzip_files_are_what_gzopen_writes() {
        // An empty file is still one member: header, empty deflate block, CRC 0, length 0.
        assert_eq!(
            gzip_file(Compression::GZIP_DEFAULT, b""),
            [
                0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0
            ]
        );
        // The golden 3347.dat.gz of pg_dump 15 and 18: `\.` and three newlines.
        assert_eq!(
            gzip_file(Compression::GZIP_DEFAULT, b"\\.\n\n\n"),
            [
                0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x8b, 0xd1, 0xe3, 0xe2,
                0xe2, 0x02, 0x00, 0x98, 0x89, 0x81, 0x6c, 0x05, 0x00, 0x00, 0x00
            ]
        );
        assert_eq!(
            gzip_file(Compression::NONE, b"plain"),
            b"plain",
            "uncompressed files are the bytes"
        );
    }

    #[test]
    fn gzip_files_are_read_as_gzread_reads_them() {
        let data = b"a COPY payload\n".repeat(1000);
        let one = gzip_file(Compression::GZIP_DEFAULT, &data);
        for piece in [1, 2, 3, 10, 4096, one.len()] {
            assert_eq!(gunzip(&one, piece).unwrap(), data, "piece {piece}");
        }
        let mut two = one.clone();
        two.extend_from_slice(&gzip_file(Compression::GZIP_DEFAULT, b"more"));
        let mut both = data.clone();
        both.extend_from_slice(b"more");
        for piece in [1, 7, two.len()] {
            assert_eq!(gunzip(&two, piece).unwrap(), both);
        }
        // Trailing bytes that do not start a member are ignored, even a lone magic byte.
        for junk in [&b"\0"[..], b"\x1f", b"junk junk"] {
            let mut f = one.clone();
            f.extend_from_slice(junk);
            assert_eq!(gunzip(&f, 5).unwrap(), data, "{junk:?}");
        }
        // A second member cut short is an error, as in zlib.
        let mut f = one.clone();
        f.extend_from_slice(&[0x1f, 0x8b, 8]);
        assert!(gunzip(&f, 5).is_err());
        // Not gzip at all: passed through, whatever its length.
        for plain in [&b""[..], b"x", b"\x1f", b"xy", b"plain text\n"] {
            assert_eq!(gunzip(plain, 1).unwrap(), plain);
        }
        // Damage inside the member.
        let mut bad = one.clone();
        bad[12] ^= 0x55;
        assert!(matches!(gunzip(&bad, 100), Err(CodecError::Corrupt(_))));
        // A zlib stream (the custom format's framing) is not a gzip file: passed through.
        assert_eq!(gunzip(b"\x78\x9c\x03\x00", 1).unwrap(), b"\x78\x9c\x03\x00");
    }
}

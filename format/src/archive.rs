//! One face for every container format: open an archive whatever its format (detected as
//! pg_restore's `_discoverArchiveFormat` does), read its TOC and its data members.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::custom::{
    BlobsWriter, CustomReader, CustomWriter, DataMemberWriter, DataSink, stdin_file,
};
use crate::directory::{DirectoryReader, is_archive_dir};
use crate::error::FormatError;
use crate::script::{DataSource, ScriptError};
use crate::toc::{ArchiveFormat, DumpId, Toc, TocEntry};

/// A readable archive of any format.
pub trait ArchiveRead {
    fn toc(&self) -> &Toc;
    /// The container format (directory archives say 3 in their header; this says Directory).
    fn format(&self) -> ArchiveFormat;
    /// Streams one entry's data into `sink`; an entry without data streams nothing.
    fn read_data(&mut self, dump_id: DumpId, sink: &mut dyn DataSink) -> Result<(), FormatError>;
    /// Upstream's non-fatal complaints met while reading, for the caller to print.
    fn warnings(&self) -> &[String];
    /// Guesses of each data entry's size (`_PrepParallelRestore`), which parallel restore
    /// starts the biggest first by; entries the format cannot size are absent.
    fn data_sizes(&self) -> HashMap<DumpId, u64> {
        HashMap::new()
    }
    /// More readers of this archive, which was opened from `path`, for parallel workers. A
    /// custom or directory archive's readers share this one's TOC rather than each reading
    /// and holding their own.
    fn reopener(&self, path: Option<&str>) -> Reopener {
        let path = path.map(str::to_owned);
        Box::new(move || open(path.as_deref(), None))
    }
}

/// Opens another reader of one archive; see [`ArchiveRead::reopener`].
pub type Reopener = Box<dyn Fn() -> Result<Box<dyn ArchiveRead>, OpenError> + Send + Sync>;

impl<R: Read + Seek> ArchiveRead for CustomReader<R> {
    fn toc(&self) -> &Toc {
        CustomReader::toc(self)
    }

    fn format(&self) -> ArchiveFormat {
        ArchiveFormat::Custom
    }

    fn read_data(&mut self, dump_id: DumpId, sink: &mut dyn DataSink) -> Result<(), FormatError> {
        CustomReader::read_data(self, dump_id, sink)
    }

    fn warnings(&self) -> &[String] {
        CustomReader::warnings(self)
    }

    fn data_sizes(&self) -> HashMap<DumpId, u64> {
        CustomReader::data_sizes(self)
    }

    fn reopener(&self, path: Option<&str>) -> Reopener {
        let Some(path) = path.filter(|p| *p != "-").map(str::to_owned) else {
            return Box::new(|| open(None, None));
        };
        let shared = self.shared();
        Box::new(move || {
            let file = File::open(&path).map_err(|source| OpenError::Open {
                path: path.clone(),
                source,
            })?;
            let reader = CustomReader::sharing(file, shared.clone())?;
            Ok(Box::new(reader) as Box<dyn ArchiveRead>)
        })
    }
}

/// An archive is the data source of its own restore.
impl DataSource for Box<dyn ArchiveRead> {
    fn stream(&mut self, entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError> {
        self.read_data(entry.dump_id, out)
            .map_err(|e| ScriptError::Other(e.to_string()))
    }
}

/// Why an input could not be opened as an archive.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("could not open input file \"{path}\": {}", crate::output::strerror(.source))]
    Open {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("input file appears to be a text format dump. Please use psql.")]
    TextDump,
    /// Neither custom nor text, and shorter than a tar header.
    #[error("input file does not appear to be a valid archive (too short?)")]
    NotAnArchive,
    #[error("input file does not appear to be a valid tar archive")]
    NotTar,
    #[error("input file is too short (read {0}, expected 5)")]
    TooShort(usize),
    #[error("{0} archives are not supported yet")]
    Unsupported(&'static str),
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// Opens `path` (standard input when `None` or `-`), detecting the format unless `forced`.
pub fn open(
    path: Option<&str>,
    forced: Option<ArchiveFormat>,
) -> Result<Box<dyn ArchiveRead>, OpenError> {
    let path = path.filter(|p| *p != "-");
    match (path, forced) {
        (None, Some(ArchiveFormat::Directory)) => return Err(FormatError::NoDirectory.into()),
        (Some(p), Some(ArchiveFormat::Directory)) => {
            return Ok(Box::new(DirectoryReader::open(Path::new(p))?));
        }
        (Some(p), None) if Path::new(p).is_dir() => {
            if !is_archive_dir(Path::new(p)) {
                return Err(FormatError::NotDirectoryArchive(p.to_owned()).into());
            }
            return Ok(Box::new(DirectoryReader::open(Path::new(p))?));
        }
        _ => {}
    }
    let mut file = match path {
        Some(p) => File::open(p).map_err(|source| OpenError::Open {
            path: p.to_owned(),
            source,
        })?,
        None => stdin_file().map_err(|source| OpenError::Open {
            path: "-".to_owned(),
            source,
        })?,
    };
    let start = crate::primitive::position_if_seekable(&mut file);
    let seekable = start.is_some();
    let start = start.unwrap_or(0);
    let head = read_head(&mut file).map_err(|source| OpenError::Open {
        path: path.unwrap_or("-").to_owned(),
        source,
    })?;
    let format = match forced {
        Some(f) => f,
        None => detect(&head)?,
    };
    if seekable {
        file.seek(SeekFrom::Start(start))
            .map_err(|source| OpenError::Open {
                path: path.unwrap_or("-").to_owned(),
                source,
            })?;
        reader_for(format, file)
    } else {
        // A pipe cannot rewind: the bytes looked at are handed back in front of the rest.
        reader_for(
            format,
            Prefixed {
                head,
                pos: 0,
                inner: file,
            },
        )
    }
}

fn reader_for<R: Read + Seek + 'static>(
    format: ArchiveFormat,
    input: R,
) -> Result<Box<dyn ArchiveRead>, OpenError> {
    match format {
        ArchiveFormat::Custom => Ok(Box::new(CustomReader::open(input)?)),
        ArchiveFormat::Tar => Ok(Box::new(crate::tar::TarReader::open(input)?)),
        // A directory is opened by name, never from a stream.
        ArchiveFormat::Directory => Err(FormatError::NoDirectory.into()),
    }
}

/// Up to one tar block of the input, fewer only at end of input.
fn read_head(file: &mut File) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; 512];
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    Ok(head)
}

/// The format the first bytes announce (pg_restore's `_discoverArchiveFormat`).
fn detect(head: &[u8]) -> Result<ArchiveFormat, OpenError> {
    if head.len() < 5 {
        return Err(OpenError::TooShort(head.len()));
    }
    if head.starts_with(b"PGDMP") {
        return Ok(ArchiveFormat::Custom);
    }
    if head.starts_with(b"--\n-- PostgreSQL database dump")
        || head.starts_with(b"--\n-- PostgreSQL database cluster dump")
    {
        return Err(OpenError::TextDump);
    }
    match <&[u8; 512]>::try_from(head) {
        Ok(block) if crate::tar::is_valid_header(block) => Ok(ArchiveFormat::Tar),
        Ok(_) => Err(OpenError::NotTar),
        Err(_) => Err(OpenError::NotAnArchive),
    }
}

/// A non-seekable input with the bytes already read put back in front.
struct Prefixed {
    head: Vec<u8>,
    pos: usize,
    inner: File,
}

impl Read for Prefixed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.pos);
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

impl Seek for Prefixed {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// One data member being written; [`finish`](MemberWrite::finish) ends it (dropping it leaves
/// the archive unfinished).
pub trait MemberWrite: Write {
    fn finish(self: Box<Self>) -> Result<(), FormatError>;
}

/// The large objects of one BLOBS entry being written: per object `start_lo`, bytes through
/// `Write`, `end_lo`; then `finish`.
pub trait BlobsWrite: Write {
    fn start_lo(&mut self, oid: u32) -> Result<(), FormatError>;
    fn end_lo(&mut self) -> Result<(), FormatError>;
    fn finish(self: Box<Self>) -> Result<(), FormatError>;
}

/// A writable archive of any format. The TOC is given when the writer is made; members may be
/// written in any order; `finish` completes the archive (offsets, `toc.dat`, tar trailer).
pub trait ArchiveWrite {
    fn data<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn MemberWrite + 'a>, FormatError>;
    fn blobs<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn BlobsWrite + 'a>, FormatError>;
    fn finish(self: Box<Self>) -> Result<(), FormatError>;
}

impl<W: Write + Seek> MemberWrite for DataMemberWriter<'_, W> {
    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        DataMemberWriter::finish(*self)
    }
}

impl<W: Write + Seek> BlobsWrite for BlobsWriter<'_, W> {
    fn start_lo(&mut self, oid: u32) -> Result<(), FormatError> {
        BlobsWriter::start_lo(self, oid)
    }

    fn end_lo(&mut self) -> Result<(), FormatError> {
        BlobsWriter::end_lo(self)
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        BlobsWriter::finish(*self)
    }
}

impl<W: Write + Seek> ArchiveWrite for CustomWriter<W> {
    fn data<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn MemberWrite + 'a>, FormatError> {
        Ok(Box::new(CustomWriter::data(self, dump_id)?))
    }

    fn blobs<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn BlobsWrite + 'a>, FormatError> {
        Ok(Box::new(CustomWriter::blobs(self, dump_id)?))
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        CustomWriter::finish(*self).map(|_| ())
    }
}

/// Copies every data member of `reader` into `writer` (whose TOC the caller made from the
/// reader's), decompressing and recompressing as the two archives' settings say, then
/// completes the writer.
pub fn copy_members(
    reader: &mut dyn ArchiveRead,
    writer: Box<dyn ArchiveWrite + '_>,
) -> Result<(), FormatError> {
    let mut writer = writer;
    let entries: Vec<(DumpId, bool)> = reader
        .toc()
        .entries
        .iter()
        .filter(|e| e.had_dumper)
        .map(|e| (e.dump_id, e.desc == "BLOBS"))
        .collect();
    for (dump_id, blobs) in entries {
        if blobs {
            let mut out = writer.blobs(dump_id)?;
            reader.read_data(dump_id, &mut BlobsCopy { out: out.as_mut() })?;
            out.finish()?;
        } else {
            let mut out = writer.data(dump_id)?;
            reader.read_data(dump_id, &mut MemberCopy { out: out.as_mut() })?;
            out.finish()?;
        }
    }
    writer.finish()
}

struct MemberCopy<'a> {
    out: &'a mut dyn MemberWrite,
}

impl DataSink for MemberCopy<'_> {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }
    fn start_lo(&mut self, _oid: u32) -> io::Result<()> {
        Err(io::Error::other(
            "large object inside a table's data member",
        ))
    }
    fn end_lo(&mut self) -> io::Result<()> {
        Err(io::Error::other(
            "large object inside a table's data member",
        ))
    }
}

struct BlobsCopy<'a> {
    out: &'a mut dyn BlobsWrite,
}

impl DataSink for BlobsCopy<'_> {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }
    fn start_lo(&mut self, oid: u32) -> io::Result<()> {
        self.out.start_lo(oid).map_err(io::Error::other)
    }
    fn end_lo(&mut self) -> io::Result<()> {
        self.out.end_lo().map_err(io::Error::other)
    }
}

/// An archive whose members several threads may write at once, each member by a callback
/// given its writer: `fill` streams the payload, the archive ends the member when it returns
/// `Ok`. A failed member leaves the archive unfinishable. Errors of `fill` (`E`) pass through.
/// Writers that compress run `fill` beside the member's own thread
/// ([`write_through_thread`](crate::member_thread::write_through_thread)).
pub trait ConcurrentWrite: Sync {
    fn write_data<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E>;
    fn write_blobs<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn BlobsWrite) -> Result<(), E>,
    ) -> Result<(), E>;
    /// Whether a table's data member may come in pieces written by several threads at once
    /// ([`write_piece`](Self::write_piece)).
    fn takes_pieces(&self) -> bool {
        false
    }
    /// One piece of a data member, `fill`ed with its rows; the member is complete once its
    /// `piece.count` pieces are written, in any order.
    fn write_piece<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        piece: crate::pieces::Piece,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        let _ = (piece, fill);
        Err(FormatError::unwritable(format!(
            "the data of entry {dump_id} cannot be written in pieces into this archive"
        ))
        .into())
    }
    /// Completes the archive once every member is written.
    fn finish(self) -> Result<(), FormatError>;
}

impl ConcurrentWrite for crate::directory::DirectoryWriter {
    fn write_data<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut member = self.member_writer(dump_id)?;
        crate::member_thread::write_through_thread(&mut member, fill)?;
        Ok(member.finish()?)
    }

    fn write_blobs<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn BlobsWrite) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut member = self.blobs_writer(dump_id)?;
        fill(&mut member)?;
        Ok(member.finish()?)
    }

    fn takes_pieces(&self) -> bool {
        true
    }

    fn write_piece<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        piece: crate::pieces::Piece,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        self.write_member_piece(dump_id, piece, fill)
    }

    fn finish(self) -> Result<(), FormatError> {
        crate::directory::DirectoryWriter::finish(self)
    }
}

/// A writer that takes one member at a time (tar) shared between threads: a member waits for
/// the one being written to end. Tar cannot compress, so members are written on the caller's
/// thread.
pub struct OneAtATime<W: ArchiveWrite + Send>(std::sync::Mutex<W>);

impl<W: ArchiveWrite + Send> OneAtATime<W> {
    pub fn new(writer: W) -> Self {
        OneAtATime(std::sync::Mutex::new(writer))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, W> {
        // A member that panicked left its writer unfinished, which `finish` reports.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<W: ArchiveWrite + Send> ConcurrentWrite for OneAtATime<W> {
    fn write_data<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut writer = self.lock();
        let mut member = writer.data(dump_id)?;
        fill(&mut member)?;
        Ok(member.finish()?)
    }

    fn write_blobs<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn BlobsWrite) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut writer = self.lock();
        let mut member = writer.blobs(dump_id)?;
        fill(member.as_mut())?;
        Ok(member.finish()?)
    }

    fn finish(self) -> Result<(), FormatError> {
        let writer = self
            .0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Box::new(writer).finish()
    }
}

//! Errors of the archive codecs. Messages follow upstream's wording where upstream has one, so
//! a user who knows pg_restore's errors recognises ours, and add the byte offset and the field
//! being read, which upstream leaves out.

use std::io;

use crate::compress::CodecError;
use crate::toc::DumpId;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    #[error("could not read from input file at offset {offset}: {source}")]
    Read {
        offset: u64,
        #[source]
        source: io::Error,
    },

    /// The input ended inside a field. `what` names the field ("tag of TOC entry #17 (dump ID
    /// 3346)"), `offset` is where that field starts.
    #[error("truncated archive: reading {what} at offset {offset}")]
    Truncated { what: String, offset: u64 },

    /// A length that no sane archive holds; refused before anything is allocated for it.
    #[error("{what} at offset {offset} claims {len} bytes, more than the limit of {limit}")]
    TooLong {
        what: String,
        offset: u64,
        len: u64,
        limit: u64,
    },

    #[error("could not write to output file: {}", crate::output::strerror(.0))]
    Write(#[source] io::Error),

    #[error("error during file seek to offset {offset}: {source}")]
    Seek {
        offset: u64,
        #[source]
        source: io::Error,
    },

    #[error("did not find magic string in file header (found {found:02x?})")]
    BadMagic { found: Vec<u8> },

    #[error("unsupported version ({major}.{minor}) in file header")]
    UnsupportedVersion { major: u8, minor: u8, rev: u8 },

    #[error("sanity check on integer size ({0}) failed (header offset 8)")]
    IntSize(u8),

    #[error("sanity check on offset size ({0}) failed (header offset 9)")]
    OffSize(u8),

    /// An entry whose contents are wrong (not its framing): where it is.
    #[error("{source} (TOC entry #{index}, dump ID {dump_id}, at offset {offset})")]
    InEntry {
        index: usize,
        dump_id: i32,
        offset: u64,
        #[source]
        source: Box<FormatError>,
    },

    #[error("expected format ({expected}) differs from format found in file ({found})")]
    FormatMismatch { expected: u8, found: u8 },

    /// A field holds a value its type does not allow.
    #[error("invalid {what} at offset {offset}: {detail}")]
    Invalid {
        what: String,
        offset: u64,
        detail: String,
    },

    #[error(
        "entry ID {dump_id} out of range -- perhaps a corrupt TOC (TOC entry #{index} at offset {offset})"
    )]
    EntryIdOutOfRange {
        dump_id: i64,
        index: usize,
        offset: u64,
    },

    #[error("unrecognized encoding \"{0}\"")]
    UnknownEncoding(String),

    #[error("invalid ENCODING item: {0}")]
    InvalidEncodingItem(String),

    #[error("invalid STDSTRINGS item: {0}")]
    InvalidStdStringsItem(String),

    /// Text that is not valid in the archive's encoding (only UTF8 can be invalid: every other
    /// encoding is read byte for byte).
    #[error("invalid {encoding} text in {place}: {detail}")]
    BadText {
        place: String,
        encoding: &'static str,
        detail: String,
    },

    /// A model string holds a character that the archive's single-byte mapping cannot store.
    #[error(
        "{place} cannot be written in encoding {encoding}: character {ch:?} (U+{code:04X}) is not a single byte"
    )]
    Unencodable {
        place: String,
        encoding: &'static str,
        ch: char,
        code: u32,
    },

    #[error("no TOC entry with dump ID {0}")]
    NoSuchEntry(DumpId),

    #[error(
        "could not find block ID {0} in archive -- possibly due to out-of-order restore request, which cannot be handled due to non-seekable input file"
    )]
    BlockNotFoundNonSeekable(DumpId),

    #[error("could not find block ID {0} in archive -- possibly corrupt archive")]
    BlockNotFound(DumpId),

    #[error(
        "found unexpected block ID ({found}) when reading data -- expected {expected} (block at offset {offset})"
    )]
    UnexpectedBlockId {
        expected: DumpId,
        found: i64,
        offset: u64,
    },

    #[error(
        "unrecognized data block type ({block_type}) while searching archive (block at offset {offset})"
    )]
    UnknownBlockTypeWhileSearching { block_type: u8, offset: u64 },

    #[error(
        "unrecognized data block type {block_type} while restoring archive (block of entry {dump_id} at offset {offset})"
    )]
    UnknownBlockType {
        block_type: u8,
        dump_id: DumpId,
        offset: u64,
    },

    /// The data of an entry could not be decompressed (or compressed, when writing).
    #[error("data of TOC entry {dump_id} (near offset {offset}): {source}")]
    Codec {
        dump_id: DumpId,
        offset: u64,
        #[source]
        source: CodecError,
    },

    /// The consumer of an entry's data failed; its error is passed through untouched.
    #[error("could not process data of TOC entry {dump_id}: {source}")]
    Sink {
        dump_id: DumpId,
        #[source]
        source: io::Error,
    },

    #[error(
        "cannot read more data: the input is not seekable and an earlier read stopped inside a data block"
    )]
    PositionLost,

    /// A file or directory of a directory archive could not be opened, read, written or
    /// created. `action` is upstream's wording ("could not open input file").
    #[error("{action} \"{path}\": {}", crate::output::strerror(.source))]
    File {
        action: &'static str,
        path: String,
        #[source]
        source: io::Error,
    },

    /// A file of a directory archive could not be decompressed (or compressed, when writing).
    #[error("file \"{path}\" of TOC entry {dump_id}: {source}")]
    FileCodec {
        dump_id: DumpId,
        path: String,
        #[source]
        source: CodecError,
    },

    #[error("directory \"{0}\" does not appear to be a valid archive (\"toc.dat\" does not exist)")]
    NotDirectoryArchive(String),

    #[error("directory \"{0}\" is not empty")]
    DirectoryNotEmpty(String),

    #[error("no output directory specified")]
    NoDirectory,

    /// A directory archive's TOC names a data file that is not a plain name in the directory
    /// (upstream would open whatever path it says; we refuse to leave the directory).
    #[error(
        "invalid file name \"{name}\" in TOC entry {dump_id}: not a file name inside the archive directory"
    )]
    BadFileName { dump_id: DumpId, name: String },

    #[error("could not open large object TOC file \"{path}\" for input: {}", crate::output::strerror(.source))]
    OpenLoToc {
        path: String,
        #[source]
        source: io::Error,
    },

    #[error("invalid line in large object TOC file \"{path}\": \"{line}\"")]
    BadLoTocLine { path: String, line: String },

    /// Tar: the member an entry names is not in the (rest of the) archive.
    #[error("could not find header for file \"{0}\" in tar archive")]
    TarMemberNotFound(String),

    /// Tar: a member wanted now was passed over, unread, while looking for a later one.
    #[error(
        "restoring data out of order is not supported in this archive format: \"{passed}\" is required, but comes before \"{wanted}\" in the archive file."
    )]
    TarOutOfOrder { passed: String, wanted: String },

    /// Tar: a header block whose checksum does not match (`offset` is where the block starts).
    #[error(
        "corrupt tar header found in {name} (expected {expected}, computed {computed}) file position {offset}"
    )]
    TarCorruptHeader {
        name: String,
        expected: u64,
        computed: u32,
        offset: u64,
    },

    #[error("incomplete tar header found ({len} bytes) at file position {offset}")]
    TarIncompleteHeader { len: usize, offset: u64 },

    #[error("compression is not supported by tar archive format")]
    TarCompression,

    /// Tar: restore.sql rewrites each COPY to read from a file, which needs upstream's form.
    #[error("unexpected COPY statement syntax: \"{0}\"")]
    TarCopyStatement(String),

    /// The temporary file that holds a member until its turn could not be made or used.
    #[error("could not use temporary file: {0}")]
    TempFile(#[source] io::Error),

    /// The writer was asked for something the archive version or format cannot hold, or that
    /// would make an archive upstream cannot read.
    #[error("cannot write archive: {0}")]
    Unwritable(String),
}

impl FormatError {
    pub(crate) fn unwritable(msg: impl Into<String>) -> Self {
        FormatError::Unwritable(msg.into())
    }
}

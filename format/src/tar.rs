//! The tar format (`-Ft`, archive-format.md §6): a ustar archive whose first member, `toc.dat`,
//! holds the header and the TOC (each entry followed by its member's file name), then one
//! member per data entry in TOC order (`<dumpId>.dat`; for a BLOBS entry one `blob_<oid>.dat`
//! per large object and then the list file), then `restore.sql`, then two zero blocks.
//!
//! The reader is forward-only like upstream's, so it works on a pipe: members must be asked for
//! in archive order. Unlike upstream it remembers where the members it passed over began, so
//! on seekable input an entry behind the current position is reached by seeking back; on a pipe
//! that is an error worded as upstream's. Upstream fails as soon as it passes a member the
//! restore will want; this reader cannot know what the caller will want, so it fails when such
//! a member is asked for.
//!
//! The writer takes the TOC up front, so `toc.dat` goes out at once. A member's header needs its
//! size, so each member is held back (in memory while small, else in an unlinked temporary
//! file) until it is complete and every member before it in TOC order has gone out; members may
//! therefore be produced in any order, and those produced in order are not held at all.
//! `finish` adds `restore.sql`, made by the script emitter as upstream makes it, and the trailer.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::archive::{ArchiveRead, ArchiveWrite, BlobsWrite, MemberWrite};
use crate::custom::DataSink;
use crate::encoding::Encoding;
use crate::error::FormatError;
use crate::primitive::{ByteReader, What, put_str, seekable_span};
use crate::script::{self, DataSource, ScriptError, ScriptOptions, Sink, TextSink};
use crate::spill::SpillFile;
use crate::toc::{
    ArchiveFormat, ArchiveVersion, CompressionAlgorithm, DataLocation, DumpId, Toc, TocEntry,
};
use crate::tocfile::{self, ExtraKind, MAGIC};

/// `TAR_BLOCK_SIZE`.
const BLOCK: usize = 512;
const BLOCK_U64: u64 = BLOCK as u64;

/// The format byte of `toc.dat` (archTar).
const FORMAT_CODE: u8 = 3;

const TOC_MEMBER: &str = "toc.dat";
const SCRIPT_MEMBER: &str = "restore.sql";

/// Field offsets in a header block (pgtar.h).
const NAME: usize = 0;
const MODE: usize = 100;
const UID: usize = 108;
const GID: usize = 116;
const SIZE: usize = 124;
const MTIME: usize = 136;
const CHECKSUM: usize = 148;
const TYPEFLAG: usize = 156;
const MAGIC_FIELD: usize = 257;
const VERSION: usize = 263;
const UNAME: usize = 265;
const GNAME: usize = 297;
const DEVMAJOR: usize = 329;
const DEVMINOR: usize = 337;

const READ_BUFFER: usize = 64 * 1024;
const WRITE_BUFFER: usize = 64 * 1024;

/// A finished member stays in memory up to this size; larger ones go to a temporary file.
const MEMBER_MEMORY: usize = 1 << 20;
/// Default for [`TarOptions::spool_memory`].
const SPOOL_MEMORY: usize = 32 << 20;

// ---- header blocks (src/port/tar.c) ----

/// `print_tar_number`: octal with a trailing space when it fits, else GNU base-256 (0x80 and
/// the value big-endian).
fn print_number(field: &mut [u8], value: u64) {
    let len = field.len();
    let octal_bits = (len - 1) * 3;
    if octal_bits >= 64 || value < 1u64 << octal_bits {
        field[len - 1] = b' ';
        let mut v = value;
        for digit in field[..len - 1].iter_mut().rev() {
            *digit = b'0' + (v & 7) as u8;
            v >>= 3;
        }
    } else {
        field[0] = 0x80;
        let mut v = value;
        for byte in field[1..].iter_mut().rev() {
            *byte = (v & 0xff) as u8;
            v >>= 8;
        }
    }
}

/// `read_tar_number`: base-256 if the first byte is 0x80, else octal up to the first byte that
/// is not an octal digit.
fn read_number(field: &[u8]) -> u64 {
    match field.split_first() {
        Some((0x80, rest)) => rest.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        _ => field
            .iter()
            .take_while(|b| (b'0'..=b'7').contains(*b))
            .fold(0u64, |acc, &b| (acc << 3) | u64::from(b - b'0')),
    }
}

/// `tarChecksum`: the unsigned byte sum with the checksum field counted as spaces.
fn checksum(block: &[u8; BLOCK]) -> u32 {
    let field = CHECKSUM..CHECKSUM + 8;
    8 * u32::from(b' ')
        + block
            .iter()
            .enumerate()
            .filter(|(i, _)| !field.contains(i))
            .map(|(_, &b)| u32::from(b))
            .sum::<u32>()
}

/// `isValidTarHeader`, which format detection applies to the first block: the checksum holds
/// and the magic is POSIX, GNU, or what pg_dump before 9.3 wrote.
pub fn is_valid_header(block: &[u8; BLOCK]) -> bool {
    if read_number(&block[CHECKSUM..CHECKSUM + 8]) != u64::from(checksum(block)) {
        return false;
    }
    let magic = &block[MAGIC_FIELD..MAGIC_FIELD + 8];
    (magic[..6] == *b"ustar\0" && block[VERSION..VERSION + 2] == *b"00")
        || magic == b"ustar  \0"
        || magic == b"ustar00\0"
}

/// `tarCreateHeader` for a regular file as pg_dump calls it: mode 0600, uid 04000, gid 02000,
/// owner names `postgres`.
fn member_header(name: &str, size: u64, mtime: u64) -> Result<[u8; BLOCK], FormatError> {
    if name.len() > 99 {
        return Err(FormatError::unwritable(format!(
            "tar member name \"{name}\" is longer than 99 bytes"
        )));
    }
    let mut h = [0u8; BLOCK];
    h[NAME..NAME + name.len()].copy_from_slice(name.as_bytes());
    print_number(&mut h[MODE..MODE + 8], 0o600);
    print_number(&mut h[UID..UID + 8], 0o4000);
    print_number(&mut h[GID..GID + 8], 0o2000);
    print_number(&mut h[SIZE..SIZE + 12], size);
    print_number(&mut h[MTIME..MTIME + 12], mtime);
    h[TYPEFLAG] = b'0';
    h[MAGIC_FIELD..MAGIC_FIELD + 6].copy_from_slice(b"ustar\0");
    h[VERSION..VERSION + 2].copy_from_slice(b"00");
    h[UNAME..UNAME + 8].copy_from_slice(b"postgres");
    h[GNAME..GNAME + 8].copy_from_slice(b"postgres");
    print_number(&mut h[DEVMAJOR..DEVMAJOR + 8], 0);
    print_number(&mut h[DEVMINOR..DEVMINOR + 8], 0);
    let sum = checksum(&h);
    print_number(&mut h[CHECKSUM..CHECKSUM + 8], u64::from(sum));
    Ok(h)
}

/// Zero bytes that bring a member of `len` bytes to a whole number of blocks.
fn padding(len: u64) -> u64 {
    (BLOCK_U64 - len % BLOCK_U64) % BLOCK_U64
}

/// `atooid` (strtoul): leading blanks, a sign, decimal digits; anything after is ignored, and
/// no digits give 0. Used on BLOBS tags (`12345..12346`) and on `blob_<oid>.dat` names.
fn atooid(text: &str) -> u32 {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |acc, d| {
            acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    // Oid is 32 bits; C's conversion from unsigned long keeps the low bits.
    value as u32
}

/// `atoi` on a member name, as the reader's out-of-order check applies it: positive for the
/// members of data entries (`3346.dat`), 0 for `toc.dat`, `blob_…`, `blobs…`, `restore.sql`.
fn leading_id(name: &str) -> i64 {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(0)
}

fn blob_member(oid: u32) -> String {
    format!("blob_{oid}.dat")
}

// ---- reading ----

/// One member's header as read.
#[derive(Debug, Clone)]
struct Member {
    name: String,
    size: u64,
    /// Where the member's data starts.
    data_pos: u64,
}

/// A member passed over: where its header is, and which member was being looked for then.
#[derive(Debug, Clone)]
struct Passed {
    header_pos: u64,
    while_seeking: Option<String>,
}

/// Reads a tar archive from a file or a pipe.
pub struct TarReader<R: Read + Seek> {
    scan: Scanner<R>,
    toc: Toc,
    encoding: Encoding,
    by_id: HashMap<DumpId, usize>,
    warnings: Vec<String>,
    /// Non-seekable input whose position is uncertain after a failed read.
    lost: bool,
}

impl<R: Read + Seek> TarReader<R> {
    /// Finds `toc.dat` (members before it are passed over, as upstream does) and reads the
    /// header and the TOC from it. Whether the input can seek is found out here.
    pub fn open(input: R) -> Result<Self, FormatError> {
        let mut scan = Scanner::new(input)?;
        let member = scan.position_to(TOC_MEMBER)?;

        let end = member.data_pos.saturating_add(member.size);
        let mut r = ByteReader::new(
            (&mut scan.input).take(member.size),
            member.data_pos,
            Some(end),
        );
        let mut magic = [0u8; 5];
        r.read_bytes(&mut magic, What::Header("magic string"))?;
        if &magic != MAGIC {
            return Err(FormatError::BadMagic {
                found: magic.to_vec(),
            });
        }
        let mut warnings = Vec::new();
        let header = tocfile::read_header(&mut r, FORMAT_CODE, &mut warnings)?;
        let version = header.version;
        let (entries, facts) =
            tocfile::read_toc(&mut r, version, ExtraKind::FileName, &mut warnings)?;
        scan.pos = r.pos();
        let toc = tocfile::decode_toc(header, entries, facts.encoding)?;

        if version >= ArchiveVersion::V1_16 {
            scan.group_starts = toc
                .entries
                .iter()
                .filter(|e| e.desc == "BLOBS")
                .map(|e| blob_member(atooid(&e.tag)))
                .collect();
        }
        let by_id = toc
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.dump_id, i))
            .collect();
        Ok(TarReader {
            scan,
            toc,
            encoding: facts.encoding,
            by_id,
            warnings,
            lost: false,
        })
    }

    pub fn toc(&self) -> &Toc {
        &self.toc
    }

    /// The encoding the TOC's strings were stored in (see [`crate::encoding`]).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn is_seekable(&self) -> bool {
        self.scan.seekable
    }

    /// Upstream's warnings about this archive so far (WITH OIDS entries, large integers).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Streams the data of one entry into `sink`: a data member's bytes, or for a BLOBS entry
    /// each large object between `start_lo` and `end_lo`. An entry without data gives nothing.
    ///
    /// On a pipe the entries must be asked for in archive order, as with upstream; on seekable
    /// input any order works, and an entry can be read again.
    pub fn read_data(
        &mut self,
        dump_id: DumpId,
        sink: &mut dyn DataSink,
    ) -> Result<(), FormatError> {
        if self.lost {
            return Err(FormatError::PositionLost);
        }
        let &index = self
            .by_id
            .get(&dump_id)
            .ok_or(FormatError::NoSuchEntry(dump_id))?;
        let entry = &self.toc.entries[index];
        let DataLocation::File(file) = &entry.data else {
            return Ok(());
        };
        if !entry.had_dumper {
            return Ok(());
        }
        if self.toc.header.compression.algorithm != CompressionAlgorithm::None {
            return Err(FormatError::TarCompression);
        }
        let result = if entry.desc == "BLOBS" {
            let first = (self.toc.header.version >= ArchiveVersion::V1_16)
                .then(|| blob_member(atooid(&entry.tag)));
            self.scan.load_los(dump_id, first.as_deref(), sink)
        } else {
            let file = file.clone();
            self.scan.position_to(&file).and_then(|member| {
                self.scan
                    .copy_member(&member, dump_id, &mut |b| sink.data(b))
            })
        };
        if let Err(e) = &result {
            let input_failed = matches!(
                e,
                FormatError::Read { .. }
                    | FormatError::Truncated { .. }
                    | FormatError::Seek { .. }
                    | FormatError::TarIncompleteHeader { .. }
                    | FormatError::TarCorruptHeader { .. }
            );
            // A sink's failure leaves the position known: the next request skips the rest of
            // the member.
            if input_failed {
                if self.scan.seekable {
                    self.scan.resync = true;
                } else {
                    self.lost = true;
                }
            }
        }
        result
    }
}

/// Upstream's `_tarPositionTo` and friends: moving through the members, forward only on a
/// pipe.
struct Scanner<R: Read + Seek> {
    input: BufReader<R>,
    seekable: bool,
    /// Where seekable input ends, so that a member cut short is noticed even when skipped.
    end: Option<u64>,
    /// Absolute position of the next byte `input` gives.
    pos: u64,
    /// Where the header after the current member begins (upstream's tarNextMember).
    next_member: u64,
    /// Seekable input whose position is uncertain after a failed read, or that must go back:
    /// seek to `next_member` before reading on.
    resync: bool,
    /// Members already met that a later request may want: those of data entries and the first
    /// of each run of large objects. Bounded by the TOC, not by the number of large objects.
    passed: HashMap<String, Passed>,
    /// The first blob member of every BLOBS group (1.16), kept whenever they are met.
    group_starts: HashSet<String>,
    /// Header position and name of the first member of each run of `blob_` members.
    blob_runs: Vec<(u64, String)>,
    previous_was_blob: bool,
}

impl<R: Read + Seek> Scanner<R> {
    fn new(mut input: R) -> Result<Self, FormatError> {
        let span = seekable_span(&mut input, None)?;
        let start = span.map(|(start, _)| start);
        let end = span.and_then(|(_, end)| end);
        Ok(Scanner {
            input: BufReader::with_capacity(READ_BUFFER, input),
            seekable: start.is_some(),
            end,
            pos: start.unwrap_or(0),
            next_member: start.unwrap_or(0),
            resync: false,
            passed: HashMap::new(),
            group_starts: HashSet::new(),
            blob_runs: Vec::new(),
            previous_was_blob: false,
        })
    }

    /// `_LoadLOs`: from 1.16 on the group starts at `first` (`blob_<first OID of the tag>.dat`);
    /// before, at the next blob member. Every `blob_` member up to the next other member (the
    /// list file) is one large object.
    fn load_los(
        &mut self,
        dump_id: DumpId,
        first: Option<&str>,
        sink: &mut dyn DataSink,
    ) -> Result<(), FormatError> {
        let mut next = match first {
            Some(name) => Some(self.position_to(name)?),
            None => {
                if let Some((pos, name)) = self.blob_runs.first().cloned() {
                    // Before 1.16 there is one BLOBS entry and so one run of blob members,
                    // and it has been passed.
                    if !self.seekable {
                        return Err(FormatError::TarMemberNotFound(name));
                    }
                    self.next_member = pos;
                    self.resync = true;
                }
                self.next_header(None)?
            }
        };
        let mut found = false;
        loop {
            // Upstream stops quietly at the end of input; but the list file always follows the
            // objects, so an end before it means the archive was cut short.
            let Some(member) = next else {
                return Err(FormatError::Truncated {
                    what: format!(
                        "large objects of BLOBS entry {dump_id} (the archive ends before their \
                         list file)"
                    ),
                    offset: self.pos,
                });
            };
            match member.name.strip_prefix("blob_") {
                Some(rest) => {
                    let oid = atooid(rest);
                    if oid != 0 {
                        sink.start_lo(oid)
                            .map_err(|source| FormatError::Sink { dump_id, source })?;
                        self.copy_member(&member, dump_id, &mut |b| sink.data(b))?;
                        sink.end_lo()
                            .map_err(|source| FormatError::Sink { dump_id, source })?;
                        found = true;
                    }
                }
                None if found => return Ok(()),
                None => {}
            }
            next = self.next_header(None)?;
        }
    }

    /// Passes over members up to the one named. A member already passed is sought back to on
    /// seekable input, and refused on a pipe with upstream's words.
    fn position_to(&mut self, name: &str) -> Result<Member, FormatError> {
        if let Some(passed) = self.passed.get(name) {
            if !self.seekable {
                return Err(match &passed.while_seeking {
                    Some(wanted) => FormatError::TarOutOfOrder {
                        passed: name.to_owned(),
                        wanted: wanted.clone(),
                    },
                    None => FormatError::TarMemberNotFound(name.to_owned()),
                });
            }
            self.next_member = passed.header_pos;
            self.resync = true;
        }
        loop {
            match self.next_header(Some(name))? {
                None => return Err(FormatError::TarMemberNotFound(name.to_owned())),
                Some(member) if member.name == name => return Ok(member),
                Some(_) => {}
            }
        }
    }

    /// Moves to the next member and reads its header (`_tarGetHeader`); `None` at the end of
    /// the archive. `seeking` names the member being looked for, for the out-of-order message.
    fn next_header(&mut self, seeking: Option<&str>) -> Result<Option<Member>, FormatError> {
        self.skip_to_next_member()?;
        let mut block = [0u8; BLOCK];
        let header_pos = loop {
            let header_pos = self.pos;
            let got = self.read_full(&mut block)?;
            if got == 0 {
                return Ok(None);
            }
            if got < BLOCK {
                return Err(FormatError::TarIncompleteHeader {
                    len: got,
                    offset: header_pos,
                });
            }
            let computed = checksum(&block);
            let stored = read_number(&block[CHECKSUM..CHECKSUM + 8]);
            if stored == u64::from(computed) {
                break header_pos;
            }
            // The end-of-archive blocks (and any stray zero block) are skipped.
            if block.iter().any(|&b| b != 0) {
                return Err(FormatError::TarCorruptHeader {
                    name: String::from_utf8_lossy(name_field(&block)).into_owned(),
                    expected: stored,
                    computed,
                    offset: header_pos,
                });
            }
        };
        let name = String::from_utf8_lossy(name_field(&block)).into_owned();
        let size = read_number(&block[SIZE..SIZE + 12]);
        let data_pos = self.pos;
        self.next_member = data_pos
            .checked_add(size)
            .and_then(|end| end.checked_add(padding(size)))
            .ok_or_else(|| FormatError::Invalid {
                what: format!("size of tar member \"{name}\""),
                offset: header_pos + SIZE as u64,
                detail: format!("{size} bytes reach past the largest file position"),
            })?;
        self.note_member(&name, header_pos, seeking);
        Ok(Some(Member {
            name,
            size,
            data_pos,
        }))
    }

    fn note_member(&mut self, name: &str, header_pos: u64, seeking: Option<&str>) {
        let is_blob = name.starts_with("blob_");
        let run_start = is_blob && !self.previous_was_blob;
        self.previous_was_blob = is_blob;
        if run_start && !self.blob_runs.iter().any(|(p, _)| *p == header_pos) {
            self.blob_runs.push((header_pos, name.to_owned()));
        }
        if leading_id(name) > 0 || run_start || self.group_starts.contains(name) {
            let while_seeking = seeking.filter(|s| *s != name).map(str::to_owned);
            self.passed.entry(name.to_owned()).or_insert(Passed {
                header_pos,
                while_seeking,
            });
        }
    }

    /// Goes to `next_member`: forward by reading or seeking, or anywhere after `resync`.
    fn skip_to_next_member(&mut self) -> Result<(), FormatError> {
        let target = self.next_member;
        if self.end.is_some_and(|end| target > end) {
            return Err(FormatError::Truncated {
                what: "tar member data being passed over".into(),
                offset: self.pos,
            });
        }
        if self.seekable && (self.resync || target < self.pos) {
            self.input
                .seek(SeekFrom::Start(target))
                .map_err(|source| FormatError::Seek {
                    offset: target,
                    source,
                })?;
            self.pos = target;
            self.resync = false;
            return Ok(());
        }
        let Some(gap) = target.checked_sub(self.pos) else {
            return Err(FormatError::PositionLost);
        };
        if gap == 0 {
            return Ok(());
        }
        if self.seekable {
            let delta = i64::try_from(gap).map_err(|_| FormatError::Seek {
                offset: target,
                source: io::Error::other("offset out of range"),
            })?;
            self.input
                .seek_relative(delta)
                .map_err(|source| FormatError::Seek {
                    offset: target,
                    source,
                })?;
            self.pos = target;
            return Ok(());
        }
        let start = self.pos;
        let copied =
            io::copy(&mut (&mut self.input).take(gap), &mut io::sink()).map_err(|source| {
                FormatError::Read {
                    offset: self.pos,
                    source,
                }
            })?;
        self.pos += copied;
        if copied < gap {
            return Err(FormatError::Truncated {
                what: "tar member data being passed over".into(),
                offset: start,
            });
        }
        Ok(())
    }

    /// Reads until `buf` is full or the input ends; the count read.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<usize, FormatError> {
        let mut got = 0;
        while got < buf.len() {
            match self.input.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => {
                    got += n;
                    self.pos += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(FormatError::Read {
                        offset: self.pos,
                        source,
                    });
                }
            }
        }
        Ok(got)
    }

    /// Hands the member's data to `out` straight from the read buffer.
    fn copy_member(
        &mut self,
        member: &Member,
        dump_id: DumpId,
        out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<(), FormatError> {
        let mut left = member.size;
        while left > 0 {
            let available = loop {
                match self.input.fill_buf() {
                    Ok(b) => break b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(source) => {
                        return Err(FormatError::Read {
                            offset: self.pos,
                            source,
                        });
                    }
                }
            };
            if available.is_empty() {
                return Err(FormatError::Truncated {
                    what: format!("data of tar member \"{}\"", member.name),
                    offset: member.data_pos,
                });
            }
            let n = available
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            let result = out(&available[..n]);
            self.input.consume(n);
            self.pos += n as u64;
            left -= n as u64;
            result.map_err(|source| FormatError::Sink { dump_id, source })?;
        }
        Ok(())
    }
}

/// The name field up to its first NUL (it need not have one).
fn name_field(block: &[u8; BLOCK]) -> &[u8] {
    let field = &block[NAME..NAME + 100];
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..len]
}

impl<R: Read + Seek> ArchiveRead for TarReader<R> {
    fn toc(&self) -> &Toc {
        TarReader::toc(self)
    }

    fn format(&self) -> ArchiveFormat {
        ArchiveFormat::Tar
    }

    fn read_data(&mut self, dump_id: DumpId, sink: &mut dyn DataSink) -> Result<(), FormatError> {
        TarReader::read_data(self, dump_id, sink)
    }

    fn warnings(&self) -> &[String] {
        TarReader::warnings(self)
    }
}

// ---- spooling members until their turn ----

/// Where held-back members go, and how much memory they may use together.
struct SpoolPolicy {
    dir: PathBuf,
    memory_limit: usize,
    memory_used: usize,
}

/// One member's bytes, held until it can be written out.
#[derive(Default)]
struct Spool {
    memory: Vec<u8>,
    file: Option<SpillFile>,
    len: u64,
}

impl Spool {
    fn write(&mut self, buf: &[u8], policy: &mut SpoolPolicy) -> Result<(), FormatError> {
        if self.file.is_none() {
            let fits = self.memory.len() + buf.len() <= MEMBER_MEMORY
                && policy.memory_used.saturating_add(buf.len()) <= policy.memory_limit;
            if fits {
                self.memory.extend_from_slice(buf);
                policy.memory_used += buf.len();
                self.len += buf.len() as u64;
                return Ok(());
            }
            let mut file = SpillFile::create(&policy.dir).map_err(FormatError::TempFile)?;
            file.file
                .write_all(&self.memory)
                .map_err(FormatError::TempFile)?;
            policy.memory_used -= self.memory.len();
            self.memory = Vec::new();
            self.file = Some(file);
        }
        if let Some(file) = &mut self.file {
            file.file.write_all(buf).map_err(FormatError::TempFile)?;
        }
        self.len += buf.len() as u64;
        Ok(())
    }

    /// Gives the bytes back, in order, and releases the memory they held.
    fn into_reader(self, policy: &mut SpoolPolicy) -> Result<SpoolReader, FormatError> {
        policy.memory_used -= self.memory.len();
        match self.file {
            None => Ok(SpoolReader::Memory(io::Cursor::new(self.memory))),
            Some(mut spill) => {
                spill.rewind().map_err(FormatError::TempFile)?;
                Ok(SpoolReader::File(spill))
            }
        }
    }
}

enum SpoolReader {
    Memory(io::Cursor<Vec<u8>>),
    File(SpillFile),
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            SpoolReader::Memory(c) => c.read(buf),
            SpoolReader::File(f) => f.file.get_mut().read(buf),
        }
    }
}

/// A spool as `io::Write`, for the script emitter.
struct SpoolWrite<'a> {
    spool: &'a mut Spool,
    policy: &'a mut SpoolPolicy,
}

impl Write for SpoolWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.spool
            .write(buf, self.policy)
            .map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---- writing ----

/// How a [`TarWriter`] writes.
#[derive(Debug, Clone)]
pub struct TarOptions {
    /// The restore that `restore.sql` shows. Upstream uses pg_dump's own restore options with
    /// `clean` forced on; pg_dump always sets `create_db` for archive formats. `clean` is
    /// forced on here too.
    pub script: ScriptOptions,
    /// Modification time of every member, in seconds since the epoch; `None` takes the time
    /// each member is written out, as upstream does.
    pub mtime: Option<u64>,
    /// Directory for members held back on disk; `None` is the system's temporary directory.
    /// A directory on the output's file system keeps the output's disk-space accounting.
    pub spool_dir: Option<PathBuf>,
    /// Memory that held-back members may use together before they go to disk (one member
    /// keeps at most 1 MiB in memory whatever this says; 0 sends every member to disk).
    pub spool_memory: usize,
}

impl Default for TarOptions {
    fn default() -> Self {
        TarOptions {
            script: ScriptOptions {
                clean: true,
                create_db: true,
                ..ScriptOptions::default()
            },
            mtime: None,
            spool_dir: None,
            spool_memory: SPOOL_MEMORY,
        }
    }
}

/// Where one entry's member stands.
enum Slot {
    NoData,
    Waiting,
    Done(Finished),
    Written,
}

enum Finished {
    Data(Spool),
    /// The large objects one after the other, with each one's OID and length.
    Blobs {
        spool: Spool,
        los: Vec<(u32, u64)>,
    },
}

/// Writes a tar archive; see the module documentation for the order of events.
pub struct TarWriter<W: Write> {
    out: BufWriter<W>,
    toc: Toc,
    encoding: Encoding,
    script: ScriptOptions,
    mtime: Option<u64>,
    policy: SpoolPolicy,
    by_id: HashMap<DumpId, usize>,
    /// Indexes of the entries with data, in TOC order: the order their members go out.
    order: Vec<usize>,
    /// How many of `order` have gone out.
    written: usize,
    slots: Vec<Slot>,
    /// The member being produced; set until its writer's `finish`.
    open: Option<DumpId>,
    /// Writing a member out failed part-way: the output cannot be completed.
    broken: bool,
    copy_buf: Vec<u8>,
}

impl<W: Write> TarWriter<W> {
    /// Checks the TOC and writes `toc.dat`. The archive version and encoding are the TOC's;
    /// its compression must be none.
    pub fn create(out: W, toc: &Toc) -> Result<Self, FormatError> {
        Self::create_with(out, toc, TarOptions::default())
    }

    pub fn create_with(out: W, toc: &Toc, options: TarOptions) -> Result<Self, FormatError> {
        tocfile::check_writable(toc)?;
        if toc.header.compression.algorithm != CompressionAlgorithm::None {
            return Err(FormatError::TarCompression);
        }
        let encoding = Encoding::of_toc(toc)?;
        tocfile::check_special_entries(toc)?;
        for e in toc.entries.iter().filter(|e| e.had_dumper) {
            if let Some(copy) = e.copy_stmt.as_deref() {
                copy_without_from(copy)?;
            }
            if e.desc == "BLOBS"
                && toc.header.version >= ArchiveVersion::V1_16
                && atooid(&e.tag) == 0
            {
                return Err(FormatError::unwritable(format!(
                    "BLOBS entry {} has the tag \"{}\": in a tar archive from version 1.16 on, \
                     pg_restore finds the group by the first OID in the tag",
                    e.dump_id, e.tag
                )));
            }
        }

        let mut toc_bytes = Vec::new();
        tocfile::write_header(&mut toc_bytes, &toc.header, FORMAT_CODE, encoding)?;
        tocfile::write_toc(&mut toc_bytes, toc, encoding, &mut |entry, buf| {
            // Upstream names a member for every entry with a dumper, BLOBS included, although
            // no member of that name is ever written for BLOBS.
            let name = entry.had_dumper.then(|| data_member(entry.dump_id));
            put_str(buf, Some(name.as_deref().unwrap_or("").as_bytes()), &|| {
                format!("file name of TOC entry {}", entry.dump_id)
            })
        })?;

        let mut script = options.script;
        // pg_dump's restore options never ask for one transaction; the large-object handling
        // of restore.sql relies on that (see ScriptSink).
        script.clean = true;
        script.single_transaction = false;
        let mut writer = TarWriter {
            out: BufWriter::with_capacity(WRITE_BUFFER, out),
            toc: toc.clone(),
            encoding,
            script,
            mtime: options.mtime,
            policy: SpoolPolicy {
                dir: options.spool_dir.unwrap_or_else(std::env::temp_dir),
                memory_limit: options.spool_memory,
                memory_used: 0,
            },
            by_id: toc
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.dump_id, i))
                .collect(),
            order: toc
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.had_dumper)
                .map(|(i, _)| i)
                .collect(),
            written: 0,
            slots: toc
                .entries
                .iter()
                .map(|e| {
                    if e.had_dumper {
                        Slot::Waiting
                    } else {
                        Slot::NoData
                    }
                })
                .collect(),
            open: None,
            broken: false,
            copy_buf: vec![0; WRITE_BUFFER],
        };
        writer.put_member(TOC_MEMBER, toc_bytes.len() as u64, &mut &toc_bytes[..])?;
        Ok(writer)
    }

    /// Checks that `dump_id`'s member may start now, and marks it open.
    fn begin(&mut self, dump_id: DumpId, blobs: bool) -> Result<usize, FormatError> {
        self.check_not_broken()?;
        if let Some(open) = self.open {
            return Err(FormatError::unwritable(format!(
                "the data of entry {open} was not finished before entry {dump_id}'s began"
            )));
        }
        let &index = self
            .by_id
            .get(&dump_id)
            .ok_or(FormatError::NoSuchEntry(dump_id))?;
        let entry = &self.toc.entries[index];
        if !entry.had_dumper {
            return Err(FormatError::unwritable(format!(
                "entry {dump_id} has no data (hadDumper is false)"
            )));
        }
        // pg_restore tells the two apart by desc alone.
        if (entry.desc == "BLOBS") != blobs {
            return Err(FormatError::unwritable(if blobs {
                format!(
                    "entry {dump_id} is {}, not BLOBS; its data is one member",
                    entry.desc
                )
            } else {
                format!("entry {dump_id} is BLOBS; its data is large objects")
            }));
        }
        if !matches!(self.slots[index], Slot::Waiting) {
            return Err(FormatError::unwritable(format!(
                "the data of entry {dump_id} was already written"
            )));
        }
        self.open = Some(dump_id);
        Ok(index)
    }

    /// Starts the member of an entry with data (not BLOBS): write the payload into the returned
    /// writer, then call its `finish`. Members may come in any order.
    pub fn data(&mut self, dump_id: DumpId) -> Result<TarDataWriter<'_, W>, FormatError> {
        let index = self.begin(dump_id, false)?;
        Ok(TarDataWriter {
            writer: self,
            index,
            spool: Spool::default(),
        })
    }

    /// Starts the large objects of a BLOBS entry. From archive version 1.16 on, the first one
    /// must be the OID the entry's tag starts with (pg_restore looks for it by that name).
    pub fn blobs(&mut self, dump_id: DumpId) -> Result<TarBlobsWriter<'_, W>, FormatError> {
        let index = self.begin(dump_id, true)?;
        let entry = &self.toc.entries[index];
        let first_oid =
            (self.toc.header.version >= ArchiveVersion::V1_16).then(|| atooid(&entry.tag));
        Ok(TarBlobsWriter {
            writer: self,
            index,
            first_oid,
            spool: Spool::default(),
            los: Vec::new(),
            current: None,
        })
    }

    fn check_not_broken(&self) -> Result<(), FormatError> {
        if self.broken {
            return Err(FormatError::unwritable(
                "an earlier member could not be written out, so the archive cannot be completed",
            ));
        }
        Ok(())
    }

    /// Records a finished member and writes out every member whose turn has come.
    fn complete(&mut self, index: usize, finished: Finished) -> Result<(), FormatError> {
        self.slots[index] = Slot::Done(finished);
        self.open = None;
        while let Some(&next) = self.order.get(self.written) {
            let Slot::Done(_) = self.slots[next] else {
                break;
            };
            let Slot::Done(finished) = std::mem::replace(&mut self.slots[next], Slot::Written)
            else {
                break;
            };
            let dump_id = self.toc.entries[next].dump_id;
            if let Err(e) = self.put_finished(dump_id, finished) {
                self.broken = true;
                return Err(e);
            }
            self.written += 1;
        }
        Ok(())
    }

    fn put_finished(&mut self, dump_id: DumpId, finished: Finished) -> Result<(), FormatError> {
        match finished {
            Finished::Data(spool) => {
                let len = spool.len;
                let mut reader = spool.into_reader(&mut self.policy)?;
                self.put_member(&data_member(dump_id), len, &mut reader)
            }
            Finished::Blobs { spool, los } => {
                let mut reader = spool.into_reader(&mut self.policy)?;
                let mut list = String::new();
                for &(oid, len) in &los {
                    let name = blob_member(oid);
                    self.put_member(&name, len, &mut (&mut reader).take(len))?;
                    list.push_str(&format!("{oid} {name}\n"));
                }
                let list_name = if self.toc.header.version >= ArchiveVersion::V1_16 {
                    format!("blobs_{dump_id}.toc")
                } else {
                    "blobs.toc".to_owned()
                };
                self.put_member(&list_name, list.len() as u64, &mut list.as_bytes())
            }
        }
    }

    /// Header, `len` bytes from `data`, padding (`_tarAddFile`).
    fn put_member(&mut self, name: &str, len: u64, data: &mut dyn Read) -> Result<(), FormatError> {
        let mtime = self.mtime.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
        let header = member_header(name, len, mtime)?;
        self.out.write_all(&header).map_err(FormatError::Write)?;
        let mut left = len;
        while left > 0 {
            let want = self
                .copy_buf
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = match data.read(&mut self.copy_buf[..want]) {
                Ok(0) => {
                    return Err(FormatError::TempFile(io::Error::other(format!(
                        "actual file length ({}) does not match expected ({len})",
                        len - left
                    ))));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(FormatError::TempFile(e)),
            };
            self.out
                .write_all(&self.copy_buf[..n])
                .map_err(FormatError::Write)?;
            left -= n as u64;
        }
        let pad = [0u8; BLOCK];
        let pad_len = usize::try_from(padding(len)).unwrap_or(0);
        self.out
            .write_all(&pad[..pad_len])
            .map_err(FormatError::Write)
    }

    /// Ends the archive: `restore.sql`, then two zero blocks. Every entry with data must have
    /// been written (pg_restore fails on a missing member). Returns the flushed output.
    pub fn finish(mut self) -> Result<W, FormatError> {
        self.check_not_broken()?;
        if let Some(open) = self.open {
            return Err(FormatError::unwritable(format!(
                "the data of entry {open} was not finished"
            )));
        }
        if let Some(&missing) = self.order.get(self.written) {
            let e = &self.toc.entries[missing];
            return Err(FormatError::unwritable(format!(
                "the data of entry {} ({} {}) was never written",
                e.dump_id, e.desc, e.tag
            )));
        }

        let mut spool = Spool::default();
        {
            let mut out = SpoolWrite {
                spool: &mut spool,
                policy: &mut self.policy,
            };
            out.write_all(SCRIPT_NOTE.as_bytes())
                .map_err(FormatError::Write)?;
            let mut sink = ScriptSink {
                out: TextSink::new(out, self.encoding),
                null_key: self.script.restrict_key.is_none(),
                large_objects: None,
            };
            let mut source = PathSource {
                encoding: self.encoding,
            };
            script::emit(&self.toc, &self.script, &mut source, &mut sink).map_err(|e| match e {
                ScriptError::Io(e) => FormatError::Write(e),
                ScriptError::Other(msg) => FormatError::unwritable(format!("restore.sql: {msg}")),
            })?;
        }
        let len = spool.len;
        let mut reader = spool.into_reader(&mut self.policy)?;
        self.put_member(SCRIPT_MEMBER, len, &mut reader)?;

        self.out
            .write_all(&[0u8; 2 * BLOCK])
            .map_err(FormatError::Write)?;
        let mut out = self
            .out
            .into_inner()
            .map_err(|e| FormatError::Write(e.into_error()))?;
        out.flush().map_err(FormatError::Write)?;
        Ok(out)
    }
}

fn data_member(dump_id: DumpId) -> String {
    format!("{dump_id}.dat")
}

/// Collects one data member. Call [`finish`](Self::finish): dropping it leaves the archive
/// without the member, and the archive writer refuses to go on.
pub struct TarDataWriter<'a, W: Write> {
    writer: &'a mut TarWriter<W>,
    index: usize,
    spool: Spool,
}

impl<W: Write> TarDataWriter<'_, W> {
    /// Ends the member; it is written out as soon as the members before it are.
    pub fn finish(self) -> Result<(), FormatError> {
        let TarDataWriter {
            writer,
            index,
            spool,
        } = self;
        writer.complete(index, Finished::Data(spool))
    }
}

impl<W: Write> Write for TarDataWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.spool
            .write(buf, &mut self.writer.policy)
            .map_err(io::Error::other)?;
        Ok(buf.len())
    }

    /// Nothing to flush: the member goes out whole, once finished.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Collects the large objects of one BLOBS entry: for each, `start_lo`, the bytes (through
/// `Write`), `end_lo`; then `finish`.
pub struct TarBlobsWriter<'a, W: Write> {
    writer: &'a mut TarWriter<W>,
    index: usize,
    /// The OID the first large object must have (1.16 and later).
    first_oid: Option<u32>,
    spool: Spool,
    los: Vec<(u32, u64)>,
    /// The large object being written, and where its bytes start in the spool.
    current: Option<(u32, u64)>,
}

impl<W: Write> TarBlobsWriter<'_, W> {
    pub fn start_lo(&mut self, oid: u32) -> Result<(), FormatError> {
        if let Some((open, _)) = self.current {
            return Err(FormatError::unwritable(format!(
                "large object {open} was not ended before large object {oid} began"
            )));
        }
        if oid == 0 {
            return Err(FormatError::unwritable(format!(
                "invalid OID for large object ({oid})"
            )));
        }
        if let Some(first) = self.first_oid.filter(|_| self.los.is_empty()) {
            if oid != first {
                let entry = &self.writer.toc.entries[self.index];
                return Err(FormatError::unwritable(format!(
                    "the first large object of BLOBS entry {} (tag \"{}\") must be {first}, \
                     not {oid}: pg_restore looks for blob_{first}.dat",
                    entry.dump_id, entry.tag
                )));
            }
        }
        self.current = Some((oid, self.spool.len));
        Ok(())
    }

    pub fn end_lo(&mut self) -> Result<(), FormatError> {
        let Some((oid, start)) = self.current.take() else {
            return Err(FormatError::unwritable("end_lo without start_lo"));
        };
        self.los.push((oid, self.spool.len - start));
        Ok(())
    }

    /// Ends the entry's large objects; they are written out as soon as the members before
    /// them are. An entry needs at least one (pg_restore cannot find an empty group).
    pub fn finish(self) -> Result<(), FormatError> {
        if let Some((oid, _)) = self.current {
            return Err(FormatError::unwritable(format!(
                "large object {oid} was not ended"
            )));
        }
        let TarBlobsWriter {
            writer,
            index,
            spool,
            los,
            ..
        } = self;
        if los.is_empty() {
            let entry = &writer.toc.entries[index];
            return Err(FormatError::unwritable(format!(
                "BLOBS entry {} has no large objects, which pg_restore cannot read from a tar \
                 archive",
                entry.dump_id
            )));
        }
        writer.complete(index, Finished::Blobs { spool, los })
    }
}

impl<W: Write> Write for TarBlobsWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.current.is_none() {
            return Err(io::Error::other(
                "large object data written outside start_lo/end_lo",
            ));
        }
        self.spool
            .write(buf, &mut self.writer.policy)
            .map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> MemberWrite for TarDataWriter<'_, W> {
    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        TarDataWriter::finish(*self)
    }
}

impl<W: Write> BlobsWrite for TarBlobsWriter<'_, W> {
    fn start_lo(&mut self, oid: u32) -> Result<(), FormatError> {
        TarBlobsWriter::start_lo(self, oid)
    }

    fn end_lo(&mut self) -> Result<(), FormatError> {
        TarBlobsWriter::end_lo(self)
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        TarBlobsWriter::finish(*self)
    }
}

impl<W: Write> ArchiveWrite for TarWriter<W> {
    fn data<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn MemberWrite + 'a>, FormatError> {
        Ok(Box::new(TarWriter::data(self, dump_id)?))
    }

    fn blobs<'a>(&'a mut self, dump_id: DumpId) -> Result<Box<dyn BlobsWrite + 'a>, FormatError> {
        Ok(Box::new(TarWriter::blobs(self, dump_id)?))
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        TarWriter::finish(*self).map(|_| ())
    }
}

// ---- restore.sql ----

/// What `_CloseArchive` prints before the script itself.
const SCRIPT_NOTE: &str = "--\n\
-- NOTE:\n\
--\n\
-- File paths need to be edited. Search for $$PATH$$ and\n\
-- replace it with the path to the directory containing\n\
-- the extracted data files.\n\
--\n";

/// `COPY ... FROM stdin;\n` without its ` FROM stdin;\n`, checked as `_PrintTocData` does.
fn copy_without_from(copy: &str) -> Result<&str, FormatError> {
    const FROM: &str = " FROM stdin;\n";
    match copy.strip_suffix(FROM) {
        Some(head) if head.len() >= 6 && head.starts_with("COPY ") => Ok(head),
        _ => Err(FormatError::TarCopyStatement(copy.to_owned())),
    }
}

/// Writes the script in the archive's encoding, as upstream's bytes are, with the two places
/// where the special script differs from a restore script put right.
struct ScriptSink<'a> {
    out: TextSink<SpoolWrite<'a>>,
    /// restore.sql has no `\restrict` key; upstream prints the missing key with `%s`, which
    /// glibc renders as `(null)`.
    null_key: bool,
    /// The large-object entry whose data part has been replaced by its `\i` line:
    /// `_PrintTocData` prints only that, where a restore writes the objects.
    large_objects: Option<DumpId>,
}

impl ScriptSink<'_> {
    fn text(&mut self, text: &str) -> Result<(), ScriptError> {
        self.out.sql(text, None)
    }
}

fn is_large_objects(entry: &TocEntry) -> bool {
    matches!(entry.desc.as_str(), "BLOBS" | "BLOB COMMENTS")
}

impl Sink for ScriptSink<'_> {
    fn is_database(&self) -> bool {
        false
    }

    fn comment(&mut self, text: &str) -> Result<(), ScriptError> {
        if self.null_key {
            if let Some(rest) = text.strip_prefix("\\unrestrict \n") {
                if let Some(connect) = rest.strip_suffix("\\restrict \n\n") {
                    return self.text(&format!(
                        "\\unrestrict (null)\n{connect}\\restrict (null)\n\n"
                    ));
                }
            }
        }
        self.text(text)
    }

    fn sql(&mut self, text: &str, entry: Option<&TocEntry>) -> Result<(), ScriptError> {
        match entry {
            // The data part of a large-object entry opens a transaction, writes the objects and
            // commits: the opening becomes the `\i`, the rest goes.
            Some(e) if is_large_objects(e) && e.had_dumper && text == "BEGIN;\n\n" => {
                self.large_objects = Some(e.dump_id);
                let line = format!("\\i $$PATH$$/{}\n\n", data_member(e.dump_id));
                self.text(&line)
            }
            Some(e) if self.large_objects == Some(e.dump_id) => Ok(()),
            _ => self.text(text),
        }
    }

    fn copy_begin(&mut self, copy_stmt: &str, entry: &TocEntry) -> Result<(), ScriptError> {
        self.out.copy_begin(copy_stmt, entry)
    }

    fn copy_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        self.out.copy_data(bytes)
    }

    fn copy_end(&mut self) -> Result<(), ScriptError> {
        self.out.copy_end()
    }

    fn sql_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        self.out.sql_data(bytes)
    }
}

/// Instead of the data, what `_PrintTocData` prints in the special script: the COPY from stdin
/// is ended at once and repeated reading the extracted file, and other table data is included
/// with `\i`. Large objects give nothing here; [`ScriptSink`] prints their `\i`.
struct PathSource {
    encoding: Encoding,
}

impl DataSource for PathSource {
    fn stream(&mut self, entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError> {
        if is_large_objects(entry) {
            return Ok(());
        }
        let file = data_member(entry.dump_id);
        let text = match entry.copy_stmt.as_deref() {
            Some(copy) => {
                let head =
                    copy_without_from(copy).map_err(|e| ScriptError::Other(e.to_string()))?;
                let mut text = b"\\.\n".to_vec();
                text.extend_from_slice(&script::encode_text(head, self.encoding)?);
                text.extend_from_slice(format!(" FROM '$$PATH$$/{file}';\n\n").as_bytes());
                text
            }
            None => format!("\\i $$PATH$$/{file}\n\n").into_bytes(),
        };
        Ok(out.data(&text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_like_print_tar_number() {
        let mut f = [0u8; 8];
        print_number(&mut f, 0o600);
        assert_eq!(&f, b"0000600 ");
        let mut f = [0u8; 12];
        print_number(&mut f, 3342);
        assert_eq!(&f, b"00000006416 ");
        assert_eq!(read_number(&f), 3342);
        // 8 GiB does not fit 11 octal digits: base-256.
        print_number(&mut f, 1 << 33);
        assert_eq!(f, [0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
        assert_eq!(read_number(&f), 1 << 33);
        print_number(&mut f, (1 << 33) - 1);
        assert_eq!(&f, b"77777777777 ");
        assert_eq!(read_number(b"12 4\0"), 0o12);
        assert_eq!(read_number(b" 12"), 0);
        assert_eq!(read_number(b""), 0);
    }

    #[test]
    fn header_matches_upstream_bytes() {
        // The toc.dat header of fixtures/golden/tar/pg15.tar (size 3342, mtime 1795465572).
        let h = member_header("toc.dat", 3342, 0o15301120572).unwrap();
        assert_eq!(&h[..8], b"toc.dat\0");
        assert_eq!(
            &h[100..156],
            b"0000600 0004000 0002000 00000006416 15301120572 0014442 "
        );
        assert_eq!(h[156], b'0');
        assert_eq!(&h[257..273], b"ustar\x0000postgres");
        assert_eq!(&h[297..305], b"postgres");
        assert_eq!(&h[329..345], b"0000000 0000000 ");
        assert!(h[345..].iter().all(|&b| b == 0));
        assert!(is_valid_header(&h));
        let mut bad = h;
        bad[0] = b'x';
        assert!(!is_valid_header(&bad));
        assert!(member_header(&"x".repeat(100), 0, 0).is_err());
        assert!(member_header(&"x".repeat(99), 0, 0).is_ok());
    }

    #[test]
    fn other_magics_are_accepted_by_detection() {
        let mut h = member_header("toc.dat", 1, 0).unwrap();
        for magic in [&b"ustar  \0"[..], b"ustar00\0"] {
            h[257..265].copy_from_slice(magic);
            h[148..156].fill(0);
            let sum = checksum(&h);
            print_number(&mut h[148..156], u64::from(sum));
            assert!(is_valid_header(&h));
        }
        h[257..265].copy_from_slice(b"ustar\0 1");
        h[148..156].fill(0);
        let sum = checksum(&h);
        print_number(&mut h[148..156], u64::from(sum));
        assert!(!is_valid_header(&h));
    }

    #[test]
    fn atooid_and_atoi() {
        assert_eq!(atooid("16500..16501"), 16500);
        assert_eq!(atooid("  42"), 42);
        assert_eq!(atooid("BLOBS"), 0);
        assert_eq!(atooid("16500.dat"), 16500);
        assert_eq!(atooid("99999999999999999999999"), u32::MAX);
        assert_eq!(leading_id("3346.dat"), 3346);
        assert_eq!(leading_id("blob_1.dat"), 0);
        assert_eq!(leading_id("toc.dat"), 0);
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 511);
        assert_eq!(padding(512), 0);
    }

    #[test]
    fn copy_statements_are_checked() {
        assert_eq!(
            copy_without_from("COPY public.t (a) FROM stdin;\n").unwrap(),
            "COPY public.t (a)"
        );
        assert_eq!(copy_without_from("COPY t FROM stdin;\n").unwrap(), "COPY t");
        assert!(copy_without_from("COPY FROM stdin;\n").is_err());
        assert!(copy_without_from("").is_err());
        assert!(copy_without_from("INSERT INTO t FROM stdin;\n").is_err());
    }

    #[test]
    fn spool_moves_to_disk_past_its_limits() {
        let dir = std::env::temp_dir();
        let mut policy = SpoolPolicy {
            dir: dir.clone(),
            memory_limit: 10,
            memory_used: 0,
        };
        let mut a = Spool::default();
        a.write(b"12345", &mut policy).unwrap();
        assert_eq!(policy.memory_used, 5);
        a.write(b"678901", &mut policy).unwrap();
        assert!(a.file.is_some());
        assert_eq!(policy.memory_used, 0);
        let mut back = Vec::new();
        a.into_reader(&mut policy)
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, b"12345678901");
        let mut b = Spool::default();
        b.write(b"abc", &mut policy).unwrap();
        assert_eq!(policy.memory_used, 3);
        let mut back = Vec::new();
        b.into_reader(&mut policy)
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, b"abc");
        assert_eq!(policy.memory_used, 0);
        // The files were unlinked when made.
        let leftovers = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!(".tusk-spill-{}-", std::process::id()))
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}

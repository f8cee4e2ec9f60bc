//! The archive's primitive encodings (archive-format.md §1): Byte, Int (sign byte + little-endian
//! magnitude of `intSize` bytes), Str (Int length, -1 = NULL) and Offset (flag byte + `offSize`
//! bytes).
//!
//! Reading tracks the absolute byte position so that every error can say where it happened and
//! what was being read, and caps every length before allocating for it. Writing always uses
//! upstream's sizes (intSize 4, offSize 8).

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

use crate::error::FormatError;
use crate::toc::DumpId;

/// Longest string a reader accepts (a PostgreSQL value cannot exceed 1 GB either).
pub const MAX_STR_LEN: u64 = 1 << 30;

/// Strings are read in pieces of this size, so memory grows only as bytes really arrive.
const READ_PIECE: usize = 64 * 1024;

/// The Int size upstream writes (`sizeof(int)`).
pub const WRITE_INT_SIZE: u8 = 4;
/// The Offset size upstream writes (`sizeof(pgoff_t)`).
pub const WRITE_OFF_SIZE: u8 = 8;

/// Offset flags (`K_OFFSET_*`).
pub const OFFSET_POS_NOT_SET: u8 = 1;
pub const OFFSET_POS_SET: u8 = 2;
pub const OFFSET_NO_DATA: u8 = 3;

/// What is being read, for error messages; formatted only when an error happens.
#[derive(Debug, Clone, Copy)]
pub(crate) enum What<'a> {
    Header(&'static str),
    TocCount,
    Entry {
        index: usize,
        dump_id: Option<i64>,
        field: &'a str,
    },
    Block {
        dump_id: DumpId,
        field: &'static str,
    },
    /// A block header met while searching for another entry's block.
    Scan(&'static str),
}

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            What::Header(field) => write!(f, "{field} in the header"),
            What::TocCount => f.write_str("the TOC entry count"),
            What::Entry {
                index,
                dump_id: None,
                field,
            } => write!(f, "{field} of TOC entry #{index}"),
            What::Entry {
                index,
                dump_id: Some(id),
                field,
            } => {
                write!(f, "{field} of TOC entry #{index} (dump ID {id})")
            }
            What::Block { dump_id, field } => {
                write!(f, "{field} in the data of TOC entry {dump_id}")
            }
            What::Scan(field) => write!(f, "{field} while searching for a data block"),
        }
    }
}

/// An Offset as stored: the flag and the raw value (meaningful only for flag 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawOffset {
    pub flag: u8,
    pub value: u64,
}

/// A `Read` with a position counter and the archive's integer layout.
pub(crate) struct ByteReader<R> {
    inner: R,
    pos: u64,
    /// Absolute end of the input when known (seekable files): lengths that reach past it are
    /// refused before reading.
    end: Option<u64>,
    int_size: u8,
    off_size: u8,
    /// Archives 1.0 have no sign byte in Ints.
    signed: bool,
    /// Archives before 1.7 store offsets as Ints.
    int_offsets: bool,
}

impl<R: Read> ByteReader<R> {
    pub fn new(inner: R, pos: u64, end: Option<u64>) -> Self {
        ByteReader {
            inner,
            pos,
            end,
            int_size: WRITE_INT_SIZE,
            off_size: WRITE_OFF_SIZE,
            signed: true,
            int_offsets: false,
        }
    }

    pub fn set_layout(&mut self, int_size: u8, off_size: u8, signed: bool, int_offsets: bool) {
        self.int_size = int_size;
        self.off_size = off_size;
        self.signed = signed;
        self.int_offsets = int_offsets;
    }

    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Bytes left before the known end, if it is known.
    pub fn remaining(&self) -> Option<u64> {
        self.end.map(|end| end.saturating_sub(self.pos))
    }

    /// For callers that moved the underlying reader themselves (seeking).
    pub fn set_pos(&mut self, pos: u64) {
        self.pos = pos;
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Bytes of one Int in this archive.
    pub fn int_len(&self) -> u64 {
        u64::from(self.int_size) + u64::from(self.signed)
    }

    /// Fills `buf`; `start` is where the field being read began, for the error.
    fn fill(&mut self, buf: &mut [u8], what: What<'_>, start: u64) -> Result<(), FormatError> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.pos += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(FormatError::Truncated {
                what: what.to_string(),
                offset: start,
            }),
            Err(source) => Err(FormatError::Read {
                offset: self.pos,
                source,
            }),
        }
    }

    pub fn read_bytes(&mut self, buf: &mut [u8], what: What<'_>) -> Result<(), FormatError> {
        let start = self.pos;
        self.fill(buf, what, start)
    }

    pub fn read_byte(&mut self, what: What<'_>) -> Result<u8, FormatError> {
        let mut b = [0u8; 1];
        self.read_bytes(&mut b, what)?;
        Ok(b[0])
    }

    /// An Int as i64. Any non-zero sign byte means negative, as in upstream; "negative zero"
    /// is 0.
    pub fn read_int(&mut self, what: What<'_>) -> Result<i64, FormatError> {
        let start = self.pos;
        let sign_len = usize::from(self.signed);
        let len = sign_len + usize::from(self.int_size);
        let mut buf = [0u8; 9];
        self.fill(&mut buf[..len], what, start)?;
        let mut mag = [0u8; 8];
        mag[..len - sign_len].copy_from_slice(&buf[sign_len..len]);
        let magnitude = u64::from_le_bytes(mag);
        let value = i64::try_from(magnitude).map_err(|_| FormatError::Invalid {
            what: what.to_string(),
            offset: start,
            detail: format!("integer magnitude {magnitude} is too large"),
        })?;
        Ok(if sign_len == 1 && buf[0] != 0 {
            -value
        } else {
            value
        })
    }

    /// An Int that upstream keeps in a C `int`.
    pub fn read_i32(&mut self, what: What<'_>) -> Result<i32, FormatError> {
        let start = self.pos;
        let v = self.read_int(what)?;
        i32::try_from(v).map_err(|_| FormatError::Invalid {
            what: what.to_string(),
            offset: start,
            detail: format!("{v} does not fit in a 32-bit integer"),
        })
    }

    /// An OID written with upstream's `WriteInt(AH, oid)`: OIDs above 2^31 go through a C int
    /// and come out negative, which reading back as a C int and casting undoes.
    pub fn read_oid(&mut self, what: What<'_>) -> Result<u32, FormatError> {
        let start = self.pos;
        let v = self.read_int(what)?;
        if let Ok(oid) = u32::try_from(v) {
            return Ok(oid);
        }
        match i32::try_from(v) {
            Ok(negative) => Ok(negative as u32),
            Err(_) => Err(FormatError::Invalid {
                what: what.to_string(),
                offset: start,
                detail: format!("{v} is not an OID"),
            }),
        }
    }

    /// Checks a length read at `start` against `limit` and against what the input still holds.
    fn check_len(
        &self,
        v: i64,
        what: What<'_>,
        start: u64,
        limit: u64,
    ) -> Result<u64, FormatError> {
        let len = v.unsigned_abs();
        if len > limit {
            return Err(FormatError::TooLong {
                what: what.to_string(),
                offset: start,
                len,
                limit,
            });
        }
        // Refuse a length that runs past the end of the file before allocating for it.
        if self.remaining().is_some_and(|rest| len > rest) {
            return Err(FormatError::Truncated {
                what: what.to_string(),
                offset: start,
            });
        }
        Ok(len)
    }

    /// A Str as raw bytes: `None` for NULL (any negative length), `Some(vec![])` for "".
    pub fn read_str(&mut self, what: What<'_>) -> Result<Option<Vec<u8>>, FormatError> {
        let start = self.pos;
        let v = self.read_int(what)?;
        if v < 0 {
            return Ok(None);
        }
        let len = self.check_len(v, what, start, MAX_STR_LEN)?;
        let len = usize::try_from(len).map_err(|_| FormatError::TooLong {
            what: what.to_string(),
            offset: start,
            len,
            limit: usize::MAX as u64,
        })?;
        let mut out = Vec::with_capacity(len.min(READ_PIECE));
        while out.len() < len {
            let have = out.len();
            let piece = (len - have).min(READ_PIECE);
            out.resize(have + piece, 0);
            self.fill(&mut out[have..], what, start)?;
        }
        Ok(Some(out))
    }

    /// A chunk length or similar count of following bytes: 0 ends a stream, negative is invalid.
    pub fn read_len(&mut self, what: What<'_>) -> Result<u64, FormatError> {
        let start = self.pos;
        let v = self.read_int(what)?;
        if v < 0 {
            return Err(FormatError::Invalid {
                what: what.to_string(),
                offset: start,
                detail: format!("negative length {v}"),
            });
        }
        self.check_len(v, what, start, i32::MAX as u64)
    }

    /// An Offset (the custom format's per-entry data position).
    pub fn read_offset(&mut self, what: What<'_>) -> Result<RawOffset, FormatError> {
        let start = self.pos;
        if self.int_offsets {
            let v = self.read_int(what)?;
            return Ok(match v {
                v if v < 0 => RawOffset {
                    flag: OFFSET_POS_NOT_SET,
                    value: 0,
                },
                0 => RawOffset {
                    flag: OFFSET_NO_DATA,
                    value: 0,
                },
                v => RawOffset {
                    flag: OFFSET_POS_SET,
                    value: v.unsigned_abs(),
                },
            });
        }
        let flag = self.read_byte(what)?;
        if !matches!(flag, OFFSET_POS_NOT_SET | OFFSET_POS_SET | OFFSET_NO_DATA) {
            return Err(FormatError::Invalid {
                what: what.to_string(),
                offset: start,
                detail: format!("unexpected data offset flag {flag}"),
            });
        }
        let mut bytes = [0u8; 32];
        let n = usize::from(self.off_size);
        self.fill(&mut bytes[..n], what, start)?;
        if bytes[8.min(n)..n].iter().any(|&b| b != 0) {
            return Err(FormatError::Invalid {
                what: what.to_string(),
                offset: start,
                detail: "file offset in dump file is too large".into(),
            });
        }
        let mut value = [0u8; 8];
        value[..n.min(8)].copy_from_slice(&bytes[..n.min(8)]);
        Ok(RawOffset {
            flag,
            value: u64::from_le_bytes(value),
        })
    }

    /// Reads and drops `len` bytes (skipping on input that cannot seek).
    pub fn discard(&mut self, len: u64, what: What<'_>) -> Result<(), FormatError> {
        let start = self.pos;
        let copied =
            io::copy(&mut (&mut self.inner).take(len), &mut io::sink()).map_err(|source| {
                FormatError::Read {
                    offset: self.pos,
                    source,
                }
            })?;
        self.pos += copied;
        if copied < len {
            return Err(FormatError::Truncated {
                what: what.to_string(),
                offset: start,
            });
        }
        Ok(())
    }
}

/// An Int with upstream's layout (sign byte, 4 bytes LE magnitude).
pub fn int_bytes(v: i32) -> [u8; 5] {
    let m = v.unsigned_abs().to_le_bytes();
    [u8::from(v < 0), m[0], m[1], m[2], m[3]]
}

pub(crate) fn put_int(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&int_bytes(v));
}

/// A Str; `None` writes NULL.
pub(crate) fn put_str(
    out: &mut Vec<u8>,
    s: Option<&[u8]>,
    place: &dyn Fn() -> String,
) -> Result<(), FormatError> {
    match s {
        None => put_int(out, -1),
        Some(bytes) => {
            let len = i32::try_from(bytes.len()).map_err(|_| {
                FormatError::unwritable(format!(
                    "{} is {} bytes, too long for an archive string",
                    place(),
                    bytes.len()
                ))
            })?;
            put_int(out, len);
            out.extend_from_slice(bytes);
        }
    }
    Ok(())
}

/// An Offset with upstream's layout (flag, 8 bytes LE).
pub fn offset_bytes(flag: u8, value: u64) -> [u8; 9] {
    let mut b = [0u8; 9];
    b[0] = flag;
    b[1..].copy_from_slice(&value.to_le_bytes());
    b
}

/// Upstream's checkSeek: the position can be told and set (pipes fail with ESPIPE). Returns
/// the position when it can.
pub(crate) fn position_if_seekable<S: Seek>(s: &mut S) -> Option<u64> {
    let pos = s.stream_position().ok()?;
    s.seek(SeekFrom::Start(pos)).ok()?;
    Some(pos)
}

/// For a seekable input: where reading starts (`at`, else where it stands), with the input
/// moved there, and its length when known. `None` for a pipe.
pub(crate) fn seekable_span<S: Seek>(
    s: &mut S,
    at: Option<u64>,
) -> Result<Option<(u64, Option<u64>)>, FormatError> {
    let Some(here) = position_if_seekable(s) else {
        return Ok(None);
    };
    let end = s.seek(SeekFrom::End(0)).ok();
    let start = at.unwrap_or(here);
    s.seek(SeekFrom::Start(start))
        .map_err(|source| FormatError::Seek {
            offset: start,
            source,
        })?;
    Ok(Some((start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> ByteReader<&[u8]> {
        ByteReader::new(bytes, 0, Some(bytes.len() as u64))
    }

    const W: What<'static> = What::Header("test field");

    #[test]
    fn int_examples_from_the_spec() {
        assert_eq!(int_bytes(0), [0, 0, 0, 0, 0]);
        assert_eq!(int_bytes(17), [0, 0x11, 0, 0, 0]);
        assert_eq!(int_bytes(-1), [1, 1, 0, 0, 0]);
        assert_eq!(int_bytes(3354), [0, 0x1a, 0x0d, 0, 0]);
        assert_eq!(int_bytes(i32::MIN), [1, 0, 0, 0, 0x80]);
        for (bytes, v) in [
            (&[0u8, 0, 0, 0, 0][..], 0i64),
            (&[0, 0x11, 0, 0, 0], 17),
            (&[1, 1, 0, 0, 0], -1),
            (&[0, 0x1a, 0x0d, 0, 0], 3354),
            (&[1, 0, 0, 0, 0], 0),
            (&[7, 5, 0, 0, 0], -5),
        ] {
            assert_eq!(reader(bytes).read_int(W).unwrap(), v, "{bytes:?}");
        }
    }

    #[test]
    fn int_honours_int_size_and_unsigned_old_archives() {
        let mut r = reader(&[0, 1, 2, 3, 4, 5, 6, 7, 0]);
        r.set_layout(8, 8, true, false);
        assert_eq!(r.read_int(W).unwrap(), 0x0007_0605_0403_0201);
        let mut r = reader(&[0x34, 0x12]);
        r.set_layout(2, 2, false, false);
        assert_eq!(r.read_int(W).unwrap(), 0x1234);
        let mut r = reader(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        r.set_layout(8, 8, true, false);
        assert!(matches!(r.read_int(W), Err(FormatError::Invalid { .. })));
    }

    #[test]
    fn i32_and_oid_ranges() {
        assert!(reader(&[0, 0, 0, 0, 0x80]).read_i32(W).is_err());
        assert_eq!(
            reader(&[0, 0xff, 0xff, 0xff, 0xff]).read_oid(W).unwrap(),
            u32::MAX
        );
        // upstream's WriteInt(oid) for oid 4294967295 goes through int -1.
        assert_eq!(
            reader(&int_bytes(u32::MAX as i32)).read_oid(W).unwrap(),
            u32::MAX
        );
        assert_eq!(reader(&int_bytes(i32::MIN)).read_oid(W).unwrap(), 1 << 31);
    }

    #[test]
    fn str_null_empty_and_text() {
        assert_eq!(reader(&[1, 1, 0, 0, 0]).read_str(W).unwrap(), None);
        assert_eq!(reader(&[1, 9, 0, 0, 0]).read_str(W).unwrap(), None);
        assert_eq!(reader(&[0, 0, 0, 0, 0]).read_str(W).unwrap(), Some(vec![]));
        assert_eq!(
            reader(b"\x00\x04\x00\x00\x00demo").read_str(W).unwrap(),
            Some(b"demo".to_vec())
        );
        let mut out = Vec::new();
        put_str(&mut out, None, &|| "x".into()).unwrap();
        put_str(&mut out, Some(b""), &|| "x".into()).unwrap();
        put_str(&mut out, Some(b"ab"), &|| "x".into()).unwrap();
        assert_eq!(
            out,
            b"\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00ab"
        );
    }

    #[test]
    fn lying_lengths_are_refused_before_allocating() {
        // 2 GiB - 1 claimed, 3 bytes present, known end: refused as truncated at once.
        let err = reader(b"\x00\xff\xff\xff\x7fabc").read_str(W).unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::TooLong {
                    len: 0x7fff_ffff,
                    ..
                }
            ),
            "{err}"
        );
        let err = reader(b"\x00\x00\x00\x00\x01abc").read_str(W).unwrap_err();
        assert!(
            matches!(err, FormatError::Truncated { offset: 0, .. }),
            "{err}"
        );
        // Unknown end (a pipe): read piecewise, fails at the real end without a huge allocation.
        let mut r = ByteReader::new(&b"\x00\x00\x00\x00\x30abc"[..], 100, None);
        let err = r.read_str(W).unwrap_err();
        assert_eq!(
            err.to_string(),
            "truncated archive: reading test field in the header at offset 100"
        );
    }

    #[test]
    fn offsets() {
        let set = offset_bytes(OFFSET_POS_SET, 0x1234);
        let mut r = reader(&set);
        assert_eq!(
            r.read_offset(W).unwrap(),
            RawOffset {
                flag: 2,
                value: 0x1234
            }
        );
        assert!(reader(&offset_bytes(4, 0)).read_offset(W).is_err());
        // offSize 10 with non-zero high bytes.
        let mut r = reader(&[2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        r.set_layout(4, 10, true, false);
        assert!(
            r.read_offset(W)
                .unwrap_err()
                .to_string()
                .contains("too large")
        );
        let mut r = reader(&[2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        r.set_layout(4, 10, true, false);
        assert_eq!(r.read_offset(W).unwrap().value, 1);
        // offSize 4 (old 32-bit archives).
        let mut r = reader(&[2, 1, 2, 0, 0]);
        r.set_layout(4, 4, true, false);
        assert_eq!(r.read_offset(W).unwrap().value, 0x201);
        // Pre-1.7: a plain Int.
        let mut r = reader(&[1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0]);
        r.set_layout(4, 4, true, true);
        assert_eq!(r.read_offset(W).unwrap().flag, OFFSET_POS_NOT_SET);
        assert_eq!(r.read_offset(W).unwrap().flag, OFFSET_NO_DATA);
        assert_eq!(
            r.read_offset(W).unwrap(),
            RawOffset {
                flag: OFFSET_POS_SET,
                value: 9
            }
        );
    }

    #[test]
    fn truncation_names_field_and_offset() {
        let mut r = ByteReader::new(&[0u8, 1][..], 40, None);
        let what = What::Entry {
            index: 17,
            dump_id: Some(3346),
            field: "tag",
        };
        let err = r.read_str(what).unwrap_err();
        assert_eq!(
            err.to_string(),
            "truncated archive: reading tag of TOC entry #17 (dump ID 3346) at offset 40"
        );
    }
}

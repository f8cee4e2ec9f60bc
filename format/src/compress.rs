//! Streaming codecs for data members, cut into chunks the way upstream's custom format cuts
//! them (archive-format.md §4.5). The container decides how a chunk is framed (the custom
//! format prefixes each with an Int length); this module decides where chunks start and end
//! and what bytes they hold.
//!
//! Writer rules that every algorithm keeps: exactly one complete stream per data member (and per
//! large object), even an empty one, and never an empty chunk, since a zero length ends the
//! member. Readers are stricter than upstream's where upstream misbehaves: data after the end of
//! a zlib stream (pg_restore loops forever) and a stream that stops short are errors.
//!
//! Per algorithm (upstream 16-18, compress_gzip.c / compress_lz4.c / compress_zstd.c):
//!
//! - gzip: one zlib stream, chunks of at most 4096 bytes.
//! - lz4: one LZ4 frame (64 KiB linked blocks, no checksums, no content size). The frame header
//!   is a chunk of its own; input goes in in 4096-byte pieces and every piece's output that is
//!   not empty (a finished block) is a chunk; the last block and the end mark are the last
//!   chunk. The reader takes any number of frames, concatenated anywhere, and zero chunks.
//! - zstd: one zstd frame (no checksum, no content size, long-distance matching if asked);
//!   each library call's output that is not empty is a chunk. The reader decodes every frame it
//!   is given, wherever one starts (pg_restore silently drops a frame that starts inside the
//!   chunk where the one before ended), and zero chunks.
//!
//! Both lz4 and zstd readers fail on a frame cut short, where upstream's ignore it. The
//! compressed bytes are not upstream's (lz4_flex has no high-compression levels, and any other
//! library version compresses differently); the frames are, which is what readers need.

use std::io::{self, Write as _};

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};
use lz4_flex::frame::{BlockMode, BlockSize, FrameEncoder, FrameInfo};
use twox_hash::XxHash32;
use zstd::zstd_safe::{self, CCtx, CParameter, DCtx, InBuffer, OutBuffer};

use crate::toc::{Compression, CompressionAlgorithm};

/// Upstream's DEFAULT_IO_BUFFER_SIZE: the zlib output buffer, and so the largest gzip chunk.
pub const GZIP_CHUNK_SIZE: usize = 4096;

/// The largest chunk a custom archive can frame (its length is a C int).
pub const MAX_CHUNK: usize = i32::MAX as usize;

/// zlib's Z_DEFAULT_COMPRESSION level, used when the request names no level (or -1).
pub const GZIP_DEFAULT_LEVEL: u32 = 6;

/// Size of the buffer decompressed output is handed out in.
const INFLATE_OUT: usize = 64 * 1024;

/// Where produced bytes go: the compressor's chunks, or the decompressor's plain output.
pub type Output<'a> = &'a mut dyn FnMut(&[u8]) -> io::Result<()>;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The `Output` callback failed; its error is passed through.
    #[error(transparent)]
    Output(io::Error),
    #[error("compression with {0} is not supported by this build")]
    Unsupported(&'static str),
    #[error("invalid compression level {level} for {algorithm}")]
    BadLevel { algorithm: &'static str, level: i32 },
    /// The compressed data is damaged, incomplete or followed by garbage.
    #[error("could not uncompress data: {0}")]
    Corrupt(String),
    /// The compression library failed on good input; not expected to happen.
    #[error("compression library failed: {0}")]
    Library(String),
}

/// Upstream feeds LZ4F at most DEFAULT_IO_BUFFER_SIZE bytes per call.
const LZ4_INPUT_PIECE: usize = 4096;

/// The lz4 levels upstream accepts: 0 is LZ4F's default fast mode, 3 and up its HC modes.
const LZ4_MAX_LEVEL: i32 = 12;

/// The zlib level a request means, checked.
fn gzip_level(compression: Compression) -> Result<u32, CodecError> {
    match compression.level {
        None | Some(-1) => Ok(GZIP_DEFAULT_LEVEL),
        Some(level @ 0..=9) => Ok(level.unsigned_abs()),
        Some(level) => Err(CodecError::BadLevel {
            algorithm: "gzip",
            level,
        }),
    }
}

/// The two bytes zlib starts a stream with at `compression`'s level (deflateInit's header),
/// for a member whose pieces were compressed as raw deflate.
pub fn zlib_header(compression: Compression) -> Result<[u8; 2], CodecError> {
    let level_flags: u16 = match gzip_level(compression)? {
        0 | 1 => 0,
        2..=5 => 1,
        6 => 2,
        _ => 3,
    };
    let header = (0x78u16 << 8) | (level_flags << 6);
    Ok((header + 31 - header % 31).to_be_bytes())
}

/// zlib's `adler32_combine`: the Adler-32 of two byte strings one after the other, from the
/// checksum of each and the length of the second.
pub fn adler32_combine(first: u32, second: u32, second_len: u64) -> u32 {
    const BASE: u64 = 65521;
    let rem = second_len % BASE;
    let (a1, b1) = (u64::from(first & 0xffff), u64::from(first >> 16));
    let (a2, b2) = (u64::from(second & 0xffff), u64::from(second >> 16));
    let sum1 = (a1 + a2 + BASE - 1) % BASE;
    let sum2 = (rem * a1 % BASE + b1 + b2 + BASE - rem) % BASE;
    // Both sums are below 65521.
    (sum1 | (sum2 << 16)) as u32
}

/// Checks an lz4 level. lz4_flex compresses every level alike (LZ4's fast mode), so the level
/// only has to be one upstream would take.
fn check_lz4_level(compression: Compression) -> Result<(), CodecError> {
    match compression.level {
        None | Some(0..=LZ4_MAX_LEVEL) => Ok(()),
        Some(level) => Err(CodecError::BadLevel {
            algorithm: "lz4",
            level,
        }),
    }
}

/// The zstd level a request means, checked against the linked libzstd's range (0 is libzstd's
/// own default, as upstream passes it through).
fn zstd_level(compression: Compression) -> Result<i32, CodecError> {
    match compression.level {
        None => Ok(zstd_safe::CLEVEL_DEFAULT),
        Some(level) if (zstd_safe::min_c_level()..=zstd_safe::max_c_level()).contains(&level) => {
            Ok(level)
        }
        Some(level) => Err(CodecError::BadLevel {
            algorithm: "zstd",
            level,
        }),
    }
}

/// Checks that a compression request can be carried out, without starting a stream.
pub fn check_supported(compression: Compression) -> Result<(), CodecError> {
    match compression.algorithm {
        CompressionAlgorithm::None => Ok(()),
        CompressionAlgorithm::Gzip => gzip_level(compression).map(|_| ()),
        CompressionAlgorithm::Lz4 => check_lz4_level(compression),
        CompressionAlgorithm::Zstd => zstd_level(compression).map(|_| ()),
    }
}

/// One data member's compressor. Feed it with [`write`](Compressor::write), end it with
/// [`finish`](Compressor::finish); both hand finished chunks to `out`.
pub struct Compressor {
    inner: CompressorInner,
}

enum CompressorInner {
    None,
    Gzip(Box<GzipCompressor>),
    Lz4(Box<Lz4Compressor>),
    Zstd(Box<ZstdCompressor>),
}

struct GzipCompressor {
    zlib: Compress,
    buf: [u8; GZIP_CHUNK_SIZE],
    fill: usize,
    /// How the stream ends: `Finish` for a whole member or a split member's last piece; a
    /// full flush for an earlier piece, which leaves the deflate stream byte-aligned with no
    /// state carried over, so the next piece, compressed apart, continues it.
    end: FlushCompress,
}

/// Which part of a data member a compressor makes: all of it, or a piece of a member split
/// between threads (gzip pieces are raw deflate; [`zlib_header`] and the combined Adler-32
/// around them make the one zlib stream of the member).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Whole,
    Piece { last: bool },
}

impl Compressor {
    pub fn new(compression: Compression) -> Result<Self, CodecError> {
        Compressor::for_part(compression, Part::Whole)
    }

    /// A compressor for `part` of a member. Lz4 and zstd pieces are whole frames, which
    /// readers take one after the other.
    pub fn for_part(compression: Compression, part: Part) -> Result<Self, CodecError> {
        let inner = match compression.algorithm {
            CompressionAlgorithm::None => CompressorInner::None,
            CompressionAlgorithm::Gzip => {
                let level = flate2::Compression::new(gzip_level(compression)?);
                CompressorInner::Gzip(Box::new(GzipCompressor {
                    zlib: Compress::new(level, part == Part::Whole),
                    buf: [0; GZIP_CHUNK_SIZE],
                    fill: 0,
                    end: match part {
                        Part::Piece { last: false } => FlushCompress::Full,
                        _ => FlushCompress::Finish,
                    },
                }))
            }
            CompressionAlgorithm::Lz4 => {
                check_lz4_level(compression)?;
                CompressorInner::Lz4(Box::new(Lz4Compressor::new()))
            }
            CompressionAlgorithm::Zstd => {
                let level = zstd_level(compression)?;
                CompressorInner::Zstd(Box::new(ZstdCompressor::new(level, compression.long)?))
            }
        };
        Ok(Compressor { inner })
    }

    /// Compresses `data`. Uncompressed, each call is one chunk (as upstream writes one per COPY
    /// row), and an empty call writes nothing. Gzip emits a chunk each time 4096 bytes of zlib
    /// output have piled up; lz4 the frame header on the first call, then each finished block;
    /// zstd whatever the library hands out.
    pub fn write(&mut self, data: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        match &mut self.inner {
            CompressorInner::None => {
                for piece in data.chunks(MAX_CHUNK) {
                    out(piece).map_err(CodecError::Output)?;
                }
                Ok(())
            }
            CompressorInner::Gzip(gz) => gz.write(data, out),
            CompressorInner::Lz4(lz) => lz.write(data, out),
            CompressorInner::Zstd(zs) => zs.write(data, out),
        }
    }

    /// Ends the stream: gzip writes the rest of the zlib stream, lz4 and zstd end their frame
    /// (each a complete stream even when nothing was written).
    pub fn finish(self, out: Output<'_>) -> Result<(), CodecError> {
        match self.inner {
            CompressorInner::None => Ok(()),
            CompressorInner::Gzip(mut gz) => gz.finish(out),
            CompressorInner::Lz4(lz) => lz.finish(out),
            CompressorInner::Zstd(mut zs) => zs.finish(out),
        }
    }
}

impl GzipCompressor {
    /// Runs zlib once into the free part of the buffer; returns (consumed, status).
    fn step(&mut self, input: &[u8], flush: FlushCompress) -> Result<(usize, Status), CodecError> {
        let (in_before, out_before) = (self.zlib.total_in(), self.zlib.total_out());
        let status = self
            .zlib
            .compress(input, &mut self.buf[self.fill..], flush)
            .map_err(|e| CodecError::Library(e.to_string()))?;
        let consumed = usize::try_from(self.zlib.total_in() - in_before).unwrap_or(usize::MAX);
        let produced = usize::try_from(self.zlib.total_out() - out_before).unwrap_or(usize::MAX);
        self.fill = self.fill.saturating_add(produced).min(GZIP_CHUNK_SIZE);
        if consumed == 0
            && produced == 0
            && self.fill < GZIP_CHUNK_SIZE
            && status != Status::StreamEnd
        {
            return Err(CodecError::Library("deflate made no progress".into()));
        }
        Ok((consumed.min(input.len()), status))
    }

    fn emit_if_full(&mut self, out: Output<'_>) -> Result<(), CodecError> {
        if self.fill == GZIP_CHUNK_SIZE {
            out(&self.buf).map_err(CodecError::Output)?;
            self.fill = 0;
        }
        Ok(())
    }

    fn write(&mut self, mut data: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        while !data.is_empty() {
            let (consumed, _) = self.step(data, FlushCompress::None)?;
            data = &data[consumed..];
            self.emit_if_full(out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: Output<'_>) -> Result<(), CodecError> {
        loop {
            let (_, status) = self.step(&[], self.end)?;
            // A full flush is complete once it left room in the buffer.
            let flushed = self.end == FlushCompress::Full && self.fill < GZIP_CHUNK_SIZE;
            self.emit_if_full(out)?;
            if status == Status::StreamEnd || flushed {
                break;
            }
        }
        if self.fill > 0 {
            out(&self.buf[..self.fill]).map_err(CodecError::Output)?;
            self.fill = 0;
        }
        Ok(())
    }
}

/// One data member's decompressor. Feed it the chunks' bytes in order, in pieces of any size,
/// then call [`finish`](Decompressor::finish), which fails if the stream was incomplete.
pub struct Decompressor {
    inner: DecompressorInner,
}

enum DecompressorInner {
    None,
    Gzip(Box<GzipDecompressor>),
    Lz4(Box<Lz4Decompressor>),
    Zstd(Box<ZstdDecompressor>),
}

struct GzipDecompressor {
    zlib: Decompress,
    buf: Vec<u8>,
    done: bool,
}

impl Decompressor {
    pub fn new(algorithm: CompressionAlgorithm) -> Result<Self, CodecError> {
        let inner = match algorithm {
            CompressionAlgorithm::None => DecompressorInner::None,
            CompressionAlgorithm::Gzip => DecompressorInner::Gzip(Box::new(GzipDecompressor {
                zlib: Decompress::new(true),
                buf: vec![0; INFLATE_OUT],
                done: false,
            })),
            CompressionAlgorithm::Lz4 => DecompressorInner::Lz4(Box::default()),
            CompressionAlgorithm::Zstd => {
                DecompressorInner::Zstd(Box::new(ZstdDecompressor::new()?))
            }
        };
        Ok(Decompressor { inner })
    }

    pub fn feed(&mut self, input: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        match &mut self.inner {
            DecompressorInner::None => {
                if input.is_empty() {
                    Ok(())
                } else {
                    out(input).map_err(CodecError::Output)
                }
            }
            DecompressorInner::Gzip(gz) => gz.feed(input, out),
            DecompressorInner::Lz4(lz) => lz.feed(input, out),
            DecompressorInner::Zstd(zs) => zs.feed(input, out),
        }
    }

    /// Ends the stream; fails if it stopped inside a zlib stream or an lz4/zstd frame. No
    /// chunks at all is an empty lz4 or zstd member, but an incomplete zlib stream.
    pub fn finish(self, out: Output<'_>) -> Result<(), CodecError> {
        match self.inner {
            DecompressorInner::None => Ok(()),
            DecompressorInner::Gzip(mut gz) => gz.finish(out),
            DecompressorInner::Lz4(lz) => lz.finish(),
            DecompressorInner::Zstd(mut zs) => zs.finish(out),
        }
    }
}

impl GzipDecompressor {
    /// Inflates once into the output buffer and hands the output on; returns
    /// (consumed, produced, status).
    fn step(
        &mut self,
        input: &[u8],
        flush: FlushDecompress,
        out: Output<'_>,
    ) -> Result<(usize, usize, Status), CodecError> {
        let (in_before, out_before) = (self.zlib.total_in(), self.zlib.total_out());
        let status = self
            .zlib
            .decompress(input, &mut self.buf, flush)
            .map_err(|e| CodecError::Corrupt(e.to_string()))?;
        let consumed = usize::try_from(self.zlib.total_in() - in_before)
            .unwrap_or(usize::MAX)
            .min(input.len());
        let produced = usize::try_from(self.zlib.total_out() - out_before)
            .unwrap_or(usize::MAX)
            .min(self.buf.len());
        if produced > 0 {
            out(&self.buf[..produced]).map_err(CodecError::Output)?;
        }
        if status == Status::StreamEnd {
            self.done = true;
        }
        Ok((consumed, produced, status))
    }

    fn trailing_data() -> CodecError {
        // pg_restore would loop forever on this archive rather than report it.
        CodecError::Corrupt("data follows the end of the zlib stream".into())
    }

    fn feed(&mut self, mut input: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        if input.is_empty() {
            return Ok(());
        }
        if self.done {
            return Err(Self::trailing_data());
        }
        loop {
            let (consumed, produced, status) = self.step(input, FlushDecompress::None, out)?;
            input = &input[consumed..];
            if status == Status::StreamEnd {
                return if input.is_empty() {
                    Ok(())
                } else {
                    Err(Self::trailing_data())
                };
            }
            // A full output buffer may hide more output even when the input is used up.
            if input.is_empty() && produced < self.buf.len() {
                return Ok(());
            }
            if consumed == 0 && produced == 0 {
                return Err(CodecError::Corrupt("inflate made no progress".into()));
            }
        }
    }

    fn finish(&mut self, out: Output<'_>) -> Result<(), CodecError> {
        while !self.done {
            let (_, produced, _) = self.step(&[], FlushDecompress::Finish, out)?;
            if produced == 0 && !self.done {
                return Err(CodecError::Corrupt(
                    "compressed data ends before the end of the zlib stream".into(),
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// lz4 (compress_lz4.c; the frame format is lz4's doc/lz4_Frame_format.md)
// ---------------------------------------------------------------------------------------------

const LZ4_MAGIC: u32 = 0x184D_2204;
const LZ4_LEGACY_MAGIC: u32 = 0x184C_2102;
/// Skippable frames, which LZ4F passes over.
const LZ4_SKIPPABLE_MAGIC: std::ops::RangeInclusive<u32> = 0x184D_2A50..=0x184D_2A5F;
/// The end mark is a zero block size.
const LZ4_END_MARK_LEN: usize = 4;
/// How far back a linked block may refer.
const LZ4_WINDOW: usize = 64 * 1024;

const LZ4_FLG_INDEPENDENT: u8 = 0x20;
const LZ4_FLG_BLOCK_CHECKSUM: u8 = 0x10;
const LZ4_FLG_CONTENT_SIZE: u8 = 0x08;
const LZ4_FLG_CONTENT_CHECKSUM: u8 = 0x04;
const LZ4_FLG_RESERVED: u8 = 0x02;
const LZ4_FLG_DICT_ID: u8 = 0x01;
const LZ4_BD_RESERVED: u8 = 0x8f;
const LZ4_UNCOMPRESSED_BLOCK: u32 = 0x8000_0000;

fn le32(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

fn lz4_corrupt(detail: impl Into<String>) -> CodecError {
    CodecError::Corrupt(detail.into())
}

/// Writes one LZ4 frame with the preferences upstream gets from LZ4F by default: 64 KiB
/// blocks, linked, no checksums, no content size. Its header is then upstream's byte for byte,
/// `04 22 4d 18 40 40 c0`.
struct Lz4Compressor {
    /// The encoder writes into this buffer; what one input piece produced is taken out as one
    /// chunk, as upstream writes what one LZ4F call produced.
    frame: FrameEncoder<Vec<u8>>,
    /// Whether the header has gone out (with the first byte written).
    started: bool,
}

impl Lz4Compressor {
    fn new() -> Self {
        let info = FrameInfo::new()
            .block_size(BlockSize::Max64KB)
            .block_mode(BlockMode::Linked);
        Lz4Compressor {
            frame: FrameEncoder::with_frame_info(info, Vec::new()),
            started: false,
        }
    }

    fn emit(&mut self, out: Output<'_>) -> Result<(), CodecError> {
        let produced = self.frame.get_mut();
        if !produced.is_empty() {
            out(produced).map_err(CodecError::Output)?;
            produced.clear();
        }
        Ok(())
    }

    fn write(&mut self, data: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        for piece in data.chunks(LZ4_INPUT_PIECE) {
            self.frame
                .write_all(piece)
                .map_err(|e| CodecError::Library(e.to_string()))?;
            self.started = true;
            self.emit(out)?;
        }
        Ok(())
    }

    fn finish(mut self, out: Output<'_>) -> Result<(), CodecError> {
        self.frame
            .try_finish()
            .map_err(|e| CodecError::Library(e.to_string()))?;
        if !self.started {
            // The buffer holds the header and the end mark; upstream writes the header as a
            // chunk of its own even for an empty member.
            let produced = self.frame.get_mut();
            let end_mark = produced.split_off(produced.len().saturating_sub(LZ4_END_MARK_LEN));
            self.emit(out)?;
            if !end_mark.is_empty() {
                out(&end_mark).map_err(CodecError::Output)?;
            }
            return Ok(());
        }
        self.emit(out)
    }
}

/// What the LZ4 reader expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Lz4Next {
    /// A frame's magic number: the start of the stream, or right after a frame.
    #[default]
    Magic,
    /// FLG and BD.
    Descriptor,
    /// Content size and dictionary ID when FLG has them, then the header checksum.
    DescriptorRest {
        flg: u8,
        bd: u8,
    },
    /// The length of a skippable frame, then that many bytes.
    SkipSize,
    Skip(u32),
    BlockSize,
    Block {
        size: usize,
        compressed: bool,
    },
    ContentChecksum,
}

/// The frame being read: its descriptor and what it has produced so far.
struct Lz4Frame {
    linked: bool,
    block_checksums: bool,
    max_block: usize,
    content_size: Option<u64>,
    content_hash: Option<XxHash32>,
    produced: u64,
}

/// Reads LZ4 frames as LZ4F_decompress does: one after the other, from pieces of any size.
#[derive(Default)]
struct Lz4Decompressor {
    next: Lz4Next,
    /// The unit being gathered when it spans calls.
    pending: Vec<u8>,
    frame: Option<Lz4Frame>,
    /// The frame's last 64 KiB of output, which a linked block may refer to.
    history: Vec<u8>,
    /// Where a compressed block is decompressed to.
    block: Vec<u8>,
}

impl Lz4Decompressor {
    fn feed(&mut self, mut input: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        while !input.is_empty() {
            let used = self.step(input, out)?;
            input = &input[used..];
        }
        Ok(())
    }

    fn finish(self) -> Result<(), CodecError> {
        // Stricter than LZ4F, which leaves a frame cut short unnoticed.
        if self.next == Lz4Next::Magic && self.pending.is_empty() {
            Ok(())
        } else {
            Err(lz4_corrupt("compressed data ends inside an LZ4 frame"))
        }
    }

    /// The length of the unit `next` stands for (not used for `Skip`). Never 0, so that each
    /// step uses at least one byte.
    fn unit_len(&self) -> usize {
        match self.next {
            Lz4Next::Magic
            | Lz4Next::SkipSize
            | Lz4Next::BlockSize
            | Lz4Next::ContentChecksum
            | Lz4Next::Skip(_) => 4,
            Lz4Next::Descriptor => 2,
            Lz4Next::DescriptorRest { flg, .. } => {
                let size = if flg & LZ4_FLG_CONTENT_SIZE != 0 {
                    8
                } else {
                    0
                };
                let dict = if flg & LZ4_FLG_DICT_ID != 0 { 4 } else { 0 };
                size + dict + 1
            }
            Lz4Next::Block { size, .. } => {
                let sum = self.frame.as_ref().is_some_and(|f| f.block_checksums);
                size + if sum { 4 } else { 0 }
            }
        }
    }

    /// Takes the next unit, or as much of it as `input` holds, and processes it once it is
    /// complete. Returns the bytes used: at least one when `input` is not empty.
    fn step(&mut self, input: &[u8], out: Output<'_>) -> Result<usize, CodecError> {
        if let Lz4Next::Skip(left) = self.next {
            let used = input.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let left = left.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX));
            self.next = if left == 0 {
                Lz4Next::Magic
            } else {
                Lz4Next::Skip(left)
            };
            return Ok(used);
        }
        let len = self.unit_len();
        if self.pending.is_empty() && input.len() >= len {
            // The whole unit is at hand: no copy.
            self.process(&input[..len], out)?;
            return Ok(len);
        }
        let used = (len - self.pending.len()).min(input.len());
        self.pending.extend_from_slice(&input[..used]);
        if self.pending.len() == len {
            let unit = std::mem::take(&mut self.pending);
            let result = self.process(&unit, out);
            self.pending = unit;
            self.pending.clear();
            result?;
        }
        Ok(used)
    }

    fn process(&mut self, unit: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        match self.next {
            Lz4Next::Magic => {
                let magic = le32(unit);
                self.next = if magic == LZ4_MAGIC {
                    Lz4Next::Descriptor
                } else if LZ4_SKIPPABLE_MAGIC.contains(&magic) {
                    Lz4Next::SkipSize
                } else if magic == LZ4_LEGACY_MAGIC {
                    return Err(lz4_corrupt("legacy LZ4 frames are not supported"));
                } else {
                    return Err(lz4_corrupt(format!(
                        "not an LZ4 frame (magic number {magic:#010x})"
                    )));
                };
            }
            Lz4Next::Descriptor => {
                let (flg, bd) = (unit[0], unit[1]);
                if flg >> 6 != 1 {
                    return Err(lz4_corrupt(format!(
                        "unsupported LZ4 frame version {}",
                        flg >> 6
                    )));
                }
                if flg & LZ4_FLG_RESERVED != 0 || bd & LZ4_BD_RESERVED != 0 {
                    return Err(lz4_corrupt("reserved bits set in an LZ4 frame descriptor"));
                }
                if !(4..=7).contains(&(bd >> 4)) {
                    return Err(lz4_corrupt(format!(
                        "invalid LZ4 maximum block size code {}",
                        bd >> 4
                    )));
                }
                self.next = Lz4Next::DescriptorRest { flg, bd };
            }
            Lz4Next::DescriptorRest { flg, bd } => self.start_frame(flg, bd, unit)?,
            Lz4Next::SkipSize => {
                let len = le32(unit);
                self.next = if len == 0 {
                    Lz4Next::Magic
                } else {
                    Lz4Next::Skip(len)
                };
            }
            // Consumed by `step` without gathering.
            Lz4Next::Skip(_) => {}
            Lz4Next::BlockSize => self.block_size(le32(unit))?,
            Lz4Next::Block { size, compressed } => {
                self.block(unit, size, compressed, out)?;
                self.next = Lz4Next::BlockSize;
            }
            Lz4Next::ContentChecksum => {
                let hash = self
                    .frame
                    .as_ref()
                    .and_then(|f| f.content_hash.as_ref())
                    .map(XxHash32::finish_32);
                if hash != Some(le32(unit)) {
                    return Err(lz4_corrupt("LZ4 content checksum mismatch"));
                }
                self.end_frame()?;
            }
        }
        Ok(())
    }

    /// `rest` is the descriptor after FLG and BD: optional fields, then the header checksum.
    fn start_frame(&mut self, flg: u8, bd: u8, rest: &[u8]) -> Result<(), CodecError> {
        let (fields, checksum) = rest.split_at(rest.len() - 1);
        let mut hash = XxHash32::with_seed(0);
        std::hash::Hasher::write(&mut hash, &[flg, bd]);
        std::hash::Hasher::write(&mut hash, fields);
        if (hash.finish_32() >> 8) as u8 != checksum[0] {
            return Err(lz4_corrupt("LZ4 frame header checksum mismatch"));
        }
        if flg & LZ4_FLG_DICT_ID != 0 {
            return Err(lz4_corrupt(
                "LZ4 frames that need a dictionary are not supported",
            ));
        }
        let content_size = (flg & LZ4_FLG_CONTENT_SIZE != 0).then(|| {
            let mut size = [0; 8];
            size.copy_from_slice(&fields[..8]);
            u64::from_le_bytes(size)
        });
        self.frame = Some(Lz4Frame {
            linked: flg & LZ4_FLG_INDEPENDENT == 0,
            block_checksums: flg & LZ4_FLG_BLOCK_CHECKSUM != 0,
            // Codes 4 to 7: 64 KiB, 256 KiB, 1 MiB, 4 MiB.
            max_block: 1 << (8 + 2 * usize::from(bd >> 4)),
            content_size,
            content_hash: (flg & LZ4_FLG_CONTENT_CHECKSUM != 0).then(|| XxHash32::with_seed(0)),
            produced: 0,
        });
        self.history.clear();
        self.next = Lz4Next::BlockSize;
        Ok(())
    }

    fn block_size(&mut self, word: u32) -> Result<(), CodecError> {
        let Some(frame) = &self.frame else {
            return Err(CodecError::Library("LZ4 block outside a frame".into()));
        };
        if word == 0 {
            if frame.content_hash.is_some() {
                self.next = Lz4Next::ContentChecksum;
                return Ok(());
            }
            return self.end_frame();
        }
        let size = usize::try_from(word & !LZ4_UNCOMPRESSED_BLOCK).unwrap_or(usize::MAX);
        if size > frame.max_block {
            return Err(lz4_corrupt(format!(
                "LZ4 block of {size} bytes in a frame of {}-byte blocks",
                frame.max_block
            )));
        }
        // An empty stored block without a checksum has nothing left to read.
        if size > 0 || frame.block_checksums {
            self.next = Lz4Next::Block {
                size,
                compressed: word & LZ4_UNCOMPRESSED_BLOCK == 0,
            };
        }
        Ok(())
    }

    fn block(
        &mut self,
        unit: &[u8],
        size: usize,
        compressed: bool,
        out: Output<'_>,
    ) -> Result<(), CodecError> {
        let Some(frame) = self.frame.as_mut() else {
            return Err(CodecError::Library("LZ4 block outside a frame".into()));
        };
        let (data, checksum) = unit.split_at(size);
        if frame.block_checksums && XxHash32::oneshot(0, data) != le32(checksum) {
            return Err(lz4_corrupt("LZ4 block checksum mismatch"));
        }
        let plain = if compressed {
            if self.block.len() < frame.max_block {
                // A fresh zeroed allocation, not a resize: no byte-by-byte fill.
                self.block = vec![0; frame.max_block];
            }
            let dest = &mut self.block[..frame.max_block];
            let len = if frame.linked && !self.history.is_empty() {
                lz4_flex::block::decompress_into_with_dict(data, dest, &self.history)
            } else {
                lz4_flex::block::decompress_into(data, dest)
            }
            .map_err(|e| lz4_corrupt(format!("LZ4 block: {e}")))?;
            &self.block[..len]
        } else {
            data
        };
        if let Some(hash) = &mut frame.content_hash {
            std::hash::Hasher::write(hash, plain);
        }
        frame.produced += plain.len() as u64;
        if frame.linked {
            remember(&mut self.history, plain);
        }
        if plain.is_empty() {
            Ok(())
        } else {
            out(plain).map_err(CodecError::Output)
        }
    }

    fn end_frame(&mut self) -> Result<(), CodecError> {
        if let Some(frame) = self.frame.take()
            && let Some(expected) = frame.content_size
            && expected != frame.produced
        {
            return Err(lz4_corrupt(format!(
                "LZ4 frame holds {} bytes but its header says {expected}",
                frame.produced
            )));
        }
        self.history.clear();
        self.next = Lz4Next::Magic;
        Ok(())
    }
}

/// Keeps the last 64 KiB of a frame's output in `history`.
fn remember(history: &mut Vec<u8>, data: &[u8]) {
    if data.len() >= LZ4_WINDOW {
        history.clear();
        history.extend_from_slice(&data[data.len() - LZ4_WINDOW..]);
        return;
    }
    let keep = LZ4_WINDOW - data.len();
    if history.len() > keep {
        history.drain(..history.len() - keep);
    }
    history.extend_from_slice(data);
}

// ---------------------------------------------------------------------------------------------
// zstd (compress_zstd.c)
// ---------------------------------------------------------------------------------------------

fn zstd_error(code: usize) -> String {
    zstd_safe::get_error_name(code).to_owned()
}

/// Writes one zstd frame as upstream sets its stream up: the level, long-distance matching when
/// asked, libzstd's defaults for the rest (no checksum). Upstream's stream never knows its size
/// in advance, so its frames carry no content size; ours never do either.
struct ZstdCompressor {
    cctx: CCtx<'static>,
    /// ZSTD_CStreamOutSize() bytes, upstream's output buffer, so the largest chunk.
    buf: Vec<u8>,
}

impl ZstdCompressor {
    fn new(level: i32, long: bool) -> Result<Self, CodecError> {
        let mut cctx = CCtx::try_create().ok_or_else(|| {
            CodecError::Library("could not initialize compression library".into())
        })?;
        let mut params = vec![
            CParameter::CompressionLevel(level),
            CParameter::ChecksumFlag(false),
            CParameter::ContentSizeFlag(false),
        ];
        if long {
            params.push(CParameter::EnableLongDistanceMatching(true));
        }
        for param in params {
            cctx.set_parameter(param).map_err(|code| {
                CodecError::Library(format!(
                    "could not set compression parameter {param:?}: {}",
                    zstd_error(code)
                ))
            })?;
        }
        Ok(ZstdCompressor {
            cctx,
            buf: vec![0; CCtx::out_size()],
        })
    }

    fn write(&mut self, data: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        let mut input = InBuffer::around(data);
        while input.pos() < data.len() {
            let before = input.pos();
            let produced = {
                let mut output = OutBuffer::around(self.buf.as_mut_slice());
                self.cctx
                    .compress_stream(&mut output, &mut input)
                    .map_err(|code| CodecError::Library(zstd_error(code)))?;
                output.pos()
            };
            if produced > 0 {
                out(&self.buf[..produced]).map_err(CodecError::Output)?;
            } else if input.pos() == before {
                return Err(CodecError::Library("zstd made no progress".into()));
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: Output<'_>) -> Result<(), CodecError> {
        loop {
            let (left, produced) = {
                let mut output = OutBuffer::around(self.buf.as_mut_slice());
                let left = self
                    .cctx
                    .end_stream(&mut output)
                    .map_err(|code| CodecError::Library(zstd_error(code)))?;
                (left, output.pos())
            };
            if produced > 0 {
                out(&self.buf[..produced]).map_err(CodecError::Output)?;
            }
            if left == 0 {
                return Ok(());
            }
            if produced == 0 {
                return Err(CodecError::Library("zstd made no progress".into()));
            }
        }
    }
}

/// Reads zstd frames with a ZSTD_DStream, one after the other from pieces of any size.
struct ZstdDecompressor {
    dctx: DCtx<'static>,
    /// ZSTD_DStreamOutSize() bytes: the most one call hands out.
    buf: Vec<u8>,
    /// A frame has begun and is not yet decoded and flushed to the end.
    in_frame: bool,
    /// The last call filled `buf`, so libzstd may hold more output.
    more: bool,
}

impl ZstdDecompressor {
    fn new() -> Result<Self, CodecError> {
        let dctx = DCtx::try_create().ok_or_else(|| {
            CodecError::Library("could not initialize compression library".into())
        })?;
        Ok(ZstdDecompressor {
            dctx,
            buf: vec![0; DCtx::out_size()],
            in_frame: false,
            more: false,
        })
    }

    /// One ZSTD_decompressStream call; returns (consumed, produced).
    fn step(&mut self, input: &[u8], out: Output<'_>) -> Result<(usize, usize), CodecError> {
        let mut input = InBuffer::around(input);
        let (hint, produced) = {
            let mut output = OutBuffer::around(self.buf.as_mut_slice());
            let hint = self
                .dctx
                .decompress_stream(&mut output, &mut input)
                .map_err(|code| CodecError::Corrupt(format!("zstd: {}", zstd_error(code))))?;
            (hint, output.pos())
        };
        if produced > 0 {
            out(&self.buf[..produced]).map_err(CodecError::Output)?;
        }
        let consumed = input.pos();
        if consumed > 0 || produced > 0 {
            // 0 means the frame is decoded and flushed; the next byte starts a new frame.
            self.in_frame = hint != 0;
        }
        self.more = produced == self.buf.len();
        Ok((consumed, produced))
    }

    fn feed(&mut self, mut input: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        // Unlike pg_restore, which drops what follows a frame's end in the same chunk, keep
        // going: every frame is decoded wherever it starts.
        while !input.is_empty() || self.more {
            let (consumed, produced) = self.step(input, out)?;
            input = &input[consumed..];
            if consumed == 0 && produced == 0 && !input.is_empty() {
                return Err(CodecError::Corrupt("zstd made no progress".into()));
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: Output<'_>) -> Result<(), CodecError> {
        while self.in_frame {
            let (_, produced) = self.step(&[], out)?;
            // Stricter than upstream, which leaves a frame cut short unnoticed.
            if produced == 0 && self.in_frame {
                return Err(CodecError::Corrupt(
                    "compressed data ends inside a zstd frame".into(),
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Whole files, for the directory format (archive-format.md §5.2).
//
// A directory archive compresses each data file as a file of its own. For gzip that is a gzip
// file (RFC 1952, what zlib's gzopen writes and gzread reads), not the custom format's zlib
// stream. An lz4 or zstd file holds the same frames as a custom-format member, so those
// algorithms go through Compressor/Decompressor unchanged.
// ---------------------------------------------------------------------------------------------

/// The suffix upstream appends to a directory archive's file name for an algorithm.
pub fn file_suffix(algorithm: CompressionAlgorithm) -> &'static str {
    match algorithm {
        CompressionAlgorithm::None => "",
        CompressionAlgorithm::Gzip => ".gz",
        CompressionAlgorithm::Lz4 => ".lz4",
        CompressionAlgorithm::Zstd => ".zst",
    }
}

/// Compresses one file of a directory archive. `out` receives the file's bytes in pieces.
pub struct FileCompressor {
    inner: FileCompressorInner,
}

enum FileCompressorInner {
    Gzip(Box<GzipCompressor>),
    /// `written` is false until the first byte: upstream starts an lz4 or zstd file's frame
    /// with the first write, so a file never written to stays empty.
    Stream {
        codec: Compressor,
        written: bool,
    },
}

impl FileCompressor {
    pub fn new(compression: Compression) -> Result<Self, CodecError> {
        let inner = match compression.algorithm {
            CompressionAlgorithm::Gzip => {
                let level = flate2::Compression::new(gzip_level(compression)?);
                // zlib's own gzip wrapper, as gzopen uses: mtime 0, XFL from the level, OS
                // code of the platform.
                FileCompressorInner::Gzip(Box::new(GzipCompressor {
                    zlib: Compress::new_gzip(level, 15),
                    buf: [0; GZIP_CHUNK_SIZE],
                    fill: 0,
                    end: FlushCompress::Finish,
                }))
            }
            _ => FileCompressorInner::Stream {
                codec: Compressor::new(compression)?,
                written: false,
            },
        };
        Ok(FileCompressor { inner })
    }

    pub fn write(&mut self, data: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        match &mut self.inner {
            FileCompressorInner::Gzip(gz) => gz.write(data, out),
            FileCompressorInner::Stream { codec, written } => {
                *written |= !data.is_empty();
                codec.write(data, out)
            }
        }
    }

    /// Ends the file; a gzip file is a complete member even when nothing was written, as
    /// gzclose leaves it, while an lz4 or zstd file never written to is empty.
    pub fn finish(self, out: Output<'_>) -> Result<(), CodecError> {
        match self.inner {
            FileCompressorInner::Gzip(mut gz) => gz.finish(out),
            FileCompressorInner::Stream { written: false, .. } => Ok(()),
            FileCompressorInner::Stream { codec, .. } => codec.finish(out),
        }
    }
}

/// Decompresses one file of a directory archive, fed in pieces of any size.
///
/// Gzip files are read as zlib's gzread reads them, since that is what pg_restore uses: any
/// number of concatenated members; a file that does not start with the gzip magic is passed
/// through as it is; bytes after a member that do not start another member are ignored; a
/// member cut short is an error. An empty file is empty for every algorithm (upstream leaves
/// lz4 and zstd files that were never written to at 0 bytes).
pub struct FileDecompressor {
    inner: FileDecompressorInner,
}

enum FileDecompressorInner {
    Gzip(Box<GzipFileDecompressor>),
    /// `fed` is false until the first byte: an empty file has no frame to check.
    Stream {
        codec: Decompressor,
        fed: bool,
    },
}

/// Where gzread is in the file.
enum GzipFileState {
    /// Before a member: up to two bytes seen, to compare with the gzip magic.
    Look {
        seen: [u8; 2],
        len: usize,
        first: bool,
    },
    Member,
    /// Not a gzip file: passed through.
    Copy,
    /// After the last member: ignored.
    Trailing,
}

struct GzipFileDecompressor {
    member: GzipDecompressor,
    state: GzipFileState,
}

impl FileDecompressor {
    pub fn new(algorithm: CompressionAlgorithm) -> Result<Self, CodecError> {
        let inner = match algorithm {
            CompressionAlgorithm::Gzip => {
                FileDecompressorInner::Gzip(Box::new(GzipFileDecompressor {
                    member: GzipDecompressor::gzip_member(),
                    state: GzipFileState::Look {
                        seen: [0; 2],
                        len: 0,
                        first: true,
                    },
                }))
            }
            other => FileDecompressorInner::Stream {
                codec: Decompressor::new(other)?,
                fed: false,
            },
        };
        Ok(FileDecompressor { inner })
    }

    pub fn feed(&mut self, input: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        match &mut self.inner {
            FileDecompressorInner::Gzip(gz) => gz.feed(input, out),
            FileDecompressorInner::Stream { codec, fed } => {
                *fed |= !input.is_empty();
                codec.feed(input, out)
            }
        }
    }

    /// Ends the file; fails if it stopped inside a gzip member (or an lz4/zstd frame, as the
    /// codec judges it).
    pub fn finish(self, out: Output<'_>) -> Result<(), CodecError> {
        match self.inner {
            FileDecompressorInner::Gzip(gz) => gz.finish(out),
            FileDecompressorInner::Stream { fed: false, .. } => Ok(()),
            FileDecompressorInner::Stream { codec, fed: true } => codec.finish(out),
        }
    }
}

impl GzipDecompressor {
    /// A decompressor for one gzip member (header, deflate data, CRC-32 and length).
    fn gzip_member() -> Self {
        GzipDecompressor {
            zlib: Decompress::new_gzip(15),
            buf: vec![0; INFLATE_OUT],
            done: false,
        }
    }
}

impl GzipFileDecompressor {
    fn feed(&mut self, mut input: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        while !input.is_empty() {
            match &mut self.state {
                GzipFileState::Look { seen, len, first } => {
                    let take = (2 - *len).min(input.len());
                    seen[*len..*len + take].copy_from_slice(&input[..take]);
                    *len += take;
                    input = &input[take..];
                    if *len < 2 {
                        return Ok(());
                    }
                    let magic = *seen;
                    if magic == [0x1f, 0x8b] {
                        self.member = GzipDecompressor::gzip_member();
                        self.state = GzipFileState::Member;
                        self.feed_member(&magic, out)?;
                    } else if *first {
                        self.state = GzipFileState::Copy;
                        out(&magic).map_err(CodecError::Output)?;
                    } else {
                        self.state = GzipFileState::Trailing;
                    }
                }
                GzipFileState::Member => {
                    let consumed = self.feed_member(input, out)?;
                    input = &input[consumed..];
                }
                GzipFileState::Copy => return out(input).map_err(CodecError::Output),
                GzipFileState::Trailing => return Ok(()),
            }
        }
        Ok(())
    }

    /// Inflates from `input` until it is used up or the member ends; returns the bytes used.
    fn feed_member(&mut self, input: &[u8], out: Output<'_>) -> Result<usize, CodecError> {
        let mut used = 0;
        loop {
            let (consumed, produced, status) =
                self.member
                    .step(&input[used..], FlushDecompress::None, out)?;
            used += consumed;
            if status == Status::StreamEnd {
                self.state = GzipFileState::Look {
                    seen: [0; 2],
                    len: 0,
                    first: false,
                };
                return Ok(used);
            }
            // A full output buffer may hide more output even when the input is used up.
            if used == input.len() && produced < self.member.buf.len() {
                return Ok(used);
            }
            if consumed == 0 && produced == 0 {
                return Err(CodecError::Corrupt("inflate made no progress".into()));
            }
        }
    }

    fn finish(mut self, out: Output<'_>) -> Result<(), CodecError> {
        match self.state {
            GzipFileState::Look {
                seen,
                len: 1,
                first: true,
            } => out(&seen[..1]).map_err(CodecError::Output),
            GzipFileState::Member => self.member.finish(out).map_err(|e| match e {
                CodecError::Corrupt(_) => {
                    CodecError::Corrupt("unexpected end of file inside a gzip member".into())
                }
                e => e,
            }),
            _ => Ok(()),
        }
    }
}

/// A `Write` that compresses everything written into `inner` as one file of the given
/// compression (what pg_dump does to a plain dump given `-Z`); `none` passes bytes through.
/// Call [`finish`](CompressedFile::finish): dropping it leaves the file without its end.
pub struct CompressedFile<W: io::Write> {
    inner: W,
    codec: Option<FileCompressor>,
}

impl<W: io::Write> CompressedFile<W> {
    pub fn new(inner: W, compression: Compression) -> Result<Self, CodecError> {
        let codec = match compression.algorithm {
            CompressionAlgorithm::None => None,
            _ => Some(FileCompressor::new(compression)?),
        };
        Ok(CompressedFile { inner, codec })
    }

    /// Ends the compressed stream and returns the inner writer (not flushed).
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(codec) = self.codec.take() {
            let inner = &mut self.inner;
            codec
                .finish(&mut |bytes| inner.write_all(bytes))
                .map_err(codec_io)?;
        }
        Ok(self.inner)
    }
}

fn codec_io(e: CodecError) -> io::Error {
    match e {
        CodecError::Output(e) => e,
        e => io::Error::other(e.to_string()),
    }
}

impl<W: io::Write> io::Write for CompressedFile<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.codec {
            None => self.inner.write(buf),
            Some(codec) => {
                let inner = &mut self.inner;
                codec
                    .write(buf, &mut |bytes| inner.write_all(bytes))
                    .map_err(codec_io)?;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    /// Gzip pieces compressed apart, between the zlib header and the combined Adler-32, make
    /// one zlib stream of their concatenation, whose header is zlib's own at every level.
    #[test]
    fn gzip_pieces_make_one_zlib_stream() {
        let pieces: [&[u8]; 3] = [b"1\tone\n", &[b'x'; 70_000], b"3\tthree\n\\.\n\n\n"];
        for level in [0, 1, 5, 6, 9] {
            let c = Compression {
                level: Some(level),
                ..Compression::GZIP_DEFAULT
            };
            let mut stream = zlib_header(c).unwrap().to_vec();
            let mut adler = 1;
            for (i, piece) in pieces.iter().enumerate() {
                let last = i + 1 == pieces.len();
                let mut comp = Compressor::for_part(c, Part::Piece { last }).unwrap();
                let mut push = |b: &[u8]| {
                    stream.extend_from_slice(b);
                    Ok(())
                };
                comp.write(piece, &mut push).unwrap();
                comp.finish(&mut push).unwrap();
                let mut one = adler2::Adler32::new();
                one.write_slice(piece);
                adler = adler32_combine(adler, one.checksum(), piece.len() as u64);
            }
            stream.extend_from_slice(&adler.to_be_bytes());
            let mut whole = Vec::new();
            flate2::read::ZlibDecoder::new(stream.as_slice())
                .read_to_end(&mut whole)
                .unwrap();
            assert_eq!(whole, pieces.concat(), "level {level}");
            let mut zlib = Vec::new();
            let mut push = |b: &[u8]| {
                zlib.extend_from_slice(b);
                Ok(())
            };
            let mut comp = Compressor::new(c).unwrap();
            comp.write(b"x", &mut push).unwrap();
            comp.finish(&mut push).unwrap();
            assert_eq!(zlib[..2], zlib_header(c).unwrap(), "level {level}");
        }
    }

    fn compress_chunks(c: Compression, writes: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        let mut comp = Compressor::new(c).unwrap();
        let mut push = |b: &[u8]| {
            chunks.push(b.to_vec());
            Ok(())
        };
        for w in writes {
            comp.write(w, &mut push).unwrap();
        }
        comp.finish(&mut push).unwrap();
        chunks
    }

    fn decompress(alg: CompressionAlgorithm, chunks: &[&[u8]]) -> Result<Vec<u8>, CodecError> {
        let mut plain = Vec::new();
        let mut sink = |b: &[u8]| {
            plain.extend_from_slice(b);
            Ok(())
        };
        let mut d = Decompressor::new(alg).unwrap();
        for c in chunks {
            d.feed(c, &mut sink)?;
        }
        d.finish(&mut sink)?;
        Ok(plain)
    }

    #[test]
    fn none_is_one_chunk_per_write_and_skips_empty_writes() {
        let chunks = compress_chunks(
            Compression::NONE,
            &[b"row 1\n", b"", b"row 2\n", b"\\.\n\n\n"],
        );
        assert_eq!(
            chunks,
            vec![
                b"row 1\n".to_vec(),
                b"row 2\n".to_vec(),
                b"\\.\n\n\n".to_vec()
            ]
        );
        assert!(compress_chunks(Compression::NONE, &[]).is_empty());
    }

    #[test]
    fn gzip_is_one_zlib_stream_in_4096_byte_chunks() {
        // Incompressible input, so the stream is larger than one chunk.
        let mut state = 0x2545_f491_u32;
        let data: Vec<u8> = (0..20_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        let chunks = compress_chunks(Compression::GZIP_DEFAULT, &[&data[..7000], &data[7000..]]);
        assert!(chunks.len() > 1);
        let (last, full) = chunks.split_last().unwrap();
        assert!(full.iter().all(|c| c.len() == GZIP_CHUNK_SIZE));
        assert!(!last.is_empty() && last.len() <= GZIP_CHUNK_SIZE);
        assert_eq!(chunks[0][0], 0x78, "zlib header, not raw deflate or gzip");
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        assert_eq!(decompress(CompressionAlgorithm::Gzip, &refs).unwrap(), data);
    }

    #[test]
    fn gzip_empty_member_is_still_one_stream() {
        let chunks = compress_chunks(Compression::GZIP_DEFAULT, &[]);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].len(), 8, "78 xx, an empty final block, Adler-32");
        assert_eq!(
            decompress(CompressionAlgorithm::Gzip, &[&chunks[0]]).unwrap(),
            b""
        );
    }

    #[test]
    fn gzip_levels() {
        for level in [None, Some(-1), Some(0), Some(1), Some(9)] {
            let c = Compression {
                algorithm: CompressionAlgorithm::Gzip,
                level,
                long: false,
            };
            let chunks = compress_chunks(c, &[b"abcabcabcabc"]);
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            assert_eq!(
                decompress(CompressionAlgorithm::Gzip, &refs).unwrap(),
                b"abcabcabcabc"
            );
        }
        let bad = Compression {
            algorithm: CompressionAlgorithm::Gzip,
            level: Some(10),
            long: false,
        };
        assert!(matches!(
            Compressor::new(bad),
            Err(CodecError::BadLevel { level: 10, .. })
        ));
        assert!(check_supported(bad).is_err());
    }

    #[test]
    fn gzip_reader_accepts_any_split_of_the_stream() {
        let data = b"hello hello hello hello, a COPY payload\n\\.\n\n\n".repeat(50);
        let stream = compress_chunks(Compression::GZIP_DEFAULT, &[&data]).concat();
        for piece in [1, 2, 3, 7, 100, stream.len()] {
            let pieces: Vec<&[u8]> = stream.chunks(piece).collect();
            assert_eq!(
                decompress(CompressionAlgorithm::Gzip, &pieces).unwrap(),
                data
            );
        }
    }

    #[test]
    fn gzip_reader_rejects_trailing_data_and_truncation() {
        let stream = compress_chunks(Compression::GZIP_DEFAULT, &[b"payload"]).concat();
        // Trailing bytes in the same chunk, in a later chunk, and a second whole stream.
        let mut same = stream.clone();
        same.push(0);
        assert!(matches!(
            decompress(CompressionAlgorithm::Gzip, &[&same]),
            Err(CodecError::Corrupt(_))
        ));
        assert!(decompress(CompressionAlgorithm::Gzip, &[&stream, b"x"]).is_err());
        assert!(decompress(CompressionAlgorithm::Gzip, &[&stream, &stream]).is_err());
        // Every proper prefix, including no chunk at all.
        for cut in 0..stream.len() {
            let err = decompress(CompressionAlgorithm::Gzip, &[&stream[..cut]]).unwrap_err();
            assert!(matches!(err, CodecError::Corrupt(_)), "cut {cut}: {err}");
        }
        // Raw deflate (no zlib header) and a damaged checksum.
        assert!(decompress(CompressionAlgorithm::Gzip, &[&stream[2..]]).is_err());
        let mut bad_sum = stream.clone();
        let n = bad_sum.len();
        bad_sum[n - 1] ^= 0xff;
        assert!(decompress(CompressionAlgorithm::Gzip, &[&bad_sum]).is_err());
    }

    #[test]
    fn output_errors_pass_through() {
        let mut comp = Compressor::new(Compression::NONE).unwrap();
        let mut fail = |_: &[u8]| Err(io::Error::other("disk full"));
        assert!(matches!(
            comp.write(b"x", &mut fail),
            Err(CodecError::Output(_))
        ));
        let stream = compress_chunks(Compression::GZIP_DEFAULT, &[b"payload"]).concat();
        let mut d = Decompressor::new(CompressionAlgorithm::Gzip).unwrap();
        assert!(matches!(
            d.feed(&stream, &mut fail),
            Err(CodecError::Output(_))
        ));
    }

    /// Deterministic bytes: `noise` does not compress, `text` does (with matches that reach
    /// back across 64 KiB block boundaries).
    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect()
    }

    fn text(len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 64);
        let mut n = 0u64;
        while out.len() < len {
            out.extend_from_slice(format!("{n}\trow number {}\t\\N\n", n * 7919 % 1000).as_bytes());
            n += 1;
        }
        out.truncate(len);
        out
    }

    fn level(algorithm: CompressionAlgorithm, level: Option<i32>) -> Compression {
        Compression {
            level,
            ..Compression::of(algorithm)
        }
    }

    fn refs(chunks: &[Vec<u8>]) -> Vec<&[u8]> {
        chunks.iter().map(Vec::as_slice).collect()
    }

    const LZ4_HEADER: [u8; 7] = [0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0];
    const LZ4: CompressionAlgorithm = CompressionAlgorithm::Lz4;
    const ZSTD: CompressionAlgorithm = CompressionAlgorithm::Zstd;

    #[test]
    fn lz4_member_is_one_frame_with_the_header_as_its_own_chunk() {
        let rows: [&[u8]; 3] = [b"1\tapple\n", b"2\tpear\n", b"\\.\n\n\n"];
        let chunks = compress_chunks(Compression::of(LZ4), &rows);
        // Upstream: 7 bytes of header, then the one block and the end mark.
        assert_eq!(chunks.len(), 2, "{chunks:02x?}");
        assert_eq!(chunks[0], LZ4_HEADER);
        assert!(chunks[1].ends_with(&[0, 0, 0, 0]));
        assert_eq!(decompress(LZ4, &refs(&chunks)).unwrap(), rows.concat());
        // Empty: header and end mark, still two chunks.
        let empty = compress_chunks(Compression::of(LZ4), &[]);
        assert_eq!(empty, vec![LZ4_HEADER.to_vec(), vec![0, 0, 0, 0]]);
        assert_eq!(decompress(LZ4, &refs(&empty)).unwrap(), b"");
    }

    #[test]
    fn lz4_blocks_are_chunks_and_frames_decode_elsewhere() {
        for data in [text(300_000), noise(200_000, 7)] {
            // Writes of odd sizes, larger and smaller than the 4096-byte input pieces.
            let writes: Vec<&[u8]> = data.chunks(10_007).collect();
            let chunks = compress_chunks(Compression::of(LZ4), &writes);
            assert_eq!(chunks[0], LZ4_HEADER);
            assert!(chunks.len() >= 4, "one chunk per 64 KiB block");
            for c in &chunks[1..chunks.len() - 1] {
                assert!(!c.is_empty() && c.len() <= 4 + 64 * 1024, "{}", c.len());
            }
            assert_eq!(decompress(LZ4, &refs(&chunks)).unwrap(), data);
            // A second implementation agrees on the frame.
            let mut other = Vec::new();
            lz4_flex::frame::FrameDecoder::new(&chunks.concat()[..])
                .read_to_end(&mut other)
                .unwrap();
            assert!(other == data);
            // Any split of the stream into chunks.
            let stream = chunks.concat();
            for size in [1, 3, 4, 5, 4096, 70_000] {
                let pieces: Vec<&[u8]> = stream.chunks(size).collect();
                assert!(
                    decompress(LZ4, &pieces).unwrap() == data,
                    "pieces of {size}"
                );
            }
        }
    }

    #[test]
    fn lz4_reader_takes_concatenated_frames_and_no_chunks() {
        let a = compress_chunks(Compression::of(LZ4), &[&text(100_000)]).concat();
        let b = compress_chunks(Compression::of(LZ4), &[b"second frame"]).concat();
        let mut want = text(100_000);
        want.extend_from_slice(b"second frame");
        let both = [a.clone(), b.clone()].concat();
        assert!(decompress(LZ4, &[&both]).unwrap() == want, "in one chunk");
        assert!(decompress(LZ4, &[&a, &b]).unwrap() == want, "in two chunks");
        let cut = a.len() - 2;
        assert!(
            decompress(LZ4, &[&both[..cut], &both[cut..]]).unwrap() == want,
            "across chunks"
        );
        assert_eq!(decompress(LZ4, &[]).unwrap(), b"");
        // A skippable frame (magic 0x184D2A5?, length, bytes) is passed over.
        let mut skip = vec![0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3];
        skip.extend_from_slice(&b);
        assert_eq!(decompress(LZ4, &[&skip]).unwrap(), b"second frame");
    }

    #[test]
    fn lz4_reader_checks_what_the_frame_declares() {
        // Independent blocks, content size, block and content checksums: all optional features
        // LZ4F reads, though pg_dump never writes them.
        let data = text(200_000);
        let info = FrameInfo::new()
            .block_size(BlockSize::Max256KB)
            .block_mode(BlockMode::Independent)
            .block_checksums(true)
            .content_checksum(true)
            .content_size(Some(data.len() as u64));
        let mut enc = FrameEncoder::with_frame_info(info, Vec::new());
        enc.write_all(&data).unwrap();
        let frame = enc.finish().unwrap();
        assert!(decompress(LZ4, &[&frame]).unwrap() == data);
        for size in [1, 5, 1000] {
            let pieces: Vec<&[u8]> = frame.chunks(size).collect();
            assert!(decompress(LZ4, &pieces).unwrap() == data);
        }
        // Damage to the header checksum (after magic, FLG, BD and the 8-byte content size), a
        // block, the content checksum.
        for at in [14, 40, frame.len() - 1] {
            let mut bad = frame.clone();
            bad[at] ^= 0x55;
            assert!(
                matches!(decompress(LZ4, &[&bad]), Err(CodecError::Corrupt(_))),
                "byte {at}"
            );
        }
    }

    #[test]
    fn lz4_reader_fails_on_damage_without_panicking() {
        let data = text(150_000);
        let stream = compress_chunks(Compression::of(LZ4), &[&data]).concat();
        // Every proper prefix but the empty one stops inside the frame: all cuts near the
        // frame's ends, a sample in between.
        let n = stream.len();
        let cuts = (1..64).chain((64..n - 64).step_by(61)).chain(n - 64..n);
        for cut in cuts {
            let err = decompress(LZ4, &[&stream[..cut]]).unwrap_err();
            assert!(matches!(err, CodecError::Corrupt(_)), "cut {cut}: {err}");
        }
        // Flipped bytes: an error or other bytes, never a panic.
        for at in (0..stream.len()).step_by(97) {
            let mut bad = stream.clone();
            bad[at] ^= 0xff;
            let _ = decompress(LZ4, &[&bad]);
        }
        for seed in 1..200 {
            let garbage = noise(seed as usize * 13, seed);
            let mut framed = LZ4_HEADER.to_vec();
            framed.extend_from_slice(&garbage);
            assert!(decompress(LZ4, &[&framed]).is_err());
            assert!(decompress(LZ4, &[&garbage]).is_err());
        }
        let legacy = [0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0];
        assert!(decompress(LZ4, &[&legacy]).is_err());
    }

    #[test]
    fn zstd_member_is_one_frame_without_checksum_or_size() {
        let rows: [&[u8]; 3] = [b"1\tapple\n", b"2\tpear\n", b"\\.\n\n\n"];
        let chunks = compress_chunks(Compression::of(ZSTD), &rows);
        assert!(chunks.iter().all(|c| !c.is_empty()));
        let stream = chunks.concat();
        // Magic, then a frame header descriptor with no content size, no checksum, no
        // dictionary, not single-segment.
        assert_eq!(stream[..5], [0x28, 0xb5, 0x2f, 0xfd, 0x00]);
        assert_eq!(decompress(ZSTD, &refs(&chunks)).unwrap(), rows.concat());
        let empty = compress_chunks(Compression::of(ZSTD), &[]);
        assert_eq!(empty.concat()[..5], [0x28, 0xb5, 0x2f, 0xfd, 0x00]);
        assert_eq!(decompress(ZSTD, &refs(&empty)).unwrap(), b"");
    }

    #[test]
    fn zstd_levels_and_long_distance() {
        let data = [text(400_000), noise(100_000, 3), text(400_000)].concat();
        for (lvl, long) in [
            (None, false),
            (Some(0), false),
            (Some(1), false),
            (Some(-5), false),
            (Some(19), true),
            (None, true),
        ] {
            let c = Compression {
                long,
                ..level(ZSTD, lvl)
            };
            let chunks = compress_chunks(c, &data.chunks(65_536).collect::<Vec<_>>());
            assert!(chunks.iter().all(|c| !c.is_empty()));
            assert!(chunks.iter().all(|c| c.len() <= CCtx::out_size()));
            assert!(decompress(ZSTD, &refs(&chunks)).unwrap() == data, "{c:?}");
        }
        for bad in [23, -200_000] {
            assert!(matches!(
                Compressor::new(level(ZSTD, Some(bad))),
                Err(CodecError::BadLevel {
                    algorithm: "zstd",
                    ..
                })
            ));
        }
    }

    #[test]
    fn zstd_reader_takes_every_frame_and_no_chunks() {
        let a = compress_chunks(Compression::of(ZSTD), &[&text(300_000)]).concat();
        let b = compress_chunks(Compression::of(ZSTD), &[b"second frame"]).concat();
        let mut want = text(300_000);
        want.extend_from_slice(b"second frame");
        let both = [a.clone(), b.clone()].concat();
        assert!(
            decompress(ZSTD, &[&a, &b]).unwrap() == want,
            "frame per chunk"
        );
        // pg_restore would lose the second frame here; it is decoded.
        assert!(decompress(ZSTD, &[&both]).unwrap() == want, "in one chunk");
        for size in [1, 2, 1000, 131_072] {
            let pieces: Vec<&[u8]> = both.chunks(size).collect();
            assert!(
                decompress(ZSTD, &pieces).unwrap() == want,
                "pieces of {size}"
            );
        }
        assert_eq!(decompress(ZSTD, &[]).unwrap(), b"");
    }

    #[test]
    fn zstd_reader_fails_on_damage_without_panicking() {
        let stream = compress_chunks(Compression::of(ZSTD), &[&text(100_000)]).concat();
        for cut in (1..stream.len()).step_by(3) {
            let err = decompress(ZSTD, &[&stream[..cut]]).unwrap_err();
            assert!(matches!(err, CodecError::Corrupt(_)), "cut {cut}: {err}");
        }
        for at in (0..stream.len()).step_by(31) {
            let mut bad = stream.clone();
            bad[at] ^= 0xff;
            let _ = decompress(ZSTD, &[&bad]);
        }
        for seed in 1..100 {
            let garbage = noise(seed as usize * 17, seed);
            assert!(decompress(ZSTD, &[&garbage]).is_err());
        }
    }

    #[test]
    fn lz4_levels_are_checked_and_all_compress() {
        for lvl in [None, Some(0), Some(1), Some(9), Some(12)] {
            let c = level(LZ4, lvl);
            assert!(check_supported(c).is_ok());
            let chunks = compress_chunks(c, &[b"abcabcabcabc"]);
            assert_eq!(decompress(LZ4, &refs(&chunks)).unwrap(), b"abcabcabcabc");
        }
        for bad in [-1, 13] {
            assert!(matches!(
                Compressor::new(level(LZ4, Some(bad))),
                Err(CodecError::BadLevel {
                    algorithm: "lz4",
                    ..
                })
            ));
        }
    }

    #[test]
    fn lz4_and_zstd_output_errors_pass_through() {
        let mut fail = |_: &[u8]| Err(io::Error::other("disk full"));
        for alg in [LZ4, ZSTD] {
            let mut comp = Compressor::new(Compression::of(alg)).unwrap();
            let err = comp.write(&noise(300_000, 5), &mut fail).unwrap_err();
            assert!(matches!(err, CodecError::Output(_)), "{alg:?}");
            let stream = compress_chunks(Compression::of(alg), &[b"payload"]).concat();
            let mut d = Decompressor::new(alg).unwrap();
            let err = d.feed(&stream, &mut fail).unwrap_err();
            assert!(matches!(err, CodecError::Output(_)), "{alg:?}");
        }
    }

    fn file_bytes(c: Compression, writes: &[&[u8]]) -> Vec<u8> {
        let mut file = Vec::new();
        let mut push = |b: &[u8]| {
            file.extend_from_slice(b);
            Ok(())
        };
        let mut comp = FileCompressor::new(c).unwrap();
        for w in writes {
            comp.write(w, &mut push).unwrap();
        }
        comp.finish(&mut push).unwrap();
        file
    }

    fn file_plain(alg: CompressionAlgorithm, pieces: &[&[u8]]) -> Result<Vec<u8>, CodecError> {
        let mut plain = Vec::new();
        let mut sink = |b: &[u8]| {
            plain.extend_from_slice(b);
            Ok(())
        };
        let mut d = FileDecompressor::new(alg).unwrap();
        for p in pieces {
            d.feed(p, &mut sink)?;
        }
        d.finish(&mut sink)?;
        Ok(plain)
    }

    #[test]
    fn lz4_and_zstd_files_are_frames_and_empty_when_unwritten() {
        let data = text(200_000);
        for alg in [LZ4, ZSTD] {
            let file = file_bytes(Compression::of(alg), &[&data[..5], b"", &data[5..]]);
            assert!(file_plain(alg, &[&file]).unwrap() == data, "{alg:?}");
            // Concatenated frames, as a file appended to.
            let twice = [file.clone(), file.clone()].concat();
            let pieces: Vec<&[u8]> = twice.chunks(4096).collect();
            assert!(file_plain(alg, &pieces).unwrap() == [&data[..], &data[..]].concat());
            // Never written: 0 bytes, which reads back as empty.
            assert!(
                file_bytes(Compression::of(alg), &[b""]).is_empty(),
                "{alg:?}"
            );
            assert_eq!(file_plain(alg, &[]).unwrap(), b"");
            // Cut short.
            assert!(file_plain(alg, &[&file[..file.len() - 3]]).is_err());
        }
        let lz4 = file_bytes(Compression::of(LZ4), &[b"x"]);
        assert_eq!(lz4[..7], LZ4_HEADER);
    }
}

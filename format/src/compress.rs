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
//! lz4 and zstd are recognised but not implemented; they get their own variants of
//! [`Compressor`] and [`Decompressor`], with their own reading rules (concatenated frames).

use std::io;

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};

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

/// Checks that a compression request can be carried out, without starting a stream.
pub fn check_supported(compression: Compression) -> Result<(), CodecError> {
    match compression.algorithm {
        CompressionAlgorithm::None => Ok(()),
        CompressionAlgorithm::Gzip => gzip_level(compression).map(|_| ()),
        other => Err(CodecError::Unsupported(other.name())),
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
}

struct GzipCompressor {
    zlib: Compress,
    buf: [u8; GZIP_CHUNK_SIZE],
    fill: usize,
}

impl Compressor {
    pub fn new(compression: Compression) -> Result<Self, CodecError> {
        let inner = match compression.algorithm {
            CompressionAlgorithm::None => CompressorInner::None,
            CompressionAlgorithm::Gzip => {
                let level = flate2::Compression::new(gzip_level(compression)?);
                CompressorInner::Gzip(Box::new(GzipCompressor {
                    zlib: Compress::new(level, true),
                    buf: [0; GZIP_CHUNK_SIZE],
                    fill: 0,
                }))
            }
            other => return Err(CodecError::Unsupported(other.name())),
        };
        Ok(Compressor { inner })
    }

    /// Compresses `data`. Uncompressed, each call is one chunk (as upstream writes one per COPY
    /// row), and an empty call writes nothing. Gzip emits a chunk each time 4096 bytes of zlib
    /// output have piled up.
    pub fn write(&mut self, data: &[u8], out: Output<'_>) -> Result<(), CodecError> {
        match &mut self.inner {
            CompressorInner::None => {
                for piece in data.chunks(MAX_CHUNK) {
                    out(piece).map_err(CodecError::Output)?;
                }
                Ok(())
            }
            CompressorInner::Gzip(gz) => gz.write(data, out),
        }
    }

    /// Ends the stream: gzip writes the rest of the zlib stream (a complete stream even when
    /// nothing was written).
    pub fn finish(self, out: Output<'_>) -> Result<(), CodecError> {
        match self.inner {
            CompressorInner::None => Ok(()),
            CompressorInner::Gzip(mut gz) => gz.finish(out),
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
            let (_, status) = self.step(&[], FlushCompress::Finish)?;
            self.emit_if_full(out)?;
            if status == Status::StreamEnd {
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
            other => return Err(CodecError::Unsupported(other.name())),
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
        }
    }

    pub fn finish(self, out: Output<'_>) -> Result<(), CodecError> {
        match self.inner {
            DecompressorInner::None => Ok(()),
            DecompressorInner::Gzip(mut gz) => gz.finish(out),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        };
        assert!(matches!(
            Compressor::new(bad),
            Err(CodecError::BadLevel { level: 10, .. })
        ));
        assert!(check_supported(bad).is_err());
        assert!(matches!(
            Compressor::new(Compression {
                algorithm: CompressionAlgorithm::Zstd,
                level: None
            }),
            Err(CodecError::Unsupported("zstd"))
        ));
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
}

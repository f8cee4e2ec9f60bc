//! A custom archive written by several threads at once (`tusk_dump -Fc -j N`; upstream
//! refuses parallel custom dumps).
//!
//! A member must be contiguous in the file. The first thread to start a member while the file
//! is free takes the file and writes its member straight in; a thread starting a member while
//! the file is taken frames it (compressed chunks, exactly as in the file) into a spill file
//! in the output's directory, and hands it in when done. Whoever gives the file back first
//! appends the spooled members handed in meanwhile, so no thread waits for another's table to
//! end. Memory stays flat: every stage streams through fixed buffers; only disk holds what
//! waits (at most the members finished while a bigger one was being written).
//!
//! Without a spill directory (the output cannot seek, or one thread) a member waits for the
//! file instead of spooling.

use std::collections::VecDeque;
use std::io::{self, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::archive::{BlobsWrite, ConcurrentWrite};
use crate::custom::{BlobsEncoder, BlockOut, CustomWriter, DataEncoder, piece_frame};
use crate::error::FormatError;
use crate::member_thread::write_through_thread;
use crate::pieces::{Piece, PieceSets};
use crate::spill::SpillFile;
use crate::toc::{Compression, DumpId};

/// A spooled member, framed, waiting to be appended: `head`, the files in order, `tail` (a
/// split member's pieces between its frame; one file otherwise).
struct Spooled {
    dump_id: DumpId,
    blobs: bool,
    head: Vec<u8>,
    files: Vec<SpillFile>,
    tail: Vec<u8>,
}

impl Spooled {
    fn whole(dump_id: DumpId, blobs: bool, file: SpillFile) -> Self {
        Spooled {
            dump_id,
            blobs,
            head: Vec::new(),
            files: vec![file],
            tail: Vec::new(),
        }
    }

    fn append_to<W: Write + Seek>(
        &mut self,
        writer: &mut CustomWriter<W>,
    ) -> Result<(), FormatError> {
        let mut files = Vec::with_capacity(self.files.len());
        for file in &mut self.files {
            files.push(file.rewind().map_err(FormatError::TempFile)?);
        }
        let mut head = self.head.as_slice();
        let mut tail = self.tail.as_slice();
        let mut parts: Vec<&mut dyn Read> = Vec::with_capacity(files.len() + 2);
        parts.push(&mut head);
        for file in files {
            parts.push(file);
        }
        parts.push(&mut tail);
        writer.append_block(self.dump_id, self.blobs, &mut parts)
    }
}

struct State<W: Write + Seek> {
    /// The archive, unless a thread has taken it.
    writer: Option<CustomWriter<W>>,
    /// Members handed in while the archive was taken; appended by whoever gives it back.
    pending: VecDeque<Spooled>,
    /// A thread that had the archive failed: it cannot be completed.
    lost: bool,
}

pub struct ParallelCustomWriter<W: Write + Seek + Send> {
    state: Mutex<State<W>>,
    freed: Condvar,
    spill_dir: Option<PathBuf>,
    compression: Compression,
    /// Pieces of split members waiting for the rest of their member: each piece's spill file,
    /// and the Adler-32 and length of what went in.
    pieces: PieceSets<(SpillFile, u32, u64)>,
}

/// A spill file counting what went in, as a member's output.
struct SpillOut {
    file: SpillFile,
    len: u64,
}

impl Write for SpillOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.file.write_all(buf)?;
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.file.flush()
    }
}

impl BlockOut for SpillOut {
    fn position(&self) -> u64 {
        self.len
    }
}

impl BlobsWrite for BlobsEncoder<SpillOut> {
    fn start_lo(&mut self, oid: u32) -> Result<(), FormatError> {
        BlobsEncoder::start_lo(self, oid)
    }

    fn end_lo(&mut self) -> Result<(), FormatError> {
        BlobsEncoder::end_lo(self)
    }

    fn finish(self: Box<Self>) -> Result<(), FormatError> {
        BlobsEncoder::finish(*self).map(drop)
    }
}

/// What a member got: the archive itself, or a spill file.
enum Place<W: Write + Seek> {
    Archive(CustomWriter<W>),
    Spill(SpillOut),
}

impl<W: Write + Seek + Send> ParallelCustomWriter<W> {
    /// Shares `writer`; members that find it taken are spooled in `spill_dir` (`None`: they
    /// wait for it).
    pub fn new(writer: CustomWriter<W>, spill_dir: Option<PathBuf>) -> Self {
        ParallelCustomWriter {
            compression: writer.compression(),
            state: Mutex::new(State {
                writer: Some(writer),
                pending: VecDeque::new(),
                lost: false,
            }),
            freed: Condvar::new(),
            spill_dir,
            pieces: PieceSets::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<W>> {
        // Every update under the lock is a single step; a panic leaves it consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn place(&self) -> Result<Place<W>, FormatError> {
        let mut state = self.lock();
        loop {
            if state.lost {
                return Err(lost());
            }
            if state.pending.is_empty() {
                if let Some(w) = state.writer.take() {
                    return Ok(Place::Archive(w));
                }
            }
            if let Some(dir) = &self.spill_dir {
                drop(state);
                let file = SpillFile::create(dir).map_err(FormatError::TempFile)?;
                return Ok(Place::Spill(SpillOut { file, len: 0 }));
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A spooled member is complete: appended now if the archive is free, else queued for
    /// the thread that has it.
    fn hand_in(&self, spooled: Spooled) -> Result<(), FormatError> {
        let writer = {
            let mut state = self.lock();
            if state.lost {
                return Err(lost());
            }
            match state.writer.take() {
                Some(w) => w,
                None => {
                    state.pending.push_back(spooled);
                    return Ok(());
                }
            }
        };
        self.give_back(writer, Some(spooled))
    }

    /// Appends `next` and whatever was handed in meanwhile, then frees the archive.
    fn give_back(
        &self,
        mut writer: CustomWriter<W>,
        mut next: Option<Spooled>,
    ) -> Result<(), FormatError> {
        loop {
            if let Some(mut s) = next.take() {
                if let Err(e) = s.append_to(&mut writer) {
                    self.abandon();
                    return Err(e);
                }
            }
            let mut state = self.lock();
            match state.pending.pop_front() {
                Some(s) => next = Some(s),
                None => {
                    state.writer = Some(writer);
                    self.freed.notify_all();
                    return Ok(());
                }
            }
        }
    }

    fn abandon(&self) {
        self.lock().lost = true;
        self.freed.notify_all();
    }

    /// Ends a member written straight into the archive: on success the archive is given
    /// back, on failure it is lost.
    fn direct<E: From<FormatError>>(
        &self,
        mut writer: CustomWriter<W>,
        write: impl FnOnce(&mut CustomWriter<W>) -> Result<(), E>,
    ) -> Result<(), E> {
        match write(&mut writer) {
            Ok(()) => Ok(self.give_back(writer, None)?),
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }
}

fn lost() -> FormatError {
    FormatError::unwritable("a member failed while being written into the archive")
}

impl<W: Write + Seek + Send> ConcurrentWrite for ParallelCustomWriter<W> {
    fn write_data<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        match self.place()? {
            Place::Archive(writer) => self.direct(writer, |writer| {
                let mut member = writer.data(dump_id)?;
                write_through_thread(&mut member, fill)?;
                Ok(member.finish()?)
            }),
            Place::Spill(out) => {
                let mut enc = DataEncoder::new(out, dump_id, self.compression)?;
                write_through_thread(&mut enc, fill)?;
                let file = enc.finish()?.file;
                Ok(self.hand_in(Spooled::whole(dump_id, false, file))?)
            }
        }
    }

    fn write_blobs<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        fill: impl FnOnce(&mut dyn BlobsWrite) -> Result<(), E>,
    ) -> Result<(), E> {
        match self.place()? {
            Place::Archive(writer) => self.direct(writer, |writer| {
                let mut member = writer.blobs(dump_id)?;
                fill(&mut member)?;
                Ok(member.finish()?)
            }),
            Place::Spill(out) => {
                let mut enc = BlobsEncoder::new(out, dump_id, self.compression);
                fill(&mut enc)?;
                let file = enc.finish()?.file;
                Ok(self.hand_in(Spooled::whole(dump_id, true, file))?)
            }
        }
    }

    /// Pieces are spooled, so only a writer with a spill directory takes them.
    fn takes_pieces(&self) -> bool {
        self.spill_dir.is_some()
    }

    fn write_piece<E: From<FormatError>>(
        &self,
        dump_id: DumpId,
        piece: Piece,
        fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(dir) = &self.spill_dir else {
            return Err(FormatError::unwritable(format!(
                "the data of entry {dump_id} cannot be written in pieces without a spill directory"
            ))
            .into());
        };
        let file = SpillFile::create(dir).map_err(FormatError::TempFile)?;
        let out = SpillOut { file, len: 0 };
        let mut enc = DataEncoder::piece(out, dump_id, self.compression, piece.is_last())?;
        write_through_thread(&mut enc, fill)?;
        let (out, adler, len) = enc.finish_piece()?;
        let Some(all) = self.pieces.add(dump_id, piece, (out.file, adler, len)) else {
            return Ok(());
        };
        let sums: Vec<(u32, u64)> = all.iter().map(|&(_, adler, len)| (adler, len)).collect();
        let (head, tail) = piece_frame(dump_id, self.compression, &sums)?;
        Ok(self.hand_in(Spooled {
            dump_id,
            blobs: false,
            head,
            files: all.into_iter().map(|(file, ..)| file).collect(),
            tail,
        })?)
    }

    fn finish(self) -> Result<(), FormatError> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        match state.writer {
            Some(w) if !state.lost && state.pending.is_empty() => w.finish().map(drop),
            _ => Err(lost()),
        }
    }
}

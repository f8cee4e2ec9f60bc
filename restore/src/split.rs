//! One table's rows loaded by several worker sessions at once (tusk; pg_restore loads a table
//! through one session). A reader thread decompresses the entry's data and cuts it at row
//! ends into chunks; each session taking part runs its own `COPY ... FROM stdin` in its own
//! transaction and takes chunks as it is ready for them, so a slow session takes fewer. None
//! commits until all have finished their COPY, and if any failed all roll back: the table is
//! then loaded again the ordinary way, which reports the error exactly as pg_restore would.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Condvar, Mutex, MutexGuard};

use tusk_format::TocEntry;
use tusk_format::custom::DataSink;
use tusk_format::script::{DataSource, ScriptError};

/// COPY text is cut into chunks of about this many bytes, at a row end.
const CHUNK: usize = 1 << 20;

/// Entries whose data is at least this big (the archive's size guess: compressed bytes) are
/// split, unless `TUSK_SPLIT_RESTORE_MIN_BYTES` says otherwise.
const MIN_BYTES: u64 = 4 << 20;

/// The size from which a created-in-this-run table's data is split across workers.
pub fn min_bytes() -> u64 {
    std::env::var("TUSK_SPLIT_RESTORE_MIN_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MIN_BYTES)
}

pub struct Split {
    /// Taken away (dropped) on the first failure, which stops the reader at its next send.
    chunks: Mutex<Option<Receiver<Vec<u8>>>>,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Sessions that have been given a piece of this table.
    joined: usize,
    /// Of those, the ones whose COPY has ended.
    copied: usize,
    /// The reader is still cutting chunks: sessions may still join.
    reading: bool,
    failed: bool,
    /// A worker died: no session waits for the others any more.
    abandoned: bool,
}

impl Split {
    /// A split of a table's data for `jobs` workers, and the sending end its reader cuts
    /// chunks into.
    pub fn new(jobs: usize) -> (Split, SyncSender<Vec<u8>>) {
        let (tx, rx) = sync_channel(2 * jobs);
        let split = Split {
            chunks: Mutex::new(Some(rx)),
            state: Mutex::new(State {
                reading: true,
                ..State::default()
            }),
            changed: Condvar::new(),
        };
        (split, tx)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one more session in, while the reader is still going; false once it is done
    /// (a latecomer would find nothing left).
    pub fn join(&self) -> bool {
        let mut state = self.state();
        if state.reading && !state.failed {
            state.joined += 1;
            true
        } else {
            false
        }
    }

    /// The sessions that have joined so far: all of them once any session's
    /// [`copied`](Split::copied) has returned.
    pub fn pieces(&self) -> usize {
        self.state().joined
    }

    /// Undoes a [`join`](Split::join) whose piece never reached a session.
    pub fn leave(&self) {
        self.state().joined -= 1;
        self.changed.notify_all();
    }

    /// Reads `te`'s data from a reader of its own (`open`) and cuts it into chunks for the
    /// sessions, until the data ends or a session fails.
    pub fn read(&self, open: &crate::parallel::Opener<'_>, te: &TocEntry, tx: SyncSender<Vec<u8>>) {
        let mut cutter = Cutter {
            split: self,
            tx,
            buf: Vec::with_capacity(2 * CHUNK),
        };
        let result = open()
            .map_err(ScriptError::Other)
            .and_then(|mut source| source.stream(te, &mut cutter))
            .and_then(|()| cutter.flush().map_err(ScriptError::Io));
        drop(cutter);
        let mut state = self.state();
        state.reading = false;
        state.failed |= result.is_err();
        self.changed.notify_all();
    }

    /// The next chunk for a session; `None` when the data has ended or the split failed.
    fn next_chunk(&self) -> Option<Vec<u8>> {
        if self.state().failed {
            return None;
        }
        let chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        chunks.as_ref()?.recv().ok()
    }

    /// A session's data source: the chunks it takes.
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks { split: self }
    }

    /// A session's COPY has ended, `ok` or not. Waits until every session's has and returns
    /// whether all went well, i.e. whether to commit.
    pub fn copied(&self, ok: bool) -> bool {
        self.state().copied += 1;
        if !ok {
            self.stop(false);
        }
        self.changed.notify_all();
        let mut state = self.state();
        while !state.abandoned && (state.reading || state.copied < state.joined) {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        !state.failed && !state.abandoned
    }

    /// A worker died, or the restore is over: the sessions stop waiting for each other and
    /// roll back, the reader stops.
    pub fn abandon(&self) {
        self.stop(true);
    }

    /// Marks the split failed and drops the chunks' receiving end, so a reader waiting to
    /// send gives up.
    fn stop(&self, abandoned: bool) {
        {
            let mut state = self.state();
            state.failed = true;
            state.abandoned |= abandoned;
        }
        self.changed.notify_all();
        // Taken outside the state lock: a session may hold the chunk lock while it waits on
        // the reader, which needs the state lock to finish.
        self.chunks.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The data source a session's COPY reads: chunks as it is ready for them.
pub struct Chunks<'s> {
    split: &'s Split,
}

impl DataSource for Chunks<'_> {
    fn stream(&mut self, _entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError> {
        while let Some(chunk) = self.split.next_chunk() {
            out.data(&chunk)?;
        }
        Ok(())
    }
}

/// Cuts COPY text at row ends: in the text format a raw newline only ever ends a row (one in
/// a value is written `\n`).
struct Cutter<'s> {
    split: &'s Split,
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Cutter<'_> {
    fn send(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        if self.split.state().failed {
            return Err(stopped());
        }
        self.tx.send(chunk).map_err(|_| stopped())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buf);
        self.send(chunk)
    }
}

fn stopped() -> std::io::Error {
    std::io::Error::other("the split table's load failed")
}

impl DataSink for Cutter<'_> {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK
            && let Some(end) = self.buf.iter().rposition(|&b| b == b'\n')
        {
            let rest = self.buf.split_off(end + 1);
            let chunk = std::mem::replace(&mut self.buf, rest);
            self.send(chunk)?;
        }
        Ok(())
    }

    fn start_lo(&mut self, _oid: u32) -> std::io::Result<()> {
        Err(std::io::Error::other(
            "large object data in a table's data member",
        ))
    }

    fn end_lo(&mut self) -> std::io::Result<()> {
        self.start_lo(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_row_ends_and_keeps_every_byte() {
        let (split, tx) = Split::new(64);
        let mut cutter = Cutter {
            split: &split,
            tx,
            buf: Vec::new(),
        };
        let row = b"12345\tsome text\\nstill the same row\n";
        let rows = 2 * CHUNK / row.len() + 7;
        for _ in 0..rows {
            cutter.data(row).unwrap();
        }
        cutter.data(b"last row without newline").unwrap();
        cutter.flush().unwrap();
        drop(cutter);
        let rx = split.chunks.lock().unwrap().take().unwrap();
        let chunks: Vec<Vec<u8>> = rx.iter().collect();
        assert!(chunks.len() >= 3);
        for chunk in &chunks[..chunks.len() - 1] {
            assert_eq!(chunk.last(), Some(&b'\n'));
            assert_eq!(chunk.len() % row.len(), 0);
        }
        let total: usize = chunks.iter().map(Vec::len).sum();
        assert_eq!(total, rows * row.len() + 24);
    }

    #[test]
    fn a_failed_piece_rolls_every_piece_back() {
        let (split, _tx) = Split::new(2);
        assert!(split.join() && split.join());
        std::thread::scope(|s| {
            let other = s.spawn(|| split.copied(true));
            split.state().reading = false;
            assert!(!split.copied(false));
            assert!(!other.join().unwrap());
        });
        assert!(!split.join());
    }
}

//! `--progress` for a restore into a database: the tables whose data is loaded, sized by the
//! archive's data lengths (compressed; the projection learns the ratio as tables finish), and
//! what each session's COPY feeds the server.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tusk_format::select::Reqs;
use tusk_format::{DumpId, Section, Toc, TocEntry};
use tusk_progress::{Progress, RowCounter, Worker};

/// What every session of one restore shares.
#[derive(Clone, Default)]
pub struct RestoreProgress {
    progress: Progress,
    sizes: Arc<HashMap<DumpId, u64>>,
    /// The furthest section any session has reached: workers mix data and post-data, so the
    /// phase only moves forward.
    section: Arc<AtomicU8>,
}

/// One session's part: its worker line, and the rows of the COPY it is feeding.
#[derive(Default)]
pub struct SinkProgress {
    shared: RestoreProgress,
    worker: Worker,
    rows: RowCounter,
    /// Loading a share of a split table, one of up to this many: the table is done when all
    /// shares are, which the split says (see [`SinkProgress::piece_done`]).
    piece: Option<usize>,
}

impl RestoreProgress {
    /// Starts `progress` on the entries of `toc` whose data `reqs` wants.
    pub fn new(
        progress: Progress,
        toc: &Toc,
        reqs: &HashMap<DumpId, Reqs>,
        sizes: HashMap<DumpId, u64>,
    ) -> Self {
        let tables: Vec<&TocEntry> = toc
            .entries
            .iter()
            .filter(|te| te.desc == "TABLE DATA" && reqs.get(&te.dump_id).is_some_and(|r| r.data))
            .collect();
        let bytes = tables
            .iter()
            .map(|te| sizes.get(&te.dump_id).copied().unwrap_or(0))
            .sum();
        progress.start(tables.len() as u64, bytes, None);
        RestoreProgress {
            progress,
            sizes: Arc::new(sizes),
            section: Arc::default(),
        }
    }

    pub fn worker(&self, id: usize) -> SinkProgress {
        SinkProgress {
            shared: self.clone(),
            worker: self.progress.worker(id),
            rows: RowCounter::default(),
            piece: None,
        }
    }

    pub fn finish(&self) {
        self.progress.finish();
    }

    /// Runs `f`, which prints to stderr, with the bar out of its way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.progress.suspend(f)
    }
}

impl SinkProgress {
    /// A statement of `entry` runs: the phase follows its section.
    pub fn entry(&self, entry: &TocEntry) {
        let (rank, name) = match entry.section {
            Section::PreData => (1, "pre-data"),
            Section::Data => (2, "data"),
            Section::PostData => (3, "post-data"),
            Section::None => return,
        };
        if self.shared.section.fetch_max(rank, Ordering::Relaxed) < rank {
            self.shared.progress.phase(name);
        }
    }

    /// `entry`'s COPY starts.
    pub fn copy_begin(&mut self, entry: &TocEntry) {
        self.entry(entry);
        let name = match &entry.namespace {
            Some(ns) if !ns.is_empty() => format!("{ns}.{}", entry.tag),
            _ => entry.tag.clone(),
        };
        let size = self.shared.sizes.get(&entry.dump_id).copied().unwrap_or(0);
        self.worker
            .begin(&name, size / self.piece.unwrap_or(1) as u64);
        self.rows = RowCounter::default();
    }

    pub fn copy_data(&mut self, bytes: &[u8]) {
        if !self.worker.is_on() {
            return;
        }
        let counted = self.rows.feed(bytes);
        self.worker.add(counted.bytes, counted.rows);
    }

    pub fn copy_end(&self) {
        if self.piece.is_none() {
            self.worker.done(1);
        }
    }

    /// The COPYs that follow load a share of a split table, one of up to `jobs`.
    pub fn piece_begin(&mut self, jobs: usize) {
        self.piece = Some(jobs.max(1));
    }

    /// The share is loaded and committed, one of `pieces`; a rolled-back share (the table is
    /// then loaded again the ordinary way) is not counted as done.
    pub fn piece_done(&mut self, pieces: Option<usize>) {
        self.piece = None;
        if let Some(pieces) = pieces {
            self.worker.done(pieces);
        }
    }
}

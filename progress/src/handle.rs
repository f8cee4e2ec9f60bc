//! The shared handle: totals in atomics, per-table bookkeeping under one lock, and the
//! renderer told of each start, phase, finished table and finish.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::Mode;
use crate::bar::Bar;
use crate::count::projected_total;
use crate::json::{Event, Json};

/// A cheap, cloneable handle to one run's progress; every method does nothing when it is off.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Shared>>);

/// One worker's (or the leader's) view: the table it is busy with and what it moved of it.
#[derive(Default)]
pub struct Worker(Option<(Arc<Shared>, Arc<Slot>)>);

pub(crate) struct Shared {
    pub(crate) started: Instant,
    /// Totals over all workers, updated on every chunk without a lock.
    pub(crate) bytes: AtomicU64,
    pub(crate) rows: AtomicU64,
    pub(crate) state: Mutex<State>,
    render: Render,
}

enum Render {
    Bar(Bar),
    Json(Json),
}

/// What the renderers read, changed once per table.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) items: u64,
    pub(crate) items_done: u64,
    pub(crate) est_bytes: u64,
    pub(crate) est_rows: Option<u64>,
    /// The estimates and the actual bytes of the finished items (or pieces), for the
    /// projection.
    done_est: u64,
    done_bytes: u64,
    pub(crate) phase: String,
    pub(crate) slots: Vec<Arc<Slot>>,
    /// Tables read in pieces: what the finished pieces add up to, until the last.
    pieces: HashMap<String, Pieces>,
}

#[derive(Default)]
struct Pieces {
    done: usize,
    bytes: u64,
    rows: u64,
}

/// A worker's current table, which its line on the bar shows.
#[derive(Default)]
pub(crate) struct Slot {
    pub(crate) id: usize,
    pub(crate) bytes: AtomicU64,
    pub(crate) rows: AtomicU64,
    est: AtomicU64,
    pub(crate) table: Mutex<Option<String>>,
}

/// Locks that a panicking worker left poisoned still hold consistent counts.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// The bytes the bar's length is, given `counted` so far.
    pub(crate) fn projected(&self, counted: u64) -> u64 {
        projected_total(self.est_bytes, self.done_est, self.done_bytes, counted)
    }
}

impl Progress {
    pub fn new(mode: Mode) -> Progress {
        let render = match mode {
            Mode::Off => return Progress(None),
            Mode::Bar => Render::Bar(Bar::new()),
            Mode::Json => Render::Json(Json),
        };
        let shared = Arc::new(Shared {
            started: Instant::now(),
            bytes: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            render,
        });
        if matches!(shared.render, Render::Bar(_)) {
            spawn_ticker(Arc::downgrade(&shared));
        }
        Progress(Some(shared))
    }

    /// The work ahead: items (tables), and estimates of their bytes and rows (`None`:
    /// unknown).
    pub fn start(&self, items: u64, est_bytes: u64, est_rows: Option<u64>) {
        let Some(shared) = &self.0 else { return };
        let mut state = lock(&shared.state);
        state.items = items;
        state.est_bytes = est_bytes;
        state.est_rows = est_rows;
        match &shared.render {
            Render::Bar(bar) => bar.started(&state),
            Render::Json(json) => json.write(&Event::Start {
                items,
                est_bytes,
                est_rows,
            }),
        }
    }

    /// A new stage of the run (catalog, data, post-data...).
    pub fn phase(&self, name: &str) {
        let Some(shared) = &self.0 else { return };
        let mut state = lock(&shared.state);
        if state.phase == name {
            return;
        }
        name.clone_into(&mut state.phase);
        match &shared.render {
            Render::Bar(bar) => bar.phase(name),
            Render::Json(json) => json.write(&Event::Phase { phase: name }),
        }
    }

    /// Runs `f`, which prints to stderr, with the bar out of its way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self.0.as_deref().map(|s| &s.render) {
            Some(Render::Bar(bar)) => bar.suspend(f),
            _ => f(),
        }
    }

    /// The handle worker `id` counts through.
    pub fn worker(&self, id: usize) -> Worker {
        let Some(shared) = &self.0 else {
            return Worker(None);
        };
        let slot = Arc::new(Slot {
            id,
            ..Slot::default()
        });
        lock(&shared.state).slots.push(Arc::clone(&slot));
        Worker(Some((Arc::clone(shared), slot)))
    }

    /// The end, with the totals.
    pub fn finish(&self) {
        let Some(shared) = &self.0 else { return };
        let state = lock(&shared.state);
        let bytes = shared.bytes.load(Ordering::Relaxed);
        let rows = shared.rows.load(Ordering::Relaxed);
        match &shared.render {
            Render::Bar(bar) => bar.finished(&state, bytes, rows),
            Render::Json(json) => json.write(&Event::Finish {
                tables: state.items_done,
                rows,
                bytes,
                seconds: shared.started.elapsed().as_secs_f64(),
            }),
        }
    }
}

impl Worker {
    /// Whether anything is shown: counting rows costs a pass over every byte, so callers skip
    /// it when nothing would show the count.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Starts on `table` (or a piece of it), expected to come to about `est_bytes`.
    pub fn begin(&self, table: &str, est_bytes: u64) {
        let Some((shared, slot)) = &self.0 else {
            return;
        };
        slot.bytes.store(0, Ordering::Relaxed);
        slot.rows.store(0, Ordering::Relaxed);
        slot.est.store(est_bytes, Ordering::Relaxed);
        *lock(&slot.table) = Some(table.to_owned());
        if let Render::Bar(bar) = &shared.render {
            bar.busy(slot);
        }
    }

    /// Bytes and rows moved for the current table.
    pub fn add(&self, bytes: u64, rows: u64) {
        let Some((shared, slot)) = &self.0 else {
            return;
        };
        slot.bytes.fetch_add(bytes, Ordering::Relaxed);
        slot.rows.fetch_add(rows, Ordering::Relaxed);
        shared.bytes.fetch_add(bytes, Ordering::Relaxed);
        shared.rows.fetch_add(rows, Ordering::Relaxed);
    }

    /// The current table is done, or the current piece of a table read in `pieces` pieces:
    /// the table counts as done with its last piece, with all its pieces' bytes and rows.
    pub fn done(&self, pieces: usize) {
        let Some((shared, slot)) = &self.0 else {
            return;
        };
        let Some(table) = lock(&slot.table).take() else {
            return;
        };
        let bytes = slot.bytes.load(Ordering::Relaxed);
        let rows = slot.rows.load(Ordering::Relaxed);
        let mut state = lock(&shared.state);
        state.done_est += slot.est.load(Ordering::Relaxed);
        state.done_bytes += bytes;
        let (bytes, rows) = if pieces > 1 {
            let sum = state.pieces.entry(table.clone()).or_default();
            sum.done += 1;
            sum.bytes += bytes;
            sum.rows += rows;
            if sum.done < pieces {
                if let Render::Bar(bar) = &shared.render {
                    bar.idle(slot.id);
                }
                return;
            }
            let sum = state.pieces.remove(&table).unwrap_or_default();
            (sum.bytes, sum.rows)
        } else {
            (bytes, rows)
        };
        state.items_done += 1;
        match &shared.render {
            Render::Bar(bar) => bar.idle(slot.id),
            Render::Json(json) => json.write(&Event::TableDone {
                table: &table,
                worker: slot.id,
                rows,
                bytes,
            }),
        }
    }
}

/// Redraws the bar from the counters ten times a second (indicatif draws no more often), so
/// the workers' hot path stays two atomic additions. It ends with the run's handles or at
/// `finish`.
fn spawn_ticker(shared: Weak<Shared>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let Some(shared) = shared.upgrade() else {
                break;
            };
            let Render::Bar(bar) = &shared.render else {
                break;
            };
            let state = lock(&shared.state);
            let ticking = bar.tick(
                &state,
                shared.bytes.load(Ordering::Relaxed),
                shared.rows.load(Ordering::Relaxed),
            );
            if !ticking {
                break;
            }
        }
    });
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(on)"
        } else {
            "Progress(off)"
        })
    }
}

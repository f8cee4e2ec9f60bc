//! The terminal rendering: indicatif's MultiProgress on stderr, one overall bar (bytes against
//! the projected total, rate, ETA, rows, tables) and one line per busy worker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use indicatif::{
    HumanBytes, HumanCount, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle,
};

use crate::handle::{Slot, State};

/// With estimates: percentage, bytes, rate and ETA, the bar in the rest of the line; rows and
/// tables below (one line would not fit 80 columns).
const OVERALL: &str = "{prefix:>9} {percent:>3}% {bytes}/~{total_bytes} {binary_bytes_per_sec} \
                       ETA {eta} [{wide_bar}]\n          {msg}";
/// Without (nothing sized the work): what has moved, at what rate, for how long.
const UNSIZED: &str =
    "{prefix:>9} {spinner} {bytes} {binary_bytes_per_sec} {elapsed}\n          {msg}";
const WORKER: &str = "  {prefix} {msg}";

pub(crate) struct Bar {
    multi: MultiProgress,
    overall: ProgressBar,
    workers: Mutex<HashMap<usize, ProgressBar>>,
    done: AtomicBool,
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants that parse; the default style is only a fallback.
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Bar {
    pub(crate) fn new() -> Bar {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        let overall = multi.add(ProgressBar::new(0).with_style(style(UNSIZED)));
        Bar {
            multi,
            overall,
            workers: Mutex::new(HashMap::new()),
            done: AtomicBool::new(false),
        }
    }

    pub(crate) fn started(&self, state: &State) {
        if state.est_bytes > 0 {
            self.overall.set_style(style(OVERALL));
            self.overall.set_length(state.est_bytes);
        }
    }

    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }

    pub(crate) fn phase(&self, name: &str) {
        self.overall.set_prefix(name.to_owned());
    }

    /// A worker's line appears when it starts a table.
    pub(crate) fn busy(&self, slot: &Slot) {
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        workers.entry(slot.id).or_insert_with(|| {
            self.multi.add(
                ProgressBar::new_spinner()
                    .with_style(style(WORKER))
                    .with_prefix(format!("[{}]", slot.id)),
            )
        });
    }

    /// ... and goes when it is done with it.
    pub(crate) fn idle(&self, id: usize) {
        let bar = self
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if let Some(bar) = bar {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }

    /// One redraw; false once finished.
    pub(crate) fn tick(&self, state: &State, bytes: u64, rows: u64) -> bool {
        if self.done.load(Ordering::Relaxed) {
            return false;
        }
        self.show(state, bytes, rows);
        let workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in &state.slots {
            let Some(bar) = workers.get(&slot.id) else {
                continue;
            };
            let table = slot.table.lock().unwrap_or_else(PoisonError::into_inner);
            bar.set_message(format!(
                "{}  {}  {} rows",
                table.as_deref().unwrap_or(""),
                HumanBytes(slot.bytes.load(Ordering::Relaxed)),
                HumanCount(slot.rows.load(Ordering::Relaxed)),
            ));
        }
        true
    }

    fn show(&self, state: &State, bytes: u64, rows: u64) {
        if state.est_bytes > 0 {
            self.overall.set_length(state.projected(bytes));
        }
        self.overall.set_position(bytes);
        if state.items == 0 {
            // Still reading the catalog: nothing to count yet.
            return;
        }
        let est_rows = match state.est_rows {
            Some(n) if n > 0 => format!(" of ~{}", HumanCount(n)),
            _ => String::new(),
        };
        self.overall.set_message(format!(
            "{} rows{est_rows}, {}/{} tables",
            HumanCount(rows),
            state.items_done,
            state.items
        ));
    }

    /// The last state stays on screen; the worker lines go.
    pub(crate) fn finished(&self, state: &State, bytes: u64, rows: u64) {
        self.done.store(true, Ordering::Relaxed);
        let workers: Vec<ProgressBar> = self
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, bar)| bar)
            .collect();
        for bar in workers {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.show(state, bytes, rows);
        self.overall.set_length(bytes);
        self.overall.set_prefix("done");
        self.overall.finish();
    }
}

/// A run that fails leaves no half-drawn bar under its error message.
impl Drop for Bar {
    fn drop(&mut self) {
        if !self.done.load(Ordering::Relaxed) {
            let _ = self.multi.clear();
        }
    }
}

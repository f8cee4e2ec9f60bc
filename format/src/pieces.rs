//! A table's data member split between threads: each piece of its rows is compressed apart
//! (into a spill file), and the member is put together, in piece order, by whoever finishes
//! the last piece.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::toc::DumpId;

/// Which piece of a member, out of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub index: usize,
    pub count: usize,
}

impl Piece {
    pub fn is_last(self) -> bool {
        self.index + 1 == self.count
    }
}

/// The finished pieces (what the writer keeps of each, `T`) of members not complete yet.
pub(crate) struct PieceSets<T>(Mutex<HashMap<DumpId, Vec<Option<T>>>>);

impl<T> Default for PieceSets<T> {
    fn default() -> Self {
        PieceSets(Mutex::new(HashMap::new()))
    }
}

impl<T> PieceSets<T> {
    /// Records `done`; returns the member's pieces in order once it was the last missing.
    pub(crate) fn add(&self, dump_id: DumpId, piece: Piece, done: T) -> Option<Vec<T>> {
        // Every update under the lock is a single step; a panic leaves it consistent.
        let mut sets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let set = sets
            .entry(dump_id)
            .or_insert_with(|| std::iter::repeat_with(|| None).take(piece.count).collect());
        if let Some(slot) = set.get_mut(piece.index) {
            *slot = Some(done);
        }
        if set.iter().all(Option::is_some) {
            sets.remove(&dump_id)
                .map(|set| set.into_iter().flatten().collect())
        } else {
            None
        }
    }
}

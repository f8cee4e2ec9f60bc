//! pg_restore's parallel schedule (pg_backup_archiver.c: fix_dependencies,
//! restore_toc_entries_prefork / _parallel / _postfork, pop_next_work_item): which entries the
//! leader restores alone first, the order workers take the rest in, and which entries must not
//! run side by side. Pure bookkeeping: the caller restores the entries and reports back.

use std::collections::HashMap;

use tusk_format::script::{EntryStatus, Pass, restore_pass};
use tusk_format::{DumpId, Section, TocEntry};

struct Node {
    pass: Pass,
    /// Dependencies, POST_DATA ones on a table re-pointed to the table's data.
    deps: Vec<DumpId>,
    /// Entries that depend on this one, by index.
    dependents: Vec<usize>,
    /// Dependencies not yet restored (those absent from the archive never count).
    waiting_on: usize,
    /// What the entry must hold an exclusive lock on: for POST_DATA entries other than
    /// indexes, every TABLE or TABLE DATA among its dependencies.
    lock_deps: Vec<DumpId>,
    /// The size estimate the largest-first order uses.
    size: u64,
    wanted: bool,
    pending: bool,
    /// For TABLE DATA: its table was created in this run.
    created: bool,
}

/// The schedule of one parallel restore. Indices are positions in the TOC.
pub struct Schedule {
    nodes: Vec<Node>,
    dump_ids: Vec<DumpId>,
    /// TABLE dump id → index of its TABLE DATA entry.
    table_data: HashMap<DumpId, usize>,
    ready: Vec<usize>,
    running: Vec<usize>,
    pass: Pass,
    /// Whether the workers' part has begun: before it, finishing an entry makes nothing
    /// ready (the leader's serial part only counts dependencies down).
    started: bool,
}

impl Schedule {
    /// Plans the TOC `entries`; `wanted` says which entries have something to restore, `size` gives the
    /// archive format's size estimate of an entry's data (0 when it has none). Returns the
    /// schedule and the entries the leader restores first, serially, in this order: the
    /// pre-data section, and section-less entries met before any data or post-data one, main
    /// pass only. The caller reports each with [`Schedule::finish`] as it goes, then calls
    /// [`Schedule::start`].
    pub fn new(
        entries: &[TocEntry],
        wanted: impl Fn(usize) -> bool,
        size: impl Fn(usize) -> u64,
    ) -> (Schedule, Vec<usize>) {
        let index: HashMap<DumpId, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, te)| (te.dump_id, i))
            .collect();
        // buildTocEntryArrays: a TABLE DATA entry's one dependency is its table.
        let table_data: HashMap<DumpId, usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, te)| te.desc == "TABLE DATA")
            .filter_map(|(i, te)| te.dependencies.first().map(|&t| (t, i)))
            .collect();
        let sizes: Vec<u64> = (0..entries.len()).map(size).collect();
        let mut nodes: Vec<Node> = entries
            .iter()
            .enumerate()
            .map(|(i, te)| {
                let mut size = sizes[i];
                // repoint_table_dependencies: post-data waits for the table's data, and is as
                // big a job as that data.
                let deps: Vec<DumpId> = te
                    .dependencies
                    .iter()
                    .map(|d| match table_data.get(d) {
                        Some(&data) if te.section == Section::PostData => {
                            size = size.max(sizes[data]);
                            entries[data].dump_id
                        }
                        _ => *d,
                    })
                    .collect();
                // identify_locking_dependencies: CREATE INDEX needs no exclusive lock, other
                // post-data statements (ALTER TABLE and the like) do.
                let lock_deps = if te.section == Section::PostData && te.desc != "INDEX" {
                    deps.iter()
                        .copied()
                        .filter(|d| {
                            index.get(d).is_some_and(|&j| {
                                matches!(entries[j].desc.as_str(), "TABLE" | "TABLE DATA")
                            })
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Node {
                    pass: restore_pass(te),
                    waiting_on: deps.iter().filter(|d| index.contains_key(d)).count(),
                    deps,
                    dependents: Vec::new(),
                    lock_deps,
                    size,
                    wanted: wanted(i),
                    pending: false,
                    created: false,
                }
            })
            .collect();
        for i in 0..nodes.len() {
            for d in nodes[i].deps.clone() {
                if let Some(&j) = index.get(&d) {
                    nodes[j].dependents.push(i);
                }
            }
        }

        // restore_toc_entries_prefork: what the leader does alone, the rest pending in order.
        let mut prefork = Vec::new();
        let mut skipped = false;
        for (i, te) in entries.iter().enumerate() {
            let now = match te.section {
                Section::PreData => true,
                Section::Data | Section::PostData => {
                    skipped = true;
                    false
                }
                Section::None => !skipped,
            } && nodes[i].pass == Pass::Main;
            if now {
                prefork.push(i);
            } else {
                nodes[i].pending = true;
            }
        }
        let schedule = Schedule {
            nodes,
            dump_ids: entries.iter().map(|te| te.dump_id).collect(),
            table_data,
            ready: Vec::new(),
            running: Vec::new(),
            pass: Pass::Main,
            started: false,
        };
        (schedule, prefork)
    }

    /// Ends the leader's serial part: the pending entries that can run now become ready.
    pub fn start(&mut self) {
        self.started = true;
        self.pass = Pass::Main;
        self.make_ready();
    }

    /// The next entry for a worker: the largest ready one (ties to the lower dump id) whose
    /// locks do not conflict with a running entry's. Entries with nothing to restore are
    /// completed on the way, as pg_restore skips them without a worker. `None` when nothing
    /// can start now; [`Schedule::advance`] tells whether anything ever will.
    pub fn take(&mut self) -> Option<usize> {
        loop {
            let nodes = &self.nodes;
            self.ready.sort_by(|&a, &b| {
                nodes[b]
                    .size
                    .cmp(&nodes[a].size)
                    .then(self.dump_ids[a].cmp(&self.dump_ids[b]))
            });
            let pos = self
                .ready
                .iter()
                .position(|&i| !self.running.iter().any(|&r| self.conflict(i, r)))?;
            let i = self.ready.remove(pos);
            if self.nodes[i].wanted {
                self.running.push(i);
                return Some(i);
            }
            self.release(i);
        }
    }

    /// When no worker is busy and [`Schedule::take`] found nothing: moves to the next pass,
    /// or returns false when the last one is done. An entry still marked running then was
    /// lost by the caller; it is returned as the error, as waiting for it would never end.
    pub fn advance(&mut self) -> Result<bool, usize> {
        if let Some(&lost) = self.running.first() {
            return Err(lost);
        }
        if !self.ready.is_empty() {
            return Ok(true);
        }
        self.pass = match self.pass {
            Pass::Main => Pass::Acl,
            Pass::Acl => Pass::PostAcl,
            Pass::PostAcl => return Ok(false),
        };
        self.make_ready();
        Ok(true)
    }

    /// Reports entry `i` restored (by the leader before [`Schedule::start`], or by a worker).
    pub fn finish(&mut self, i: usize, how: EntryStatus) {
        self.running.retain(|&r| r != i);
        let data = self.table_data.get(&self.dump_ids[i]).copied();
        match (how, data) {
            (EntryStatus::TableCreated, Some(d)) => self.nodes[d].created = true,
            (EntryStatus::TableFailed, Some(d)) => self.nodes[d].wanted = false,
            _ => {}
        }
        self.release(i);
    }

    /// Whether entry `i` (TABLE DATA) belongs to a table created in this run.
    pub fn created(&self, i: usize) -> bool {
        self.nodes[i].created
    }

    /// Whether entry `i` still has something to restore (`--no-data-for-failed-tables` takes
    /// a failed table's data away).
    pub fn wanted(&self, i: usize) -> bool {
        self.nodes[i].wanted
    }

    /// What no pass could schedule (circular or missing dependencies, odd `-L` orders): the
    /// leader restores these last, serially, in TOC order (restore_toc_entries_postfork).
    pub fn leftovers(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].pending)
            .collect()
    }

    /// has_lock_conflicts both ways: one entry needs an exclusive lock on something the other
    /// depends on.
    fn conflict(&self, a: usize, b: usize) -> bool {
        let needs = |x: usize, y: usize| {
            self.nodes[x]
                .lock_deps
                .iter()
                .any(|d| self.nodes[y].deps.contains(d))
        };
        needs(a, b) || needs(b, a)
    }

    /// reduce_dependencies: dependents of `i` wait on one entry fewer; those of the current
    /// pass that wait on nothing become ready.
    fn release(&mut self, i: usize) {
        for j in self.nodes[i].dependents.clone() {
            let node = &mut self.nodes[j];
            node.waiting_on = node.waiting_on.saturating_sub(1);
            if node.waiting_on == 0 && node.pass == self.pass && node.pending && self.started {
                node.pending = false;
                self.ready.push(j);
            }
        }
    }

    fn make_ready(&mut self) {
        for i in 0..self.nodes.len() {
            let node = &mut self.nodes[i];
            if node.pending && node.waiting_on == 0 && node.pass == self.pass {
                node.pending = false;
                self.ready.push(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: DumpId, desc: &str, section: Section, deps: &[DumpId]) -> TocEntry {
        let mut te = TocEntry::new(id, desc, format!("e{id}"), section);
        te.dependencies = deps.to_vec();
        te
    }

    /// Two tables with data, an index and a primary key on the first, a foreign key between
    /// them, a comment after the data, an ACL.
    fn archive() -> Vec<TocEntry> {
        vec![
            entry(1, "SCHEMA", Section::PreData, &[]),
            entry(2, "TABLE", Section::PreData, &[1]),
            entry(3, "TABLE", Section::PreData, &[1]),
            entry(4, "ACL", Section::None, &[2]),
            entry(5, "TABLE DATA", Section::Data, &[2]),
            entry(6, "TABLE DATA", Section::Data, &[3]),
            entry(7, "COMMENT", Section::None, &[2]),
            entry(8, "INDEX", Section::PostData, &[2]),
            entry(9, "INDEX", Section::PostData, &[2]),
            entry(10, "CONSTRAINT", Section::PostData, &[2]),
            entry(11, "FK CONSTRAINT", Section::PostData, &[3, 10]),
        ]
    }

    fn sizes(i: usize) -> u64 {
        match i {
            4 => 100, // TABLE DATA 5
            5 => 500, // TABLE DATA 6
            _ => 0,
        }
    }

    /// Runs the schedule to the end with `workers` workers, finishing the oldest running
    /// entry each time none can start; returns the dump ids in start order, each with those
    /// running beside it when it started.
    fn drive(s: &mut Schedule, entries: &[TocEntry], workers: usize) -> Vec<(DumpId, Vec<DumpId>)> {
        let mut running: Vec<usize> = Vec::new();
        let mut started = Vec::new();
        loop {
            if running.len() < workers {
                if let Some(i) = s.take() {
                    started.push((
                        entries[i].dump_id,
                        running.iter().map(|&r| entries[r].dump_id).collect(),
                    ));
                    running.push(i);
                    continue;
                }
            }
            if running.is_empty() {
                if s.advance().unwrap() {
                    continue;
                }
                return started;
            }
            let done = running.remove(0);
            s.finish(done, EntryStatus::Done);
        }
    }

    fn plan(entries: &[TocEntry]) -> (Schedule, Vec<DumpId>) {
        let (mut s, prefork) = Schedule::new(entries, |_| true, sizes);
        for &i in &prefork {
            s.finish(i, EntryStatus::Done);
        }
        s.start();
        (s, prefork.iter().map(|&i| entries[i].dump_id).collect())
    }

    #[test]
    fn leader_restores_pre_data_alone_and_acls_wait_for_their_pass() {
        let entries = archive();
        let (mut s, prefork) = plan(&entries);
        // The ACL is section-less but restored in the ACL pass; the comment comes after data.
        assert_eq!(prefork, [1, 2, 3]);
        let order: Vec<DumpId> = drive(&mut s, &entries, 4).iter().map(|x| x.0).collect();
        assert_eq!(order.last(), Some(&4), "ACL last: {order:?}");
        // Larger data first; the comment's dependencies are met at once.
        assert_eq!(order[..3], [6, 5, 7]);
        assert!(s.leftovers().is_empty());
    }

    #[test]
    fn post_data_waits_for_the_tables_data_and_locks_keep_apart() {
        let entries = archive();
        let (mut s, _) = plan(&entries);
        let started = drive(&mut s, &entries, 4);
        let position = |id| started.iter().position(|x| x.0 == id).unwrap();
        for index in [8, 9, 10] {
            assert!(
                position(index) > position(5),
                "{index} before the table's data"
            );
        }
        // Two indexes on one table may build together; the primary key (ALTER TABLE) never
        // runs beside anything else on that table.
        for (id, beside) in &started {
            if *id == 10 {
                assert!(!beside.iter().any(|b| [8, 9, 11].contains(b)), "{beside:?}");
            }
            if *id == 8 || *id == 9 {
                assert!(!beside.contains(&10), "{id} beside the primary key");
            }
        }
        // The foreign key waits for the primary key it references and for both tables' data.
        assert!(position(11) > position(10) && position(11) > position(6));
    }

    #[test]
    fn indexes_inherit_their_tables_size() {
        let mut entries = archive();
        // A third table, small, with an index: the big table's index goes first.
        entries.push(entry(12, "TABLE", Section::PreData, &[1]));
        entries.push(entry(13, "TABLE DATA", Section::Data, &[12]));
        entries.push(entry(14, "INDEX", Section::PostData, &[12]));
        entries.push(entry(15, "INDEX", Section::PostData, &[3]));
        let (mut s, prefork) =
            Schedule::new(&entries, |_| true, |i| if i == 12 { 1 } else { sizes(i) });
        for &i in &prefork {
            s.finish(i, EntryStatus::Done);
        }
        s.start();
        let order: Vec<DumpId> = drive(&mut s, &entries, 1).iter().map(|x| x.0).collect();
        let position = |id| order.iter().position(|&x| x == id).unwrap();
        assert!(position(15) < position(8), "{order:?}");
        assert!(position(8) < position(14), "{order:?}");
    }

    #[test]
    fn failed_tables_lose_their_data_and_created_ones_are_marked() {
        let entries = archive();
        let (mut s, prefork) = Schedule::new(&entries, |_| true, sizes);
        for &i in &prefork {
            let how = match entries[i].dump_id {
                2 => EntryStatus::TableCreated,
                3 => EntryStatus::TableFailed,
                _ => EntryStatus::Done,
            };
            s.finish(i, how);
        }
        s.start();
        assert!(s.created(4) && !s.created(5));
        let order: Vec<DumpId> = drive(&mut s, &entries, 2).iter().map(|x| x.0).collect();
        assert!(
            !order.contains(&6),
            "data of the failed table restored: {order:?}"
        );
        // Its dependents are released all the same.
        assert!(order.contains(&11));
    }

    #[test]
    fn unmet_dependencies_are_left_over_for_the_leader() {
        let mut entries = archive();
        // Two post-data entries waiting on each other.
        entries.push(entry(12, "TRIGGER", Section::PostData, &[13]));
        entries.push(entry(13, "TRIGGER", Section::PostData, &[12]));
        let (mut s, _) = plan(&entries);
        drive(&mut s, &entries, 2);
        assert_eq!(s.leftovers(), [11, 12]);
    }
}

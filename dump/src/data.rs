//! Table data and large objects read live from the server inside the dump's snapshot, and
//! written into an archive's data members or streamed into a plain script.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio_postgres::types::Type;
use tusk_connect::Session;
use tusk_format::archive::{BlobsWrite, ConcurrentWrite};
use tusk_format::custom::DataSink;
use tusk_format::pieces::Piece;
use tusk_format::script::{DataSource, ScriptError};
use tusk_format::{Encoding, Toc, TocEntry};

use crate::catalog::Catalog;
use crate::ddl;
use crate::error::DumpError;
use crate::inserts::{InsertJob, InsertOptions};
use crate::objects::{ObjectGraph, Subject};

/// How table data is read and written, the same for every output and every worker.
#[derive(Debug, Clone)]
pub struct DataOptions {
    /// `--inserts` and its kin; `None` dumps COPY data.
    pub inserts: Option<InsertOptions>,
    pub load_via_partition_root: bool,
    /// The dump's standard_conforming_strings, for string literals in INSERTs.
    pub std_strings: bool,
    /// The dump's client encoding, which COPY and INSERTs write the rows in.
    pub encoding: Encoding,
    /// `--max-rate`: the bucket every session's COPY bytes are charged to.
    pub max_rate: Option<std::sync::Arc<tusk_connect::rate::RateLimit>>,
    /// `--progress`: what every session counts its tables, bytes and rows into.
    pub progress: tusk_progress::Progress,
}

/// Tables of at least this many pages are split between workers (unless
/// `TUSK_SPLIT_MIN_PAGES` says otherwise, which tests use to split small tables).
const SPLIT_MIN_PAGES: u64 = 2 * 16384;

/// The first server with TID range scans, which read a piece's blocks without the rest.
const SPLIT_MIN_SERVER: u32 = 140000;

/// What one session does at a time: a whole member, or one piece of a split table's.
#[derive(Debug, Clone, Copy)]
enum Job<'t> {
    Member(&'t TocEntry),
    Piece(&'t TocEntry, Piece, Blocks),
}

/// The heap blocks a piece reads: from `from` up to `to`, or to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Blocks {
    from: u64,
    to: Option<u64>,
}

impl Blocks {
    fn condition(self) -> String {
        match self.to {
            Some(to) => format!("ctid >= '({},0)' AND ctid < '({to},0)'", self.from),
            None => format!("ctid >= '({},0)'", self.from),
        }
    }
}

/// Writes every data member of `toc` with live table data, one thread per session, then
/// completes the archive. One session (the leader's) dumps in TOC order, as pg_dump does
/// without `-j`; several are workers in the exported snapshot, which take the largest jobs
/// first (WriteDataChunks) and lock each table NOWAIT before reading it. A big table is split
/// into pieces of its blocks, read by several workers and put together by the writer, when
/// the writer takes pieces. The first failure stops every worker at its next job and is
/// returned.
pub fn write_members<W: ConcurrentWrite>(
    writer: W,
    toc: &Toc,
    sessions: &[&Session],
    cat: &Catalog,
    graph: &ObjectGraph,
    opts: DataOptions,
) -> Result<(), DumpError> {
    let parallel = sessions.len() > 1;
    let splitting = parallel
        && writer.takes_pieces()
        && opts.inserts.is_none()
        && sessions[0]
            .connection()
            .server_version_num()
            .is_some_and(|v| v >= SPLIT_MIN_SERVER);
    let min_pages = std::env::var("TUSK_SPLIT_MIN_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SPLIT_MIN_PAGES);
    let mut jobs: Vec<(Job, u64)> = Vec::new();
    for te in toc.entries.iter().filter(|e| e.had_dumper) {
        let size = data_length(te, cat, graph);
        let (blocks, ranges) = match splittable(te, cat) {
            Some(rel) if splitting && size >= min_pages => {
                let blocks = heap_blocks(sessions[0], rel)?;
                (blocks, piece_ranges(blocks, sessions.len(), min_pages))
            }
            _ => (0, Vec::new()),
        };
        if ranges.is_empty() {
            jobs.push((Job::Member(te), size));
            continue;
        }
        let count = ranges.len();
        for (index, range) in ranges.into_iter().enumerate() {
            let pages = range.to.unwrap_or(blocks).saturating_sub(range.from);
            jobs.push((Job::Piece(te, Piece { index, count }, range), pages));
        }
    }
    if parallel {
        jobs.sort_by(|a, b| b.1.cmp(&a.1).then(job_id(&a.0).cmp(&job_id(&b.0))));
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let failure: Mutex<Option<DumpError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for (id, session) in sessions.iter().enumerate() {
            let (jobs, next, failed, failure, writer) = (&jobs, &next, &failed, &failure, &writer);
            let opts = opts.clone();
            scope.spawn(move || {
                let mut data = LiveData::new(session, cat, graph, opts, id);
                while !failed.load(Ordering::Relaxed) {
                    let Some(&(job, size)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    if let Err(e) = data.write_job(writer, job, size, parallel) {
                        // The first failure is the one to report; later ones are its echoes.
                        if !failed.swap(true, Ordering::Relaxed) {
                            *failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                        }
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(e);
    }
    Ok(writer.finish()?)
}

/// Ties between equal sizes go in dump id order, and a table's pieces in piece order.
fn job_id(job: &Job) -> (i32, usize) {
    match job {
        Job::Member(te) => (te.dump_id, 0),
        Job::Piece(te, piece, _) => (te.dump_id, piece.index),
    }
}

/// The table of an entry whose rows may be read in pieces: an ordinary table's data, not an
/// extension's configuration table (whose condition and order stay as pg_dump reads them).
fn splittable<'c>(te: &TocEntry, cat: &'c Catalog) -> Option<&'c crate::catalog::Relation> {
    let rel = cat.relation(te.catalog_id.oid)?;
    (te.desc == "TABLE DATA" && rel.relkind == b'r' && !cat.extension_data.contains_key(&rel.oid))
        .then_some(rel)
}

/// The table's heap blocks now: relpages is only the last VACUUM's or ANALYZE's estimate. The
/// dump's lock keeps the heap from being truncated, and rows added since are not in the
/// snapshot; the last piece reads to the end anyway.
fn heap_blocks(session: &Session, rel: &crate::catalog::Relation) -> Result<u64, DumpError> {
    let sql = format!(
        "SELECT pg_catalog.pg_relation_size('{}'::pg_catalog.oid::pg_catalog.regclass) / \
         pg_catalog.current_setting('block_size')::pg_catalog.int8",
        rel.oid
    );
    let action = format!("sizing table \"{}\"", rel.name);
    let rows = session.query(&sql).map_err(DumpError::query(&action))?;
    let blocks: i64 = rows.first().and_then(|r| r.try_get(0).ok()).unwrap_or(0);
    Ok(u64::try_from(blocks).unwrap_or(0))
}

/// The block ranges a table of `blocks` is read in by `workers` sessions: about one piece per
/// worker, none smaller than half of `min_pages` (the last takes the rest); empty when the
/// table stays whole.
fn piece_ranges(blocks: u64, workers: usize, min_pages: u64) -> Vec<Blocks> {
    let size = (blocks / workers as u64).max(min_pages / 2).max(1);
    let count = blocks / size;
    if count < 2 {
        return Vec::new();
    }
    (0..count)
        .map(|i| Blocks {
            from: i * size,
            to: (i + 1 < count).then_some((i + 1) * size),
        })
        .collect()
}

/// pg_dump's `dataLength`: a table's pages with its TOAST table's, 8 kB per large object for
/// a BLOBS entry (the units differ upstream too).
fn data_length(te: &TocEntry, cat: &Catalog, graph: &ObjectGraph) -> u64 {
    match graph.get(te.dump_id).map(|o| o.subject) {
        Some(Subject::LargeObjects(a, b)) => (b.saturating_sub(a) as u64) * 8192,
        _ => cat.relation(te.catalog_id.oid).map_or(0, |r| r.pages),
    }
}

/// What `--progress` expects of the dump's data: the entries with data, and the bytes (heap
/// and TOAST pages) and rows (`reltuples`, where known) of their tables.
pub fn start_progress(progress: &tusk_progress::Progress, toc: &Toc, cat: &Catalog) {
    let (mut items, mut bytes, mut rows) = (0, 0, None::<u64>);
    for te in toc.entries.iter().filter(|e| e.had_dumper) {
        let (b, r) = estimate(te, cat);
        items += 1;
        bytes += b;
        if let Some(r) = r {
            rows = Some(rows.unwrap_or(0) + r);
        }
    }
    progress.start(items, bytes, rows);
}

/// A data entry's expected COPY bytes and rows; large objects are not sized.
pub(crate) fn estimate(te: &TocEntry, cat: &Catalog) -> (u64, Option<u64>) {
    match cat.relation(te.catalog_id.oid) {
        Some(rel) if te.desc == "TABLE DATA" => (rel.pages * PAGE_SIZE, rel.tuples),
        _ => (0, None),
    }
}

/// The server's block size, which relpages counts in (pg_dump assumes it too).
const PAGE_SIZE: u64 = 8192;

/// How progress names an entry's table: qualified, as it is in the archive.
fn progress_name(te: &TocEntry) -> String {
    match &te.namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}.{}", te.tag),
        _ => te.tag.clone(),
    }
}

/// Table data read live from the server inside the dump's snapshot.
pub struct LiveData<'a> {
    session: &'a Session,
    cat: &'a Catalog,
    graph: &'a ObjectGraph,
    opts: DataOptions,
    /// This session's line of `--progress`.
    progress: tusk_progress::Worker,
}

/// Large-object contents into an archive's BLOBS member.
struct BlobsOut<'a>(&'a mut dyn BlobsWrite);

impl DataSink for BlobsOut<'_> {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }
    fn start_lo(&mut self, oid: u32) -> std::io::Result<()> {
        self.0.start_lo(oid).map_err(std::io::Error::other)
    }
    fn end_lo(&mut self) -> std::io::Result<()> {
        self.0.end_lo().map_err(std::io::Error::other)
    }
}

impl<'a> LiveData<'a> {
    pub fn new(
        session: &'a Session,
        cat: &'a Catalog,
        graph: &'a ObjectGraph,
        opts: DataOptions,
        worker: usize,
    ) -> Self {
        let progress = opts.progress.worker(worker);
        LiveData {
            session,
            cat,
            graph,
            opts,
            progress,
        }
    }

    /// One job of `size` pages (a piece's) and its progress; a worker (`lock`) first locks
    /// the table as pg_dump's workers do.
    fn write_job<W: ConcurrentWrite>(
        &mut self,
        writer: &W,
        job: Job,
        size: u64,
        lock: bool,
    ) -> Result<(), DumpError> {
        let (te, est, pieces) = match job {
            Job::Member(te) => (te, estimate(te, self.cat).0, 1),
            Job::Piece(te, piece, _) => (te, size * PAGE_SIZE, piece.count),
        };
        self.progress.begin(&progress_name(te), est);
        self.write_job_data(writer, job, lock)?;
        self.progress.done(pieces);
        Ok(())
    }

    fn write_job_data<W: ConcurrentWrite>(
        &mut self,
        writer: &W,
        job: Job,
        lock: bool,
    ) -> Result<(), DumpError> {
        let te = match job {
            Job::Member(te) | Job::Piece(te, ..) => te,
        };
        if te.desc == "BLOBS" {
            return writer.write_blobs(te.dump_id, |member| {
                self.large_objects(te, &mut BlobsOut(member))
            });
        }
        if lock {
            let rel = self.table(te)?;
            crate::snapshot::lock_for_worker(self.session, rel)?;
        }
        match job {
            Job::Member(te) => writer.write_data(te.dump_id, |member| {
                self.table_rows(te, &mut |chunk| member.write_all(chunk))
            }),
            Job::Piece(te, piece, blocks) => writer.write_piece(te.dump_id, piece, |member| {
                let rel = self.table(te)?;
                let sql = ddl::copy_range_query(rel, &blocks.condition(), self.opts.encoding);
                self.copy_rows(rel, &sql, piece.is_last(), &mut |chunk| {
                    member.write_all(chunk)
                })
            }),
        }
    }

    fn table(&self, te: &TocEntry) -> Result<&'a crate::catalog::Relation, DumpError> {
        self.cat
            .relation(te.catalog_id.oid)
            .ok_or_else(|| DumpError::Unsupported(format!("no table for TOC entry {}", te.dump_id)))
    }

    /// Streams one table's rows as COPY data or as INSERT statements. A foreign table is read
    /// through a SELECT, which the session's restriction on foreign tables is lifted for
    /// (dumpTableData_copy, dumpTableData_insert).
    fn table_rows(
        &mut self,
        te: &TocEntry,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), DumpError> {
        let rel = self.table(te)?;
        let condition = self
            .cat
            .extension_data
            .get(&rel.oid)
            .map(String::as_str)
            .filter(|c| !c.is_empty());
        let foreign = rel.relkind == b'f';
        let action = format!("dumping the contents of table \"{}\"", rel.name);
        if foreign {
            self.restrict_relation_kind("view", &action)?;
        }
        match self.opts.inserts {
            // INSERT text counts as the bytes read, and the rows as each FETCH reads them.
            Some(opts) => InsertJob {
                table: rel,
                target: self.cat.load_target(rel, self.opts.load_via_partition_root),
                condition,
                opts,
                std_strings: self.opts.std_strings,
                encoding: self.opts.encoding,
            }
            .run(
                self.session,
                &mut |rows| self.progress.add(0, rows),
                &mut |chunk| {
                    self.read(chunk.len());
                    out(chunk)
                },
            )?,
            None => {
                let sql =
                    ddl::copy_query(rel, condition.or(foreign.then_some("")), self.opts.encoding);
                self.copy_rows(rel, &sql, true, out)?;
            }
        }
        if foreign {
            self.restrict_relation_kind("view, foreign-table", &action)?;
        }
        Ok(())
    }

    /// Streams what the COPY `sql` reads from `rel`; `terminate`: then the terminator pg_dump
    /// appends to COPY data (a split table's last piece only).
    fn copy_rows(
        &self,
        rel: &crate::catalog::Relation,
        sql: &str,
        terminate: bool,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), DumpError> {
        let action = format!("dumping the contents of table \"{}\"", rel.name);
        let mut rows = tusk_progress::RowCounter::default();
        self.session
            .copy_out(sql, |chunk| {
                self.throttle(chunk.len());
                if self.progress.is_on() {
                    let counted = rows.feed(chunk);
                    self.progress.add(counted.bytes, counted.rows);
                }
                out(chunk)
            })
            .map_err(DumpError::query(&action))?
            .map_err(DumpError::Write)?;
        if terminate {
            out(b"\\.\n\n\n").map_err(DumpError::Write)?;
        }
        Ok(())
    }

    /// `--max-rate`: waits until `bytes` more may be read from the server.
    fn throttle(&self, bytes: usize) {
        if let Some(limit) = &self.opts.max_rate {
            limit.throttle(bytes);
        }
    }

    /// `bytes` read that are not COPY text (INSERT statements, large objects): throttled
    /// and counted as bytes, with no rows.
    fn read(&self, bytes: usize) {
        self.throttle(bytes);
        self.progress.add(bytes as u64, 0);
    }

    fn restrict_relation_kind(&self, value: &str, action: &str) -> Result<(), DumpError> {
        self.session
            .execute(&crate::snapshot::restrict_relation_kind(value))
            .map_err(DumpError::query(action))
    }
}

impl LiveData<'_> {
    /// Streams the large objects of a BLOBS entry inside the dump's snapshot, handed on in
    /// 16 kB pieces as pg_dump's `lo_read` with LOBBUFSIZE hands them on, so an archive's
    /// chunks are the same. pg_dump needs an lo_open, an lo_read per piece and an lo_close for
    /// each object; tusk reads the first 64 kB of a hundred objects in one query (`lo_get`),
    /// and the rest of a bigger one a megabyte at a time, so memory stays bounded.
    fn large_objects(&mut self, te: &TocEntry, out: &mut dyn DataSink) -> Result<(), DumpError> {
        const BATCH: usize = 100;
        const FIRST: i32 = 64 * 1024;
        const REST: i32 = 1 << 20;
        let Some(Subject::LargeObjects(a, b)) = self.graph.get(te.dump_id).map(|o| o.subject)
        else {
            return Err(DumpError::Unsupported(format!(
                "no large objects for TOC entry {}",
                te.dump_id
            )));
        };
        let mut oids: Vec<u32> = self
            .cat
            .large_objects
            .get(a..b)
            .unwrap_or_default()
            .iter()
            .map(|l| l.oid)
            .collect();
        oids.sort_unstable();
        for batch in oids.chunks(BATCH) {
            let action = format!(
                "reading large objects {}..{}",
                batch[0],
                batch[batch.len() - 1]
            );
            let heads = self.read_large_objects(
                "SELECT pg_catalog.lo_get(o, 0, $2) FROM pg_catalog.unnest($1::pg_catalog.oid[]) \
                 WITH ORDINALITY AS u(o, n) ORDER BY n",
                &[(&batch, Type::OID_ARRAY), (&FIRST, Type::INT4)],
                &action,
            )?;
            if heads.len() != batch.len() {
                return Err(DumpError::Catalog(format!(
                    "{action}: {} results for {} objects",
                    heads.len(),
                    batch.len()
                )));
            }
            for (&oid, head) in batch.iter().zip(heads) {
                out.start_lo(oid).map_err(DumpError::Write)?;
                let mut chunk = head;
                let mut offset = i64::from(FIRST);
                let mut size = FIRST;
                loop {
                    self.read(chunk.len());
                    for piece in chunk.chunks(16 * 1024) {
                        out.data(piece).map_err(DumpError::Write)?;
                    }
                    if chunk.len() < size as usize {
                        break;
                    }
                    size = REST;
                    chunk = self
                        .read_large_objects(
                            "SELECT pg_catalog.lo_get($1, $2, $3)",
                            &[
                                (&oid, Type::OID),
                                (&offset, Type::INT8),
                                (&size, Type::INT4),
                            ],
                            &format!("reading large object {oid}"),
                        )?
                        .pop()
                        .unwrap_or_default();
                    offset += i64::from(REST);
                }
                out.end_lo().map_err(DumpError::Write)?;
            }
        }
        Ok(())
    }

    /// One `lo_get` query's results, in one round trip (no separate prepare).
    fn read_large_objects(
        &self,
        sql: &str,
        params: &[(&(dyn tokio_postgres::types::ToSql + Sync), Type)],
        action: &str,
    ) -> Result<Vec<Vec<u8>>, DumpError> {
        let rows = self
            .session
            .run(self.session.client().query_typed(sql, params))
            .map_err(DumpError::query(action))?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(DumpError::query(action)))
            .collect()
    }
}

impl DataSource for LiveData<'_> {
    fn stream(&mut self, entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError> {
        self.progress
            .begin(&progress_name(entry), estimate(entry, self.cat).0);
        let result = if entry.desc == "BLOBS" {
            self.large_objects(entry, out)
        } else {
            self.table_rows(entry, &mut |chunk| out.data(chunk))
        };
        result.map_err(|e| ScriptError::Other(e.to_string()))?;
        self.progress.done(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_cut_into_about_one_piece_per_worker() {
        let ranges = piece_ranges(100, 3, 10);
        assert_eq!(ranges.len(), 3);
        assert_eq!(
            ranges[0],
            Blocks {
                from: 0,
                to: Some(33)
            }
        );
        assert_eq!(ranges[2], Blocks { from: 66, to: None });
    }

    #[test]
    fn pieces_are_never_smaller_than_half_the_threshold() {
        assert_eq!(piece_ranges(100, 8, 100).len(), 2);
        assert!(piece_ranges(40, 8, 100).is_empty());
        assert!(piece_ranges(0, 8, 100).is_empty());
    }
}

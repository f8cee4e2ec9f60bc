//! The catalog's details, read once the tables are locked. In a big catalog the longest query
//! is the one that reads the index definitions (`pg_get_indexdef`, some 50 µs of server time
//! an index). For a catalog of [`HELPER_MIN_TABLES`] tables or more, the index query is cut
//! into [`INDEX_CHUNKS`] ranges of tables: a helper session in the leader's snapshot starts on
//! them at once, the leader reads everything else and then takes the ranges still left, so
//! both sessions keep the server busy until the last range is read. pg_dump reads it all on
//! one session, one query after the other.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tusk_connect::{ConnectOptions, Session};

use crate::catalog::{self, Catalog, Index};
use crate::cli::Options;
use crate::error::DumpError;
use crate::snapshot;

/// The number of tables whose indexes are worth a second connection: below it the index query
/// takes about as long as connecting does.
pub const HELPER_MIN_TABLES: usize = 1000;

/// The ranges a big catalog's index query is cut into: enough for the two sessions to finish
/// close together, few enough that each query's own cost does not count.
const INDEX_CHUNKS: usize = 16;

/// What the details are read with.
pub struct Reader<'a> {
    pub session: &'a Session,
    pub conn_opts: &'a ConnectOptions,
    pub opts: &'a Options,
    pub server_version: i32,
    /// The snapshot the workers share, if one was exported or given.
    pub snapshot_id: Option<&'a str>,
}

/// The index query's ranges of tables, handed out in order to whichever session is free.
struct Chunks<'a> {
    ranges: Vec<&'a [u32]>,
    next: AtomicUsize,
    done: Mutex<Vec<(usize, Vec<Index>)>>,
}

impl Chunks<'_> {
    /// Reads ranges on `session` until none is left.
    fn drain(&self, session: &Session, server_version: i32) -> Result<(), DumpError> {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(tables) = self.ranges.get(i) else {
                return Ok(());
            };
            let indexes = session.run(catalog::load_indexes(
                session.client(),
                server_version,
                tables,
            ))?;
            self.done
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((i, indexes));
        }
    }

    /// The indexes of every range, in table order (each range's query orders its own).
    fn into_indexes(self) -> Vec<Index> {
        let mut done = self.done.into_inner().unwrap_or_else(|e| e.into_inner());
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().flat_map(|(_, indexes)| indexes).collect()
    }
}

impl Reader<'_> {
    /// Reads the details of `cat`'s relations, indexes included ([`catalog::load_details`]).
    pub fn read(&self, cat: &mut Catalog) -> Result<(), DumpError> {
        let (session, version) = (self.session, self.server_version);
        session.run(catalog::load_inheritance(session.client(), cat))?;
        let tables = catalog::index_tables(cat);
        let snapshot_id = match self.snapshot_id {
            _ if tables.len() < HELPER_MIN_TABLES => None,
            Some(id) => Some(id.to_owned()),
            None => Some(snapshot::export(session)?),
        };
        let chunk = match snapshot_id {
            Some(_) => tables.len().div_ceil(INDEX_CHUNKS),
            None => tables.len(),
        };
        let chunks = Chunks {
            ranges: tables.chunks(chunk.max(1)).collect(),
            next: AtomicUsize::new(0),
            done: Mutex::new(Vec::new()),
        };
        let params = &session.connection().params;
        std::thread::scope(|scope| -> Result<(), DumpError> {
            let helper = snapshot_id.map(|id| {
                let chunks = &chunks;
                scope.spawn(move || {
                    // A helper that cannot connect (no free connection slot, say) leaves the
                    // indexes to the leader: the dump needs no more than pg_dump's one session.
                    match snapshot::connect_worker(params, self.conn_opts, self.opts, version, &id)
                    {
                        Ok(helper) => chunks.drain(&helper, version),
                        Err(_) => Ok(()),
                    }
                })
            });
            session.run(catalog::load_details(session.client(), version, cat))?;
            chunks.drain(session, version)?;
            match helper.map(|h| h.join()) {
                Some(Ok(result)) => result,
                Some(Err(_)) => Err(DumpError::Catalog(
                    "the session reading indexes stopped unexpectedly".into(),
                )),
                None => Ok(()),
            }
        })?;
        cat.indexes = chunks.into_indexes();
        Ok(())
    }
}

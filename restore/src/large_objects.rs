//! Large objects' bytes written into a database as pg_restore writes them, with its messages,
//! but many objects to a round trip: each object's pieces are `lo_put` calls with the bytes
//! as a binary parameter, queued and sent as one pipeline. pg_restore makes three fastpath
//! round trips per object (open, write, close); a script's hex literals cost the server a
//! parse of twice the bytes.

use futures_util::future::join_all;
use tokio_postgres::Statement;
use tokio_postgres::types::Type;
use tusk_connect::{Session, describe_db_error};

/// The most bytes one `lo_put` carries; bigger objects take several.
const PIECE: usize = 256 * 1024;
/// A queue is sent once it holds this many bytes or calls, so memory stays bounded.
const QUEUE_BYTES: usize = 1024 * 1024;
const QUEUE_CALLS: usize = 512;

enum Call {
    /// `lo_create(oid)`: archives before 1.12 create objects in the data pass.
    Create(u32),
    /// `lo_put(oid, offset, bytes)`; the first of an object stands for pg_restore's open.
    Put {
        oid: u32,
        offset: i64,
        bytes: Vec<u8>,
    },
}

/// What a queued call's failure means, in pg_restore's terms.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// `pg_fatal`: the restore stops.
    Fatal(String),
    /// `warn_or_exit_horribly`: counted, and the restore goes on.
    Error(String),
}

#[derive(Default)]
pub struct Pipeline {
    statements: Option<(Statement, Statement)>,
    /// The object being given: its OID, the bytes not yet queued, the offset they start at.
    current: Option<(u32, Vec<u8>, i64)>,
    queue: Vec<Call>,
    queued_bytes: usize,
}

impl Pipeline {
    /// A new session (after `-C`) has none of the old one's prepared statements.
    pub fn forget_statements(&mut self) {
        self.statements = None;
    }

    pub fn start(&mut self, oid: u32, create: bool) {
        if create {
            self.queue.push(Call::Create(oid));
        }
        self.current = Some((oid, Vec::new(), 0));
    }

    pub fn write(&mut self, mut bytes: &[u8]) {
        while let Some((_, held, _)) = self.current.as_mut()
            && !bytes.is_empty()
        {
            let take = (PIECE - held.len()).min(bytes.len());
            held.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if held.len() == PIECE {
                self.put();
            }
        }
    }

    /// Queues the object's last piece; an empty object still gets one call, which opens it
    /// (and so fails if it is missing) as pg_restore's `lo_open` does.
    pub fn end(&mut self) {
        if self
            .current
            .as_ref()
            .is_some_and(|(_, held, offset)| !held.is_empty() || *offset == 0)
        {
            self.put();
        }
        self.current = None;
    }

    /// Whether the queue is to be sent now (within an object too, so that one big object is
    /// never held whole).
    pub fn due(&self) -> bool {
        self.queued_bytes >= QUEUE_BYTES || self.queue.len() >= QUEUE_CALLS
    }

    fn put(&mut self) {
        let Some((oid, held, offset)) = self.current.as_mut() else {
            return;
        };
        let bytes = std::mem::take(held);
        let len = bytes.len();
        self.queue.push(Call::Put {
            oid: *oid,
            offset: *offset,
            bytes,
        });
        *offset += i64::try_from(len).unwrap_or(i64::MAX);
        self.queued_bytes += len;
    }

    /// Sends the queue as one pipeline; the failures in the order pg_restore would meet
    /// them. Calls after a failure fail too (the transaction is aborted), as pg_restore's
    /// next calls would.
    pub fn send(&mut self, session: &Session) -> Vec<Failure> {
        let queue = std::mem::take(&mut self.queue);
        self.queued_bytes = 0;
        if queue.is_empty() {
            return Vec::new();
        }
        let (put, create) = match self.prepared(session) {
            Ok(s) => s,
            Err(e) => return vec![Failure::Fatal(e)],
        };
        let client = session.client();
        let results = session.run(join_all(queue.iter().map(|call| async {
            match call {
                Call::Create(oid) => client
                    .query_one(&create, &[oid])
                    .await
                    .map(|row| row.try_get::<_, u32>(0).ok() == Some(*oid)),
                Call::Put { oid, offset, bytes } => client
                    .execute(&put, &[oid, offset, bytes])
                    .await
                    .map(|_| true),
            }
        })));
        queue
            .iter()
            .zip(results)
            .filter_map(|(call, result)| {
                let message = match result {
                    Ok(true) => return None,
                    Ok(false) => String::new(),
                    Err(e) => describe_db_error(&e),
                };
                Some(match call {
                    Call::Create(oid) => {
                        Failure::Fatal(format!("could not create large object {oid}: {message}"))
                    }
                    Call::Put { oid, offset: 0, .. } => {
                        Failure::Fatal(format!("could not open large object {oid}: {message}"))
                    }
                    Call::Put { .. } => {
                        Failure::Error(format!("could not write to large object: {message}"))
                    }
                })
            })
            .collect()
    }

    fn prepared(&mut self, session: &Session) -> Result<(Statement, Statement), String> {
        if let Some(s) = &self.statements {
            return Ok(s.clone());
        }
        let client = session.client();
        let prepared = session.run(async {
            let put = client
                .prepare_typed(
                    "SELECT pg_catalog.lo_put($1, $2, $3)",
                    &[Type::OID, Type::INT8, Type::BYTEA],
                )
                .await?;
            let create = client
                .prepare_typed("SELECT pg_catalog.lo_create($1)", &[Type::OID])
                .await?;
            Ok::<_, tokio_postgres::Error>((put, create))
        });
        let prepared = prepared.map_err(|e| {
            format!(
                "could not prepare large object writes: {}",
                describe_db_error(&e)
            )
        })?;
        self.statements = Some(prepared.clone());
        Ok(prepared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_object_is_sent_in_bounded_queues() {
        let mut p = Pipeline::default();
        p.start(16500, false);
        let mut most = 0;
        for _ in 0..64 {
            p.write(&[7; 100_000]);
            most = most.max(p.queued_bytes);
            if p.due() {
                // What `send` does to the queue, without a server.
                p.queue.clear();
                p.queued_bytes = 0;
            }
        }
        assert!(most <= QUEUE_BYTES + PIECE, "{most}");
        p.end();
        let Some(Call::Put { offset, bytes, .. }) = p.queue.last() else {
            panic!("no last piece");
        };
        assert_eq!(*offset as usize + bytes.len(), 6_400_000);
    }

    #[test]
    fn an_empty_object_still_opens() {
        let mut p = Pipeline::default();
        p.start(16501, true);
        p.end();
        assert!(
            matches!(p.queue[..], [Call::Create(16501), Call::Put { offset: 0, ref bytes, .. }] if bytes.is_empty())
        );
    }
}

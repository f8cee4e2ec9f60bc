//! A blocking face over one async connection: the dump and restore engines are synchronous
//! pipelines (archive codecs, the script emitter) that call into the server, so each call
//! blocks on the runtime that drives the connection.
//!
//! Each session has a single-threaded runtime of its own, and its connection's task runs only
//! inside the session's calls, on the caller's thread. With one shared multi-threaded runtime
//! every batch of COPY messages woke the caller from another thread: 240,000 context
//! switches in a 770 MB dump, and a quarter of its CPU time.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt, pin_mut};
use tokio::runtime::Runtime;
use tokio_postgres::{Client, CopyInSink, Row};

use crate::{ConnParams, ConnectError, ConnectOptions};

/// How long a closing session waits for its connection to say goodbye (Terminate).
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// One server connection plus the runtime that drives it.
pub struct Session {
    rt: Arc<Runtime>,
    /// Taken only by `drop`, which ends the connection before the runtime goes.
    conn: Option<crate::Connection>,
}

impl Session {
    /// Connects with libpq's rules (see [`crate::connect`]).
    pub fn connect(params: &ConnParams, opts: &ConnectOptions) -> Result<Session, ConnectError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let conn = rt.block_on(crate::connect(params, opts))?;
        crate::interrupt::register(conn.cancel_token());
        Ok(Session {
            rt: Arc::new(rt),
            conn: Some(conn),
        })
    }

    fn conn(&self) -> &crate::Connection {
        self.conn
            .as_ref()
            .expect("a session keeps its connection until it is dropped")
    }

    pub fn client(&self) -> &Client {
        &self.conn().client
    }

    pub fn connection(&self) -> &crate::Connection {
        self.conn()
    }

    /// Runs an async operation to completion.
    pub fn run<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// Runs SQL (possibly several statements) with the simple query protocol.
    pub fn execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.run(self.conn().client.batch_execute(sql))
    }

    pub fn query(&self, sql: &str) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.run(self.conn().client.query(sql, &[]))
    }

    /// The value of a server parameter reported at startup or by SHOW.
    pub fn show(&self, name: &str) -> Result<String, tokio_postgres::Error> {
        let rows = self.run(self.conn().client.simple_query(&format!("SHOW {name}")))?;
        Ok(rows
            .iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                _ => None,
            })
            .unwrap_or_default())
    }

    /// Runs `COPY ... TO STDOUT` and hands each chunk the server sends to `f`.
    pub fn copy_out<E>(
        &self,
        sql: &str,
        mut f: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, tokio_postgres::Error> {
        self.run(async {
            let stream = self.conn().client.copy_out(sql).await?;
            pin_mut!(stream);
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                if let Err(e) = f(&chunk) {
                    return Ok(Err(e));
                }
            }
            Ok(Ok(()))
        })
    }

    /// Starts `COPY ... FROM STDIN`; feed it with [`CopyIn::send`] and end with [`CopyIn::finish`].
    pub fn copy_in(&self, sql: &str) -> Result<CopyIn, tokio_postgres::Error> {
        let sink = self.run(self.conn().client.copy_in::<_, Bytes>(sql))?;
        Ok(CopyIn {
            rt: Arc::clone(&self.rt),
            sink: Box::pin(sink),
        })
    }
}

/// The connection's task sends Terminate once its client is gone, but only while someone
/// runs it: without this wait the server would see the socket close mid-transaction and log
/// "unexpected EOF on client connection".
impl Drop for Session {
    fn drop(&mut self) {
        if let Some(crate::Connection { client, task, .. }) = self.conn.take() {
            drop(client);
            // The timer must be made inside the runtime.
            let _ = self
                .rt
                .block_on(async { tokio::time::timeout(CLOSE_WAIT, task).await });
        }
    }
}

/// A COPY FROM STDIN in progress. It holds the runtime, not the session, so a caller can keep
/// it beside the session it came from.
pub struct CopyIn {
    rt: Arc<Runtime>,
    sink: std::pin::Pin<Box<CopyInSink<Bytes>>>,
}

impl CopyIn {
    pub fn send(&mut self, data: &[u8]) -> Result<(), tokio_postgres::Error> {
        let bytes = Bytes::copy_from_slice(data);
        self.rt.block_on(self.sink.send(bytes))
    }

    /// Ends the COPY; returns the number of rows the server reports.
    pub fn finish(mut self) -> Result<u64, tokio_postgres::Error> {
        self.rt.block_on(self.sink.as_mut().finish())
    }
}

/// Text conversions by the server's own tables (`convert_to`, `convert_from`): a session always
/// speaks UTF-8 to tokio-postgres, while archives hold their text in pg_dump's client
/// encoding, and only the server converts exactly as it would for a client in that encoding,
/// refusals of unconvertible characters included.
impl Session {
    /// UTF-8 texts as bytes in `encoding` (a name the server knows), in one round trip.
    pub fn encode_texts(
        &self,
        texts: &[&str],
        encoding: &str,
    ) -> Result<Vec<Vec<u8>>, tokio_postgres::Error> {
        let rows = self.run(self.conn().client.query(
            "SELECT pg_catalog.convert_to(t, $2) FROM pg_catalog.unnest($1::pg_catalog.text[]) \
             WITH ORDINALITY AS u(t, n) ORDER BY n",
            &[&texts, &encoding],
        ))?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }

    /// Bytes in `encoding` as UTF-8 texts, in one round trip.
    pub fn decode_texts(
        &self,
        bytes: &[&[u8]],
        encoding: &str,
    ) -> Result<Vec<String>, tokio_postgres::Error> {
        let rows = self.run(self.conn().client.query(
            "SELECT pg_catalog.convert_from(b, $2) FROM pg_catalog.unnest($1::pg_catalog.bytea[]) \
             WITH ORDINALITY AS u(b, n) ORDER BY n",
            &[&bytes, &encoding],
        ))?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }
}

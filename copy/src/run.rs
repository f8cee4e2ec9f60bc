//! One copy: the source read as tusk_dump reads it, into a TOC that is never written down,
//! then restored into the target as tusk_restore restores an archive, the rows of each table
//! streamed from a COPY TO on the source into a COPY FROM on the target.

use std::collections::HashMap;

use tusk_connect::{ConnectOptions, ProcessEnv, Session};
use tusk_dump::data::LiveData;
use tusk_dump::run::Source;
use tusk_format::TocEntry;
use tusk_format::custom::DataSink;
use tusk_format::script::{self, DataSource, ScriptError, ScriptOptions, Sink};
use tusk_format::select::required_components;
use tusk_restore::apply::{DbSink, SinkSettings, reconnector};
use tusk_restore::parallel::{self, Workers};
use tusk_restore::progress::RestoreProgress;

use crate::cli::CopyOptions;

const PROGRAM: &str = "tusk_copy";

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0}")]
    Source(#[from] tusk_dump::error::DumpError),
    #[error("{0}")]
    Connect(#[from] tusk_connect::ConnectError),
    #[error("{0}")]
    Script(#[from] ScriptError),
    #[error("{0}")]
    Target(String),
}

impl CopyError {
    /// A second line of detail, as tusk_dump prints it.
    pub fn detail(&self) -> Option<String> {
        match self {
            CopyError::Source(e) => e.detail(),
            _ => None,
        }
    }
}

/// Runs a copy. Errors the restore reports and skips go to `report`, warnings to `warn`;
/// returns how many were skipped (pg_restore's "errors ignored on restore").
pub fn run(
    opts: &CopyOptions,
    report: &mut dyn FnMut(&str),
    warn: &mut dyn FnMut(&str),
) -> Result<u64, CopyError> {
    tusk_format::quote::set_quote_all_identifiers(opts.dump.quote_all_identifiers);
    // The target's sessions count the progress; the source's count nothing, or each row
    // would count twice.
    let source_opts = tusk_dump::cli::Options {
        progress: Some(tusk_progress::Mode::Off),
        ..opts.dump.clone()
    };
    let source = Source::open(&source_opts, PROGRAM, warn)?;

    let mut target_conn: ConnectOptions = opts.dump.conn.clone();
    target_conn.dbname = Some(opts.target.clone());
    target_conn.application_name = Some(PROGRAM.to_owned());
    let params = tusk_connect::resolve(&target_conn, &ProcessEnv)?;
    let session = Session::connect(&params, &target_conn)?;
    if opts.dump.dump_schema && !opts.dump.clean {
        refuse_non_empty(&session, params.dbname())?;
    }

    let toc = &source.toc;
    let script_opts = ScriptOptions {
        restrict_key: None,
        no_data_for_failed_tables: opts.no_data_for_failed_tables,
        ..tusk_dump::run::script_options(&opts.dump)
    };
    let settings = SinkSettings::new(
        &session,
        source.encoding,
        toc.std_strings(),
        opts.exit_on_error,
    );
    let sizes = source.data_sizes();
    let by_id: HashMap<_, _> = toc
        .entries
        .iter()
        .zip(&sizes)
        .filter(|(_, size)| **size > 0)
        .map(|(te, size)| (te.dump_id, *size))
        .collect();
    let required = required_components(toc, &script_opts.selection, false);
    let progress = RestoreProgress::new(
        tusk_progress::Progress::new(tusk_progress::Mode::resolve(
            opts.dump.progress,
            opts.dump.verbose,
        )),
        toc,
        &required.reqs,
        by_id,
    );
    let report = &mut |message: &str| progress.suspend(|| report(message));

    let connect = reconnector(&session, &target_conn);
    let mut reconnect = connect.clone();
    let mut leader_data = SourceData {
        own: None,
        source: &source,
    };
    let errors = if opts.dump.jobs > 1 {
        // Each worker (and each split table's reader) reads from a source session of its own,
        // in the leader's snapshot.
        let open = || -> Result<Box<dyn DataSource + '_>, String> {
            let session = source.worker(&source_opts).map_err(|e| e.to_string())?;
            Ok(Box::new(SourceData {
                own: Some(session),
                source: &source,
            }))
        };
        let workers = Workers {
            jobs: opts.dump.jobs as usize,
            connect: &connect,
            open: &open,
            settings,
            progress: progress.clone(),
        };
        parallel::restore(
            toc,
            &script_opts,
            &sizes,
            session,
            &mut reconnect,
            report,
            &mut leader_data,
            &workers,
        )?
    } else {
        let mut sink = DbSink::new(session, &mut reconnect, settings, report);
        sink.set_progress(progress.worker(0));
        script::emit(toc, &script_opts, &mut leader_data, &mut sink)?;
        sink.errors()
    };
    progress.finish();
    source
        .session
        .execute("COMMIT")
        .map_err(tusk_dump::error::DumpError::query(
            "ending the source transaction",
        ))?;
    Ok(errors)
}

/// Chunks of rows at most this big go from the source's reader to the target's writer...
const BATCH: usize = 256 << 10;
/// ... and at most this many wait between them, so memory stays flat whatever the table.
const DEPTH: usize = 8;

/// Table rows and large objects read from the source: on the leader's session, or on a
/// worker's own (`own`), in the same snapshot.
struct SourceData<'s> {
    own: Option<Session>,
    source: &'s Source,
}

enum Piece {
    Data(Vec<u8>),
    StartLo(u32),
    EndLo,
}

impl DataSource for SourceData<'_> {
    /// The read runs on a thread of its own: each session's blocking calls drive the shared
    /// runtime, so a COPY TO's callback cannot itself wait on the target's COPY FROM.
    fn stream(&mut self, entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError> {
        let source = self.source;
        let session = self.own.as_ref().unwrap_or(&source.session);
        let (tx, rx) = std::sync::mpsc::sync_channel::<Piece>(DEPTH);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut sink = Batches {
                    tx,
                    buf: Vec::with_capacity(BATCH),
                };
                LiveData::new(
                    session,
                    &source.cat,
                    &source.graph,
                    source.data_opts.clone(),
                    0,
                )
                .stream(entry, &mut sink)?;
                sink.flush().map_err(ScriptError::Io)
            });
            let mut written = Ok(());
            // Ends when the reader does; a failed write drops the receiver, which stops it.
            for piece in rx {
                written = match piece {
                    Piece::Data(bytes) => out.data(&bytes),
                    Piece::StartLo(oid) => out.start_lo(oid),
                    Piece::EndLo => out.end_lo(),
                };
                if written.is_err() {
                    break;
                }
            }
            let read = reader
                .join()
                .unwrap_or_else(|_| Err(ScriptError::Other("the source's reader panicked".into())));
            written.map_err(ScriptError::Io)?;
            read
        })
    }
}

/// The reader's end of the pipe: rows gathered into [`BATCH`]-sized chunks.
struct Batches {
    tx: std::sync::mpsc::SyncSender<Piece>,
    buf: Vec<u8>,
}

impl Batches {
    fn send(&self, piece: Piece) -> std::io::Result<()> {
        self.tx
            .send(piece)
            .map_err(|_| std::io::Error::other("the target stopped reading"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH));
        self.send(Piece::Data(chunk))
    }
}

impl DataSink for Batches {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn start_lo(&mut self, oid: u32) -> std::io::Result<()> {
        self.flush()?;
        self.send(Piece::StartLo(oid))
    }

    fn end_lo(&mut self) -> std::io::Result<()> {
        self.flush()?;
        self.send(Piece::EndLo)
    }
}

/// Objects in a database that a copy would collide with or mix into: anything outside the
/// system schemas, schemas besides `public`, extensions besides plpgsql, large objects.
const USER_OBJECTS: &str = "\
SELECT (SELECT count(*) FROM pg_catalog.pg_class c \
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname !~ '^pg_(toast|temp_)') \
     + (SELECT count(*) FROM pg_catalog.pg_proc p \
          JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')) \
     + (SELECT count(*) FROM pg_catalog.pg_type t \
          JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname !~ '^pg_(toast|temp_)' AND t.typrelid = 0 AND t.typelem = 0) \
     + (SELECT count(*) FROM pg_catalog.pg_namespace \
         WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') \
           AND nspname !~ '^pg_(toast|temp_)') \
     + (SELECT count(*) FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql') \
     + (SELECT count(*) FROM pg_catalog.pg_largeobject_metadata)";

/// A copy goes into an empty database unless `--clean` asks to replace what is there.
fn refuse_non_empty(session: &Session, dbname: &str) -> Result<(), CopyError> {
    let rows = session
        .query(USER_OBJECTS)
        .map_err(|e| CopyError::Target(format!("could not inspect the target database: {e}")))?;
    let count: i64 = rows.first().and_then(|r| r.try_get(0).ok()).unwrap_or(0);
    if count > 0 {
        return Err(CopyError::Target(format!(
            "target database \"{dbname}\" is not empty ({count} objects); \
             use --clean to drop and replace the objects being copied"
        )));
    }
    Ok(())
}

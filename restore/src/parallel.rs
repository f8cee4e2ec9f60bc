//! `-j N` into a database, pg_restore's parallel mode: the leader restores the pre-data
//! section alone on its session, then N worker sessions (threads here, processes upstream)
//! take the data and post-data entries as the [`Schedule`] allows, largest first, never two
//! that lock the same table against each other, pass by pass; then the leader, connected
//! again, restores whatever could not be scheduled. Beyond pg_restore, a big table created in
//! this run has its rows loaded by several workers at once ([`Split`]).

use std::collections::HashMap;
use std::sync::{Arc, mpsc};

use tusk_connect::Session;
use tusk_format::Toc;
use tusk_format::script::{
    DataSource, EntryStatus, Restorer, ScriptError, ScriptOptions, Sink, Transaction,
};

use crate::apply::{DbSink, SinkSettings};
use crate::progress::RestoreProgress;
use crate::schedule::Schedule;
use crate::split::{self, Split};

/// What a worker needs besides the plan: its own session and its own reader of the archive.
pub struct Workers<'a> {
    pub jobs: usize,
    /// Opens a session into a database (the one the leader ended up in: after `-C`, the new
    /// one).
    pub connect: &'a (dyn Fn(&str) -> Result<Session, String> + Sync),
    /// Opens the data again (the archive, or for tusk_copy a session on the source): each
    /// worker reads its own entries' data.
    pub open: &'a Opener<'a>,
    pub settings: SinkSettings,
    pub progress: RestoreProgress,
}

/// Opens a data source of a worker's own.
pub type Opener<'a> = dyn Fn() -> Result<Box<dyn DataSource + 'a>, String> + Sync + 'a;

enum Job {
    /// One entry, with the leader's decision to TRUNCATE its table first.
    Entry { entry: usize, truncate: bool },
    /// A share of a split table's rows.
    Piece { entry: usize, split: Arc<Split> },
}

/// Messages from the workers to the leader, which alone prints and schedules.
enum Event {
    Report(String),
    Done {
        worker: usize,
        entry: usize,
        how: EntryStatus,
        errors: u64,
    },
    /// A worker's share of a split table is loaded and committed, or rolled back.
    PieceDone {
        worker: usize,
        entry: usize,
        committed: bool,
    },
    /// A worker could not go on (connecting failed, or an error under `--exit-on-error`).
    Failed(ScriptError),
}

/// Runs the restore, starting on the leader's `session` (`reconnect` follows `-C` into the new
/// database); every error reported and skipped goes to `report`, in the leader's thread.
/// Returns the error count pg_restore reports (see [`counted`]). `sizes` are the entries'
/// size guesses, in TOC order.
#[allow(clippy::too_many_arguments)]
pub fn restore(
    toc: &Toc,
    opts: &ScriptOptions,
    sizes: &[u64],
    session: Session,
    reconnect: &mut dyn FnMut(&str) -> Result<Session, String>,
    report: &mut dyn FnMut(&str),
    source: &mut dyn DataSource,
    workers: &Workers<'_>,
) -> Result<u64, ScriptError> {
    let mut leader = DbSink::new(session, reconnect, workers.settings, &mut *report);
    leader.set_progress(workers.progress.worker(0));
    let mut restorer = Restorer::new(toc, opts);
    let (mut schedule, prefork) = Schedule::new(
        &toc.entries,
        |i| restorer.wanted(&toc.entries[i]),
        |i| sizes.get(i).copied().unwrap_or(0),
    );
    restorer.begin(&mut leader)?;
    for i in prefork {
        let how = restorer.restore(&toc.entries[i], source, &mut leader, false)?;
        schedule.finish(i, how);
    }
    restorer.end(&mut leader)?;
    let dbname = leader.dbname();
    let mut errors = leader.errors();
    // Like pg_restore's leader, off the server while the workers run: at most N sessions.
    drop(leader);
    // Workers never use --transaction-size (pg_restore's neither).
    let worker_opts = ScriptOptions {
        transaction_size: 0,
        ..opts.clone()
    };

    schedule.start();
    let (events, inbox) = mpsc::channel::<Event>();
    std::thread::scope(|scope| -> Result<(), ScriptError> {
        let mut jobs = Vec::new();
        for worker in 0..workers.jobs {
            let (job, next) = mpsc::channel::<Job>();
            jobs.push(job);
            let (events, dbname, worker_opts) = (events.clone(), dbname.as_str(), &worker_opts);
            scope.spawn(move || {
                let result = work(worker, toc, worker_opts, dbname, workers, &next, &events);
                if let Err(e) = result {
                    let _ = events.send(Event::Failed(e));
                }
            });
        }
        drop(events);
        let mut idle: Vec<usize> = (0..workers.jobs).rev().collect();
        let mut failure = None;
        // Split tables being loaded, by entry, with the pieces not yet done.
        let mut splits: HashMap<usize, (Arc<Split>, usize)> = HashMap::new();
        // Split tables whose load failed, to load again the ordinary way.
        let mut again: Vec<usize> = Vec::new();
        let min_split = split::min_bytes();
        while failure.is_none() {
            while let Some(&worker) = idle.last() {
                // A free worker first helps a split table's load along: that table is the
                // biggest job there was, and its indexes wait for it.
                let joined = splits.iter_mut().find(|(_, (split, _))| split.join()).map(
                    |(&entry, (split, pieces))| {
                        *pieces += 1;
                        Job::Piece {
                            entry,
                            split: Arc::clone(split),
                        }
                    },
                );
                // `again` is popped only when no split took the worker: a popped entry
                // must be handed out or it is lost.
                let job = match joined.or_else(|| {
                    again.pop().map(|entry| Job::Entry {
                        entry,
                        truncate: true,
                    })
                }) {
                    Some(job) => job,
                    None => {
                        let Some(entry) = schedule.take() else { break };
                        let truncate = schedule.created(entry);
                        let te = &toc.entries[entry];
                        if truncate
                            && workers.jobs > 1
                            && sizes.get(entry).is_some_and(|&size| size >= min_split)
                            && restorer.copy_splittable(te)
                        {
                            let (split, tx) = Split::new(workers.jobs);
                            let split = Arc::new(split);
                            split.join();
                            let reader = Arc::clone(&split);
                            scope.spawn(move || reader.read(workers.open, te, tx));
                            splits.insert(entry, (Arc::clone(&split), 1));
                            Job::Piece { entry, split }
                        } else {
                            Job::Entry { entry, truncate }
                        }
                    }
                };
                idle.pop();
                // A worker that is gone has sent its failure, which the loop below reads; a
                // split must not wait for its piece.
                if let Err(mpsc::SendError(Job::Piece { entry, split })) = jobs[worker].send(job) {
                    split.leave();
                    if let Some((_, pieces)) = splits.get_mut(&entry) {
                        *pieces -= 1;
                    }
                }
            }
            if idle.len() == workers.jobs {
                match schedule.advance() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(lost) => {
                        let te = &toc.entries[lost];
                        failure = Some(ScriptError::Other(format!(
                            "internal error: no worker is restoring entry {} {} {}",
                            te.dump_id, te.desc, te.tag
                        )));
                        break;
                    }
                }
            }
            match inbox.recv() {
                Ok(Event::Report(message)) => report(&message),
                Ok(Event::Done {
                    worker,
                    entry,
                    how,
                    errors: n,
                }) => {
                    schedule.finish(entry, how);
                    errors += counted(how, n);
                    idle.push(worker);
                }
                Ok(Event::PieceDone {
                    worker,
                    entry,
                    committed,
                }) => {
                    idle.push(worker);
                    if let Some((_, pieces)) = splits.get_mut(&entry) {
                        *pieces -= 1;
                        // Sessions join only while the reader is going and finish only
                        // after it, so none can join any more.
                        if *pieces == 0 {
                            splits.remove(&entry);
                            if committed {
                                schedule.finish(entry, EntryStatus::Done);
                            } else {
                                again.push(entry);
                            }
                        }
                    }
                }
                // The first failure ends the restore: no more work is handed out, and the
                // workers still busy finish what they have.
                Ok(Event::Failed(e)) => failure = Some(worker_died(report, e)),
                Err(_) => break,
            }
        }
        drop(jobs);
        // Sessions loading a split table must not wait for a piece that will never come.
        for (split, _) in splits.values() {
            split.abandon();
        }
        for event in inbox {
            match event {
                Event::Report(message) => report(&message),
                Event::Failed(e) => {
                    let died = worker_died(report, e);
                    failure.get_or_insert(died);
                }
                Event::Done { how, errors: n, .. } => errors += counted(how, n),
                Event::PieceDone { .. } => {}
            }
        }
        failure.map_or(Ok(()), Err)
    })?;

    // restore_toc_entries_postfork: the leader, connected again, restores what is left,
    // ignoring passes.
    let leftovers = schedule.leftovers();
    if !leftovers.is_empty() {
        let session = (workers.connect)(&dbname).map_err(ScriptError::Other)?;
        let mut leader = DbSink::new(session, reconnect, workers.settings, &mut *report);
        restorer.connected(&mut leader)?;
        for i in leftovers {
            restorer.restore(&toc.entries[i], source, &mut leader, false)?;
        }
        restorer.end(&mut leader)?;
        errors += leader.errors();
    }
    Ok(errors)
}

/// One worker: its session, its reader, then entries until the leader stops sending.
fn work(
    worker: usize,
    toc: &Toc,
    opts: &ScriptOptions,
    dbname: &str,
    workers: &Workers<'_>,
    next: &mpsc::Receiver<Job>,
    events: &mpsc::Sender<Event>,
) -> Result<(), ScriptError> {
    let session = (workers.connect)(dbname).map_err(ScriptError::Other)?;
    let mut source = (workers.open)().map_err(ScriptError::Other)?;
    let mut report = |message: &str| {
        let _ = events.send(Event::Report(message.to_owned()));
    };
    let mut no_reconnect = |_: &str| Err("a worker cannot change databases".to_owned());
    let mut sink = DbSink::new(session, &mut no_reconnect, workers.settings, &mut report);
    sink.set_progress(workers.progress.worker(worker + 1));
    let mut restorer = Restorer::new(toc, opts);
    restorer.connected(&mut sink)?;
    for job in next {
        let done = match job {
            Job::Entry { entry, truncate } => {
                let before = sink.errors();
                let how =
                    restorer.restore(&toc.entries[entry], &mut *source, &mut sink, truncate)?;
                Event::Done {
                    worker,
                    entry,
                    how,
                    errors: sink.errors() - before,
                }
            }
            Job::Piece { entry, split } => {
                let committed = piece(
                    &toc.entries[entry],
                    &split,
                    workers.jobs,
                    &mut restorer,
                    &mut sink,
                )?;
                Event::PieceDone {
                    worker,
                    entry,
                    committed,
                }
            }
        };
        if events.send(done).is_err() {
            break;
        }
    }
    Ok(())
}

/// One session's share of a split table: its COPY of the chunks it takes, in a transaction
/// that commits only if every session's COPY went well. Errors are held back: a failed load
/// is done again the ordinary way, which reports them.
fn piece(
    te: &tusk_format::TocEntry,
    split: &Split,
    jobs: usize,
    restorer: &mut Restorer<'_>,
    sink: &mut DbSink<'_>,
) -> Result<bool, ScriptError> {
    sink.progress().piece_begin(jobs);
    sink.hold_errors();
    let loaded = sink
        .transaction(Transaction::Begin, "", Some(te))
        .and_then(|()| restorer.restore(te, &mut split.chunks(), sink, false));
    let ok = sink.release_errors().is_none() && loaded.is_ok();
    let committed = split.copied(ok);
    sink.progress()
        .piece_done(committed.then(|| split.pieces()));
    if committed {
        sink.transaction(Transaction::Commit, "", Some(te))?;
    } else {
        sink.hold_errors();
        sink.sql("ROLLBACK", Some(te))?;
        sink.release_errors();
        restorer.rolled_back();
    }
    // A lost session is not retried the ordinary way, which would hide it: like any worker
    // whose connection went, it ends the restore.
    match loaded {
        Err(e) if sink.connection_closed() => Err(e),
        _ => Ok(committed),
    }
}

/// What a worker's entry adds to the error count pg_restore reports: a failing entry's errors
/// and one more, as pg_restore's leader adds both the count the worker sends (parallel.c,
/// parseWorkerResponse) and one for its status (mark_restore_job_done); a table whose failure
/// takes its data away counts once.
fn counted(how: EntryStatus, errors: u64) -> u64 {
    match how {
        EntryStatus::TableFailed => 1,
        EntryStatus::TableCreated => 0,
        EntryStatus::Done if errors > 0 => errors + 1,
        EntryStatus::Done => 0,
    }
}

/// A worker that cannot go on prints its error and exits; pg_restore's leader then stops with
/// its own message.
fn worker_died(report: &mut dyn FnMut(&str), e: ScriptError) -> ScriptError {
    report(&e.to_string());
    ScriptError::Other("a worker process died unexpectedly".to_owned())
}

//! `-j N` into a database, pg_restore's parallel mode: the leader restores the pre-data
//! section alone on its session, then N worker sessions (threads here, processes upstream)
//! take the data and post-data entries as the [`Schedule`] allows, largest first, never two
//! that lock the same table against each other, pass by pass; then the leader, connected
//! again, restores whatever could not be scheduled.

use std::sync::mpsc;

use tusk_connect::Session;
use tusk_format::Toc;
use tusk_format::archive::ArchiveRead;
use tusk_format::script::{DataSource, EntryStatus, Restorer, ScriptError, ScriptOptions, Sink};

use crate::apply::{DbSink, SinkSettings};
use crate::progress::RestoreProgress;
use crate::schedule::Schedule;

/// What a worker needs besides the plan: its own session and its own reader of the archive.
pub struct Workers<'a> {
    pub jobs: usize,
    /// Opens a session into a database (the one the leader ended up in: after `-C`, the new
    /// one).
    pub connect: &'a (dyn Fn(&str) -> Result<Session, String> + Sync),
    /// Opens the archive again: each worker reads its own entries' data.
    pub open: &'a (dyn Fn() -> Result<Box<dyn ArchiveRead>, String> + Sync),
    pub settings: SinkSettings,
    pub progress: RestoreProgress,
}

/// One entry for a worker, with the leader's decision to TRUNCATE its table first.
struct Job {
    entry: usize,
    truncate: bool,
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
        while failure.is_none() {
            while let Some(&worker) = idle.last() {
                let Some(entry) = schedule.take() else { break };
                idle.pop();
                let truncate = schedule.created(entry);
                // A worker that is gone has sent its failure, which the loop below reads.
                let _ = jobs[worker].send(Job { entry, truncate });
            }
            if idle.len() == workers.jobs {
                if schedule.advance() {
                    continue;
                }
                break;
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
                // The first failure ends the restore: no more work is handed out, and the
                // workers still busy finish what they have.
                Ok(Event::Failed(e)) => failure = Some(worker_died(report, e)),
                Err(_) => break,
            }
        }
        drop(jobs);
        for event in inbox {
            match event {
                Event::Report(message) => report(&message),
                Event::Failed(e) => {
                    let died = worker_died(report, e);
                    failure.get_or_insert(died);
                }
                Event::Done { how, errors: n, .. } => errors += counted(how, n),
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
        let before = sink.errors();
        let how = restorer.restore(
            &toc.entries[job.entry],
            &mut source,
            &mut sink,
            job.truncate,
        )?;
        let errors = sink.errors() - before;
        let done = Event::Done {
            worker,
            entry: job.entry,
            how,
            errors,
        };
        if events.send(done).is_err() {
            break;
        }
    }
    Ok(())
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

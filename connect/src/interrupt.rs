//! Ctrl-C and termination signals, as pg_dump's and pg_restore's sigTermHandler treats them:
//! a cancel request for the query running on every session of the process, then a line
//! saying so and exit status 1, at once.
//!
//! SIGXFSZ (a write past RLIMIT_FSIZE) is caught and ignored, so that the write fails with
//! EFBIG and the tool reports it and removes its unfinished output; by default the signal
//! kills the process and leaves a truncated file (pg_dump's fate).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::CancelHandle;

/// The sessions a signal cancels: every one this process opened (a closed one's cancel
/// request matches no backend, so none is ever forgotten).
static SESSIONS: Mutex<Vec<CancelHandle>> = Mutex::new(Vec::new());

/// Whether the handlers are in place: the first call installs them, for the whole process
/// (tusk_dumpall runs one dump after another, each asking again).
static INSTALLED: Mutex<bool> = Mutex::new(false);

/// How long cancel requests may take before the process exits regardless.
const CANCEL_WAIT: Duration = Duration::from_secs(1);

pub(crate) fn register(handle: CancelHandle) {
    SESSIONS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(handle);
}

/// On SIGINT, SIGTERM or SIGQUIT: cancels every session's query, runs `cleanup` (removing
/// unfinished output, say), prints `PROGNAME: terminated by user` and exits with status 1.
///
/// The handlers are in place when this returns; a thread of its own waits for the signal,
/// since each session's runtime runs only inside that session's calls.
pub fn exit_on_signal(progname: &'static str, cleanup: fn()) -> std::io::Result<()> {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if *installed {
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let kinds = [
        SignalKind::interrupt(),
        SignalKind::terminate(),
        SignalKind::quit(),
    ];
    let mut streams: Vec<_> = {
        let _entered = rt.enter();
        // A handler, once registered, stays for the life of the process; nothing listens.
        drop(signal(SignalKind::from_raw(
            nix::sys::signal::Signal::SIGXFSZ as i32,
        ))?);
        kinds.into_iter().filter_map(|k| signal(k).ok()).collect()
    };
    if streams.is_empty() {
        return Ok(());
    }
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            rt.block_on(async move {
                let arrivals = streams.iter_mut().map(|s| Box::pin(s.recv()));
                futures_util::future::select_all(arrivals).await;
                let sessions = SESSIONS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let cancels = sessions.iter().map(|s| s.cancel());
                let _ = tokio::time::timeout(CANCEL_WAIT, futures_util::future::join_all(cancels))
                    .await;
                cleanup();
                eprintln!("{progname}: terminated by user");
                std::process::exit(1);
            })
        })?;
    *installed = true;
    Ok(())
}

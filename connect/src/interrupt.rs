//! Ctrl-C and termination signals, as pg_dump's and pg_restore's sigTermHandler treats them:
//! a cancel request for the query running on every session of the process, then a line
//! saying so and exit status 1, at once.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::signal::unix::{SignalKind, signal};

use crate::CancelHandle;

/// The sessions a signal cancels: every one this process opened (a closed one's cancel
/// request matches no backend, so none is ever forgotten).
static SESSIONS: Mutex<Vec<CancelHandle>> = Mutex::new(Vec::new());

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
pub fn exit_on_signal(rt: &Arc<Runtime>, progname: &'static str, cleanup: fn()) {
    rt.spawn(async move {
        let kinds = [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::quit(),
        ];
        let mut streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
        if streams.is_empty() {
            return;
        }
        let arrivals = streams.iter_mut().map(|s| Box::pin(s.recv()));
        futures_util::future::select_all(arrivals).await;
        let sessions = SESSIONS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let cancels = sessions.iter().map(|s| s.cancel());
        let _ = tokio::time::timeout(CANCEL_WAIT, futures_util::future::join_all(cancels)).await;
        cleanup();
        eprintln!("{progname}: terminated by user");
        std::process::exit(1);
    });
}

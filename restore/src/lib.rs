//! tusk-restore: pg_restore rebuilt.
//!
//! Data flow: [`cli`] parses pg_restore's options → [`run`] opens the archive (tusk-format's
//! readers) → tusk-format's `select` marks the wanted parts → tusk-format's script emitter walks
//! the TOC, writing text (`-f`) or running it on a server through [`apply`] (`-d`).

pub mod apply;
pub mod cli;
pub mod error;
mod large_objects;
pub mod parallel;
pub mod progress;
pub mod run;
pub mod schedule;
pub mod split;
pub mod verify;

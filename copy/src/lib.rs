//! tusk-copy: a database copied into another with no archive in between (Heroku's
//! `pg:copy`, `pg_dump | pg_restore` in parallel).
//!
//! Data flow: [`cli`] parses pg_dump's options for the source plus the target's → [`run`]
//! reads the source as tusk_dump does (one snapshot, the catalog, the TOC), then restores
//! that TOC into the target with tusk_restore's emitter or its parallel scheduler, each
//! worker reading its tables' rows live from a source session of its own in the snapshot.

pub mod cli;
pub mod run;

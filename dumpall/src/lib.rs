//! tusk-dumpall: pg_dumpall rebuilt.
//!
//! Data flow: [`cli`] parses pg_dumpall's options → [`run`] connects to the cluster, writes the
//! script's preamble and the globals ([`roles`]: roles, their settings, memberships and
//! privileges on parameters; [`tablespaces`]) in the client encoding, then [`databases`] runs
//! tusk-dump's engine once per database, appending its plain script to the same output.

pub mod cli;
pub mod databases;
pub mod error;
pub mod roles;
pub mod run;
pub mod tablespaces;

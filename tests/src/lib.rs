//! tusk-tests: the real-server test harness, comparators with upstream as
//! the oracle, and (under tests/) the integration tests.
//!
//! - [`harness`]: PostgreSQL clusters of any supported major, upstream tools,
//!   the tusk binaries.
//! - [`compare`]: upstream's view of a database (schema dump, row
//!   fingerprints) and assertions that two databases are the same.
//! - [`fixtures`]: the databases the integration tests dump.
//! - [`parity`]: tusk_dump's plain output against pg_dump 18's for a fixture.
//! - [`proxy`]: a TCP proxy a test can stall.
//! - [`running`]: a tusk command in the background while a test acts on it.

pub mod compare;
pub mod fixtures;
pub mod harness;
pub mod parity;
pub mod proxy;
pub mod running;

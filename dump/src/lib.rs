//! tusk-dump: pg_dump rebuilt.
//!
//! Data flow: [`cli`] parses pg_dump's options → [`run`] opens the output, connects and sets up
//! the session ([`snapshot`]) → [`catalog`] reads pg_catalog with set-based queries →
//! [`objects`] turns it into dumpable objects with dependencies → [`sort`] orders them as
//! pg_dump_sort.c does → [`ddl`] renders TOC entries → the archive writer or the script emitter
//! of tusk-format writes them, with table data streamed by COPY.

pub mod acl;
pub mod catalog;
pub mod cli;
pub mod data;
pub mod ddl;
pub mod details;
pub mod error;
pub mod filter;
pub mod inserts;
pub mod objects;
pub mod run;
pub mod snapshot;
pub mod sort;
pub mod transcode;

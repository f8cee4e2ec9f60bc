//! Arbitrary bytes as a directory archive's toc.dat: see `common::directory_toc`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::directory_toc(data));

//! Arbitrary text as a list file: see `common::list_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::list_file(data));

//! Arbitrary bytes as a tar archive: see `common::tar_reader`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::tar_reader(data));

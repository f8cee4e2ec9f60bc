//! The custom-format reader on arbitrary bytes: see `common::custom_reader`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::custom_reader(data));

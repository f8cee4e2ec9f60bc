//! The custom-format reader on arbitrary bytes, both as a seekable file (data found by the
//! offsets in the TOC) and as a pipe (data found by scanning forward).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::read_custom(Cursor::new(data));
    common::read_custom(common::Pipe(Cursor::new(data)));
});

//! The `-L` list-file parser, and applying what it found to a real TOC: ids come out positive,
//! within the archive's range and each once, and applying them moves exactly those entries to
//! the end in the file's order, or fails with a message.
#![no_main]

use std::collections::HashSet;
use std::fs::File;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tusk_format::list::{apply_list, parse_list_file};
use tusk_format::{CustomReader, Toc};

mod common;

/// The TOC the seeds (`pg_restore -l` of this archive, edited) were made from.
fn toc() -> &'static Toc {
    static TOC: OnceLock<Toc> = OnceLock::new();
    TOC.get_or_init(|| {
        let file = File::open(common::golden("pg18-c-none.dump")).expect("the golden archive");
        CustomReader::open(file)
            .expect("the golden archive opens")
            .toc()
            .clone()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let toc = toc();
    let max = toc.entries.iter().map(|e| e.dump_id).max().unwrap_or(0);
    let list = parse_list_file(text, max);
    let mut seen = HashSet::new();
    for &id in &list.ids {
        assert!(id > 0 && id <= max, "id {id} outside 1..={max}");
        assert!(seen.insert(id), "id {id} listed twice");
    }
    let mut reordered = toc.clone();
    match apply_list(&mut reordered, &list.ids) {
        Ok(()) => {
            assert_eq!(reordered.entries.len(), toc.entries.len());
            let tail: Vec<_> = reordered.entries[toc.entries.len() - list.ids.len()..]
                .iter()
                .map(|e| e.dump_id)
                .collect();
            assert_eq!(
                tail, list.ids,
                "listed entries not moved to the end in order"
            );
        }
        Err(message) => assert!(!message.trim().is_empty(), "an error without a message"),
    }
});

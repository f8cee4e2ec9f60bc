//! A 100 MB text value, and a large object of 3 MB (read in more than one piece), dumped by
//! tusk_dump as pg_dump 18 dumps them. Built with repeat() in its
//! own database (not in the shared fixture), dumped to files, compared in 64 kB chunks after
//! the header so the test holds no whole copy of the value.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use tusk_tests::compare::{RESTRICT_KEY, mask_version_header};
use tusk_tests::harness::{Cluster, run, tusk_bin, upstream_bin};

/// The header up to the first SET, version lines masked, and a reader for the rest.
fn split_header(path: &Path) -> (String, BufReader<std::fs::File>) {
    let mut reader = BufReader::new(std::fs::File::open(path).unwrap());
    let mut header = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line.starts_with("SET ") {
            header.push_str(&line);
            return (mask_version_header(&header), reader);
        }
        header.push_str(&line);
    }
}

fn same_rest(mut a: impl Read, mut b: impl Read) -> bool {
    let (mut x, mut y) = (vec![0u8; 65536], vec![0u8; 65536]);
    loop {
        let n = read_full(&mut a, &mut x);
        let m = read_full(&mut b, &mut y);
        if n != m || x[..n] != y[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]).unwrap() {
            0 => break,
            k => filled += k,
        }
    }
    filled
}

fn big_value(major: u32) {
    let c = Cluster::shared(major);
    let db = c.new_database("big_value").unwrap();
    c.psql(
        &db,
        "CREATE TABLE big (id integer, t text);
         INSERT INTO big VALUES (1, repeat(E'0123456789abc\\\\def\\tghi\\n', 4194304)), (2, 'small');
         SELECT lo_from_bytea(0, decode(repeat('00ff17', 1000000) || 'ab', 'hex'));",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = |program: &Path, name: &str| {
        let file = dir.path().join(name);
        run(
            name,
            c.command(program)
                .arg(format!("--restrict-key={RESTRICT_KEY}"))
                .args(["-a", "-f"])
                .arg(&file)
                .arg(&db),
            None,
        )
        .unwrap();
        file
    };
    let theirs = dump(&upstream_bin(18, "pg_dump").unwrap(), "pg_dump.sql");
    let ours = dump(&tusk_bin("tusk_dump").unwrap(), "tusk_dump.sql");
    assert!(std::fs::metadata(&theirs).unwrap().len() > 100_000_000);
    let (their_header, their_rest) = split_header(&theirs);
    let (our_header, our_rest) = split_header(&ours);
    assert_eq!(our_header, their_header, "headers (server {major})");
    assert!(
        same_rest(their_rest, our_rest),
        "tusk_dump's output differs from pg_dump 18's after the header (server {major})"
    );
}

tusk_tests::for_majors!(big_value_parity => big_value);

//! Upstream as the oracle: what upstream pg_dump and plain SQL say a
//! database holds, in a form two databases can be compared by.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::harness::{
    Cluster, HarnessError, Result, run_stdout, supports_restrict_key, upstream_bin,
};

/// The `\restrict` key given to every pg_dump here, and the token
/// [`mask_version_header`] puts in place of any other key.
pub const RESTRICT_KEY: &str = "TUSKTEST";

/// Per-relation fingerprints, keyed `schema.name` (unquoted).
///
/// - tables (ordinary, partitioned, populated materialized views):
///   (row count, md5 of the sorted md5s of each row's text form). An
///   ordinary table counts only its own rows (`FROM ONLY`), a partitioned one
///   those of all its partitions.
/// - sequences: (`last_value`, `"is_called=true"` or `"is_called=false"`).
/// - large objects, under the key `pg_catalog.pg_largeobject`: (how many,
///   md5 over each one's oid and the md5 of its data).
pub type Fingerprints = BTreeMap<String, (i64, String)>;

/// `pg_dump -s -Fp` of `db` by the cluster's own pg_dump, with the version
/// lines dropped and the restrict key fixed: see [`schema_dump_with`].
pub fn schema_dump(cluster: &Cluster, db: &str) -> Result<String> {
    schema_dump_with(&cluster.bin("pg_dump"), cluster, db)
}

/// `pg_dump -s -Fp` of `db` by the pg_dump at `pg_dump`, passed through
/// [`mask_version_header`], and with `--restrict-key` when that pg_dump has
/// it, so that two dumps of equal databases are equal text.
pub fn schema_dump_with(pg_dump: &Path, cluster: &Cluster, db: &str) -> Result<String> {
    let mut cmd = cluster.command(pg_dump);
    cmd.args(["--schema-only", "--format=plain", "--dbname"])
        .arg(cluster.conninfo(db));
    if supports_restrict_key(pg_dump)? {
        cmd.arg(format!("--restrict-key={RESTRICT_KEY}"));
    }
    let out = run_stdout(
        &format!(
            "schema dump of database {db:?} (PostgreSQL {})",
            cluster.major()
        ),
        &mut cmd,
        None,
    )?;
    Ok(mask_version_header(&out))
}

/// Drops the lines that name the tools and server versions
/// (`-- Dumped from database version ...`, `-- Dumped by ...`), and puts
/// [`RESTRICT_KEY`] in place of the key of `\restrict` and `\unrestrict`
/// lines, so that plain SQL from two tools, or two runs, compares equal.
pub fn mask_version_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        if body.starts_with("-- Dumped from database version") || body.starts_with("-- Dumped by ")
        {
            continue;
        }
        let mut masked = false;
        for command in ["\\restrict ", "\\unrestrict "] {
            if body.starts_with(command) {
                out.push_str(command);
                out.push_str(RESTRICT_KEY);
                out.push_str(ending);
                masked = true;
                break;
            }
        }
        if !masked {
            out.push_str(line);
        }
    }
    out
}

// One psql run: the first query writes one query per relation, which \gexec
// runs. Keys travel hex-encoded so no name can break the line format. The
// row alias is odd on purpose: a column of the same name would win over it.
// Sorting per-row md5s instead of the rows keeps memory at 33 bytes a row.
// Partitioned tables are left to their leaf partitions, which hold the rows: read through
// the parent, a foreign partition would be scanned, and its server may not exist.
const FINGERPRINT_SQL: &str = r#"
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SELECT q FROM (
  SELECT n.nspname || '.' || c.relname AS k,
    format(
      'SELECT %L, count(*), md5(coalesce(string_agg(md5(tusk_fp_row_::text), '''' ORDER BY md5(tusk_fp_row_::text) COLLATE "C"), '''')) FROM %s %I.%I AS tusk_fp_row_',
      encode(convert_to(n.nspname || '.' || c.relname, 'UTF8'), 'hex'),
      CASE c.relkind WHEN 'r' THEN 'ONLY' ELSE '' END,
      n.nspname, c.relname) AS q
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'm') AND (c.relkind <> 'm' OR c.relispopulated)
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp)'
  UNION ALL
  SELECT n.nspname || '.' || c.relname,
    format(
      'SELECT %L, last_value, CASE WHEN is_called THEN ''is_called=true'' ELSE ''is_called=false'' END FROM %I.%I',
      encode(convert_to(n.nspname || '.' || c.relname, 'UTF8'), 'hex'),
      n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'S'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp)'
) AS per_relation ORDER BY k COLLATE "C"
\gexec
SELECT encode(convert_to('pg_catalog.pg_largeobject', 'UTF8'), 'hex'), count(*),
  md5(coalesce(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid), ''))
FROM pg_largeobject_metadata;
"#;

/// Row counts and checksums of every table, sequence and the large objects
/// of `db` (see [`Fingerprints`]). Two psql round trips, whatever the number
/// of tables.
pub fn row_fingerprints(cluster: &Cluster, db: &str) -> Result<Fingerprints> {
    let out = cluster.psql(db, FINGERPRINT_SQL)?;
    let mut map = Fingerprints::new();
    for line in out.lines().filter(|l| !l.is_empty()) {
        let bad = || HarnessError::Other(format!("unexpected fingerprint line {line:?}"));
        let mut fields = line.splitn(3, '|');
        let (Some(key), Some(count), Some(sum)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let key = decode_hex(key).ok_or_else(bad)?;
        let count = count.parse().map_err(|_| bad())?;
        map.insert(key, (count, sum.to_string()));
    }
    Ok(map)
}

fn decode_hex(hex: &str) -> Option<String> {
    let pairs = hex.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    let bytes = pairs
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// Compares two databases as upstream sees them: the schema dumps (both made
/// by the pg_dump of the newer of the two majors, so they are comparable) and
/// the row fingerprints. `Ok(None)` when equal, else a readable report.
pub fn compare_databases(a: (&Cluster, &str), b: (&Cluster, &str)) -> Result<Option<String>> {
    let pg_dump = if a.0.major() >= b.0.major() {
        a.0.bin("pg_dump")
    } else {
        b.0.bin("pg_dump")
    };
    let pg_dump = if pg_dump.is_file() {
        pg_dump
    } else {
        upstream_bin(a.0.major().max(b.0.major()), "pg_dump")?
    };
    let name =
        |(c, db): (&Cluster, &str)| format!("{db} (PostgreSQL {}, port {})", c.major(), c.port());
    let (name_a, name_b) = (name(a), name(b));

    let mut report = String::new();
    let schema_a = schema_dump_with(&pg_dump, a.0, a.1)?;
    let schema_b = schema_dump_with(&pg_dump, b.0, b.1)?;
    if schema_a != schema_b {
        let _ = writeln!(report, "schema dumps differ:");
        report.push_str(&diff(&schema_a, &schema_b, &name_a, &name_b));
    }

    let rows_a = fingerprint_text(&row_fingerprints(a.0, a.1)?);
    let rows_b = fingerprint_text(&row_fingerprints(b.0, b.1)?);
    if rows_a != rows_b {
        let _ = writeln!(report, "row fingerprints differ:");
        report.push_str(&diff(&rows_a, &rows_b, &name_a, &name_b));
    }
    Ok((!report.is_empty()).then_some(report))
}

/// Panics, with a diff, unless the two databases are the same by
/// [`compare_databases`]. A test helper.
#[track_caller]
pub fn assert_same_database(a: (&Cluster, &str), b: (&Cluster, &str)) {
    match compare_databases(a, b) {
        Ok(None) => {}
        Ok(Some(report)) => panic!("databases differ\n{report}"),
        Err(e) => panic!("could not compare databases: {e}"),
    }
}

/// Panics with a diff unless `expected` and `actual` are equal text.
#[track_caller]
pub fn assert_same_text(expected: &str, actual: &str, expected_name: &str, actual_name: &str) {
    if expected != actual {
        panic!(
            "texts differ\n{}",
            diff(expected, actual, expected_name, actual_name)
        );
    }
}

fn fingerprint_text(fingerprints: &Fingerprints) -> String {
    let mut out = String::new();
    for (key, (count, sum)) in fingerprints {
        let _ = writeln!(out, "{key:?}: {count} {sum}");
    }
    out
}

const DIFF_MAX_LINES: usize = 200;

/// A unified diff with three lines of context, cut after a few hundred lines.
pub fn diff(a: &str, b: &str, name_a: &str, name_b: &str) -> String {
    let text = similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(3)
        .header(name_a, name_b)
        .to_string();
    let total = text.lines().count();
    if total <= DIFF_MAX_LINES {
        return text;
    }
    let mut out: String = text
        .lines()
        .take(DIFF_MAX_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    let _ = writeln!(out, "... ({} more diff lines)", total - DIFF_MAX_LINES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines_go_and_keys_are_fixed() {
        let dump = "--\n\
                    -- PostgreSQL database dump\n\
                    --\n\
                    \n\
                    \\restrict AbC123xyz\n\
                    \n\
                    -- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n\
                    -- Dumped by pg_dump version 18.6\n\
                    \n\
                    SET statement_timeout = 0;\n\
                    \\unrestrict AbC123xyz\r\n";
        assert_eq!(
            mask_version_header(dump),
            "--\n\
             -- PostgreSQL database dump\n\
             --\n\
             \n\
             \\restrict TUSKTEST\n\
             \n\
             \n\
             SET statement_timeout = 0;\n\
             \\unrestrict TUSKTEST\r\n"
        );
    }

    #[test]
    fn other_lines_are_untouched() {
        let text = "-- Dumped? no\nSELECT '\\restrict x';\nno newline at end";
        assert_eq!(mask_version_header(text), text);
    }

    #[test]
    fn hex_keys_decode() {
        assert_eq!(decode_hex("7075626c69632e74").as_deref(), Some("public.t"));
        assert_eq!(decode_hex("7"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn diff_shows_changed_lines() {
        let d = diff("a\nb\nc\n", "a\nB\nc\n", "left", "right");
        assert!(d.contains("-b\n") && d.contains("+B\n"), "{d}");
        assert!(d.contains("--- left") && d.contains("+++ right"), "{d}");
    }
}

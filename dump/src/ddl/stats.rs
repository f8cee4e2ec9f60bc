//! STATISTICS DATA entries (pg_dump's dumpRelationStats and dumpRelationStats_dumper).

use tusk_format::quote::literal;
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::stats::{ColumnStats, RelationStats};
use crate::error::DumpError;
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn relation_stats(&mut self, obj: &DumpObject, i: usize) {
        let stats = &self.cat.relation_stats;
        let Some(rs) = stats.relations.get(i) else {
            return;
        };
        let sql = match restore_calls(rs, stats.server_version) {
            Ok(sql) => sql,
            Err(e) => return self.fail(e),
        };
        let section = if obj.separate {
            Section::PostData
        } else {
            Section::Data
        };
        // A dump id of its own, as the entry is made while dumping; no owner.
        let id = self.new_id();
        let mut te = TocEntry::new(id, "STATISTICS DATA", rs.name.clone(), section);
        te.namespace = Some(rs.schema.clone());
        te.defn = Some(sql);
        // Upstream passes the object's own dependency list, section boundary included.
        te.dependencies = obj.deps.clone();
        self.entries.push(te);
    }
}

/// The `pg_restore_relation_stats` call, then a `pg_restore_attribute_stats` call per pg_stats
/// row, as pg_dump 18 prints them for a source server of `version`.
pub fn restore_calls(rs: &RelationStats, version: i32) -> Result<String, DumpError> {
    let schema = literal(&rs.schema, true);
    let name = literal(&rs.name, true);
    let mut out = format!(
        "SELECT * FROM pg_catalog.pg_restore_relation_stats(\n\
         \t'version', '{version}'::integer,\n\
         \t'schemaname', {schema},\n\
         \t'relname', {name},\n\
         \t'relpages', '{}'::integer,\n",
        rs.relpages
    );
    // (pg_dump turns a reltuples of 0 from servers before 14 into -1; tusk reads 14 and later.)
    out.push_str(&format!(
        "\t'reltuples', '{}'::real,\n\t'relallvisible', '{}'::integer",
        rs.reltuples, rs.relallvisible
    ));
    if version >= 180000 {
        out.push_str(&format!(
            ",\n\t'relallfrozen', '{}'::integer",
            rs.relallfrozen
        ));
    }
    out.push_str("\n);\n");
    for col in &rs.columns {
        out.push_str(&format!(
            "SELECT * FROM pg_catalog.pg_restore_attribute_stats(\n\
             \t'version', '{version}'::integer,\n\
             \t'schemaname', {schema},\n\
             \t'relname', {name}"
        ));
        // An index's columns are named by number: their names may change on reload.
        if rs.index_columns.is_empty() {
            out.push_str(&format!(",\n\t'attname', {}", literal(&col.attname, true)));
        } else {
            let num = rs
                .index_columns
                .iter()
                .position(|c| *c == col.attname)
                .ok_or_else(|| {
                    DumpError::Catalog(format!("could not find index attname \"{}\"", col.attname))
                })?;
            out.push_str(&format!(",\n\t'attnum', '{}'::smallint", num + 1));
        }
        for (arg, ty, value) in column_arguments(col, version) {
            if let Some(v) = value {
                out.push_str(&format!(
                    ",\n\t{}, {}::{ty}",
                    literal(arg, true),
                    literal(&v, true)
                ));
            }
        }
        out.push_str("\n);\n");
    }
    Ok(out)
}

/// The named arguments of one attribute call in upstream's order: (name, type, value).
fn column_arguments(
    col: &ColumnStats,
    version: i32,
) -> Vec<(&'static str, &'static str, Option<String>)> {
    let mut args = vec![
        (
            "inherited",
            "boolean",
            col.inherited.map(|b| if b { "t" } else { "f" }.to_owned()),
        ),
        ("null_frac", "real", col.null_frac.clone()),
        ("avg_width", "integer", col.avg_width.map(|w| w.to_string())),
        ("n_distinct", "real", col.n_distinct.clone()),
        ("most_common_vals", "text", col.most_common_vals.clone()),
        ("most_common_freqs", "real[]", col.most_common_freqs.clone()),
        ("histogram_bounds", "text", col.histogram_bounds.clone()),
        ("correlation", "real", col.correlation.clone()),
        ("most_common_elems", "text", col.most_common_elems.clone()),
        (
            "most_common_elem_freqs",
            "real[]",
            col.most_common_elem_freqs.clone(),
        ),
        (
            "elem_count_histogram",
            "real[]",
            col.elem_count_histogram.clone(),
        ),
    ];
    if version >= 170000 {
        args.extend([
            (
                "range_length_histogram",
                "text",
                col.range_length_histogram.clone(),
            ),
            ("range_empty_frac", "real", col.range_empty_frac.clone()),
            (
                "range_bounds_histogram",
                "text",
                col.range_bounds_histogram.clone(),
            ),
        ]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RelationStats {
        RelationStats {
            oid: 16384,
            schema: "Stats \"Schema\"".to_owned(),
            name: "it's".to_owned(),
            is_index: false,
            relpages: 3,
            reltuples: "250".to_owned(),
            relallvisible: 2,
            relallfrozen: 1,
            index_columns: Vec::new(),
            columns: vec![
                ColumnStats {
                    attname: "Note".to_owned(),
                    inherited: Some(false),
                    null_frac: Some("0.1".to_owned()),
                    avg_width: Some(5),
                    n_distinct: Some("-0.5".to_owned()),
                    most_common_vals: Some("{a'b,\"c d\"}".to_owned()),
                    most_common_freqs: Some("{0.5,0.25}".to_owned()),
                    correlation: Some("0.9".to_owned()),
                    ..ColumnStats::default()
                },
                ColumnStats {
                    attname: "span".to_owned(),
                    inherited: Some(true),
                    null_frac: Some("0".to_owned()),
                    avg_width: Some(13),
                    n_distinct: Some("-1".to_owned()),
                    range_length_histogram: Some("{1,2}".to_owned()),
                    range_empty_frac: Some("0".to_owned()),
                    range_bounds_histogram: Some("{\"[1,2)\",\"[5,9)\"}".to_owned()),
                    ..ColumnStats::default()
                },
            ],
        }
    }

    #[test]
    fn table_on_18() {
        insta::assert_snapshot!(restore_calls(&table(), 180006).unwrap());
    }

    /// Before 18 no relallfrozen; before 17 no range statistics.
    #[test]
    fn table_on_16() {
        insta::assert_snapshot!(restore_calls(&table(), 160010).unwrap());
    }

    #[test]
    fn expression_index_columns_by_number() {
        let mut idx = table();
        idx.is_index = true;
        idx.name = "it's_expr".to_owned();
        idx.index_columns = vec!["id".to_owned(), "Note".to_owned()];
        idx.columns.truncate(1);
        insta::assert_snapshot!(restore_calls(&idx, 150018).unwrap());
        idx.index_columns = vec!["other".to_owned()];
        assert!(restore_calls(&idx, 150018).is_err());
    }
}

//! Relation and column statistics for `--statistics` (pg_dump's getRelationStatistics and the
//! pg_stats query of fetchAttributeStats): the pg_class counters of each table, materialized
//! view and index whose statistics are dumped, and their pg_stats rows.

use std::collections::HashMap;

use tokio_postgres::Client;

use super::{Catalog, get, oid_array, text_array};
use crate::error::DumpError;

/// The statistics of one relation or index, with the names its STATISTICS DATA entry uses.
#[derive(Debug, Clone, Default)]
pub struct RelationStats {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// An index's statistics are post-data; a table's data, a materialized view's depending on
    /// whether its data is refreshed.
    pub is_index: bool,
    pub relpages: i32,
    /// `reltuples` as the server prints it (pg_dump passes it on as a string).
    pub reltuples: String,
    pub relallvisible: i32,
    /// 0 before 18, which has no such column.
    pub relallfrozen: i32,
    /// An expression index's column names in column order: its statistics rows are restored
    /// by column number, names not being stable across a reload (pg_dump's indAttNames).
    pub index_columns: Vec<String>,
    /// The relation's pg_stats rows, by column name, then `inherited`.
    pub columns: Vec<ColumnStats>,
}

/// One pg_stats row, each value as the server prints it (NULL: not restored).
#[derive(Debug, Clone, Default)]
pub struct ColumnStats {
    pub attname: String,
    pub inherited: Option<bool>,
    pub null_frac: Option<String>,
    pub avg_width: Option<i32>,
    pub n_distinct: Option<String>,
    pub most_common_vals: Option<String>,
    pub most_common_freqs: Option<String>,
    pub histogram_bounds: Option<String>,
    pub correlation: Option<String>,
    pub most_common_elems: Option<String>,
    pub most_common_elem_freqs: Option<String>,
    pub elem_count_histogram: Option<String>,
    /// Range statistics: columns of pg_stats from 17 on.
    pub range_length_histogram: Option<String>,
    pub range_empty_frac: Option<String>,
    pub range_bounds_histogram: Option<String>,
}

/// Everything `--statistics` dumps.
#[derive(Debug, Default)]
pub struct Statistics {
    /// The source server's `server_version_num`, which every restore call records.
    pub server_version: i32,
    /// In the order they were read: tables by OID, then indexes in `Catalog::indexes` order.
    pub relations: Vec<RelationStats>,
    by_oid: HashMap<u32, usize>,
}

impl Statistics {
    /// The position in `relations` of the statistics of the relation or index `oid`.
    pub fn index_of(&self, oid: u32) -> Option<usize> {
        self.by_oid.get(&oid).copied()
    }
}

/// The relations whose statistics pg_dump dumps: (oid, schema, name, is index). Tables,
/// partitioned tables, materialized views and foreign tables being dumped; and the indexes of the tables
/// pg_dump calls interesting: dumped ones, their direct parents, the owners of dumped sequences.
fn candidates(cat: &Catalog) -> Vec<(u32, String, String, bool)> {
    let interesting = cat.interesting_relations();
    let tables = cat
        .relations
        .iter()
        .filter(|r| r.selected && matches!(r.relkind, b'r' | b'p' | b'm' | b'f'))
        .map(|r| (r.oid, r.schema.clone(), r.name.clone(), false));
    let indexes = cat.indexes.iter().filter_map(|idx| {
        let t = cat
            .relation_index(idx.table_oid)
            .filter(|&t| interesting[t])?;
        let table = &cat.relations[t];
        Some((idx.oid, table.schema.clone(), idx.name.clone(), true))
    });
    tables.chain(indexes).collect()
}

/// Reads the statistics of every relation pg_dump would dump them for: one query for the
/// pg_class counters, one for the pg_stats rows.
pub async fn load_statistics(
    client: &Client,
    server_version: i32,
    cat: &Catalog,
) -> Result<Statistics, DumpError> {
    let wanted = candidates(cat);
    let relallfrozen = if server_version >= 180000 {
        "c.relallfrozen"
    } else {
        "0"
    };
    let sql = format!(
        "SELECT c.oid, c.relpages, c.reltuples::pg_catalog.text, c.relallvisible, {relallfrozen}, \
                CASE WHEN i.indexprs IS NOT NULL THEN \
                    (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY a.attnum) \
                     FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indexrelid) END \
         FROM unnest('{}'::pg_catalog.oid[]) AS src(reloid) \
         JOIN pg_catalog.pg_class c ON c.oid = src.reloid \
         LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid",
        oid_array(wanted.iter().map(|w| w.0))
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading relation statistics"))?;
    let mut counters: HashMap<u32, &tokio_postgres::Row> = HashMap::new();
    for r in &rows {
        counters.insert(get(r, 0)?, r);
    }
    let mut stats = Statistics {
        server_version,
        ..Statistics::default()
    };
    for (oid, schema, name, is_index) in wanted {
        let Some(r) = counters.get(&oid) else {
            continue;
        };
        stats.by_oid.insert(oid, stats.relations.len());
        stats.relations.push(RelationStats {
            oid,
            schema,
            name,
            is_index,
            relpages: get(r, 1)?,
            reltuples: get(r, 2)?,
            relallvisible: get(r, 3)?,
            relallfrozen: get(r, 4)?,
            index_columns: text_array(r, 5)?,
            columns: Vec::new(),
        });
    }
    load_columns(client, &mut stats).await?;
    Ok(stats)
}

/// The pg_stats rows of all the relations in one query, shaped as pg_dump's getAttributeStats
/// (range statistics exist from 17 on).
async fn load_columns(client: &Client, stats: &mut Statistics) -> Result<(), DumpError> {
    let schemas: Vec<&str> = stats.relations.iter().map(|r| r.schema.as_str()).collect();
    let names: Vec<&str> = stats.relations.iter().map(|r| r.name.as_str()).collect();
    let range = if stats.server_version >= 170000 {
        "s.range_length_histogram::pg_catalog.text, s.range_empty_frac::pg_catalog.text, \
         s.range_bounds_histogram::pg_catalog.text"
    } else {
        "NULL::pg_catalog.text, NULL::pg_catalog.text, NULL::pg_catalog.text"
    };
    let sql = format!(
        "SELECT u.ord, s.attname::pg_catalog.text, s.inherited, s.null_frac::pg_catalog.text, \
                s.avg_width, s.n_distinct::pg_catalog.text, s.most_common_vals::pg_catalog.text, \
                s.most_common_freqs::pg_catalog.text, s.histogram_bounds::pg_catalog.text, \
                s.correlation::pg_catalog.text, s.most_common_elems::pg_catalog.text, \
                s.most_common_elem_freqs::pg_catalog.text, \
                s.elem_count_histogram::pg_catalog.text, {range} \
         FROM pg_catalog.pg_stats s \
         JOIN unnest($1::pg_catalog.name[], $2::pg_catalog.name[]) WITH ORDINALITY \
              AS u (schemaname, tablename, ord) \
           ON s.schemaname = u.schemaname AND s.tablename = u.tablename \
         WHERE s.tablename = ANY($2::pg_catalog.name[]) \
         ORDER BY u.ord, s.attname, s.inherited"
    );
    let rows = client
        .query(&sql, &[&schemas, &names])
        .await
        .map_err(DumpError::query("reading column statistics"))?;
    for r in &rows {
        let ord: i64 = get(r, 0)?;
        let Some(rel) = usize::try_from(ord - 1)
            .ok()
            .and_then(|i| stats.relations.get_mut(i))
        else {
            continue;
        };
        rel.columns.push(ColumnStats {
            attname: get(r, 1)?,
            inherited: get(r, 2)?,
            null_frac: get(r, 3)?,
            avg_width: get(r, 4)?,
            n_distinct: get(r, 5)?,
            most_common_vals: get(r, 6)?,
            most_common_freqs: get(r, 7)?,
            histogram_bounds: get(r, 8)?,
            correlation: get(r, 9)?,
            most_common_elems: get(r, 10)?,
            most_common_elem_freqs: get(r, 11)?,
            elem_count_histogram: get(r, 12)?,
            range_length_histogram: get(r, 13)?,
            range_empty_frac: get(r, 14)?,
            range_bounds_histogram: get(r, 15)?,
        });
    }
    Ok(())
}

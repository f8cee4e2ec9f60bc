//! Indexes (pg_dump's getIndexes), the PRIMARY KEY / UNIQUE / EXCLUDE constraints they back,
//! and extended statistics (getExtendedStatistics).

use tokio_postgres::Client;

use super::{Catalog, get, oid_array, text_array};
use crate::error::DumpError;

/// A valid, ready index (`pg_index` + its `pg_class` row) of a dumped relation. A partitioned
/// table's index is included even while invalid, as upstream does.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub oid: u32,
    pub table_oid: u32,
    pub name: String,
    /// `pg_get_indexdef`: the whole CREATE INDEX statement.
    pub definition: String,
    pub key_columns: Vec<i16>,
    pub include_columns: Vec<i16>,
    pub clustered: bool,
    pub replica_identity: bool,
    pub nulls_not_distinct: bool,
    /// `""` for the database default.
    pub tablespace: String,
    pub reloptions: Vec<String>,
    /// `ALTER INDEX ... ALTER COLUMN n SET STATISTICS v`: (column number, target), in column
    /// order, for the columns whose target is set.
    pub stat_targets: Vec<(i16, i32)>,
    /// The partitioned index this one is a partition of (0 if none).
    pub parent_oid: u32,
    /// Extensions the index is marked as depending on (`ALTER INDEX ... DEPENDS ON
    /// EXTENSION`).
    pub extensions: Vec<String>,
    /// The constraint the index implements, which is dumped instead of the index.
    pub constraint: Option<IndexConstraint>,
}

/// A PRIMARY KEY, UNIQUE or EXCLUDE constraint, dumped with its index's properties.
#[derive(Debug, Clone, Default)]
pub struct IndexConstraint {
    pub oid: u32,
    pub name: String,
    /// 'p', 'u' or 'x'.
    pub contype: u8,
    pub deferrable: bool,
    pub deferred: bool,
    /// `WITHOUT OVERLAPS` on the last key column (18+).
    pub period: bool,
    /// `pg_get_constraintdef` of an EXCLUDE constraint, which has no other printed form.
    pub definition: Option<String>,
}

/// An extended statistics object (`pg_statistic_ext`) on a dumped relation.
#[derive(Debug, Clone, Default)]
pub struct StatisticsExt {
    pub oid: u32,
    pub name: String,
    pub namespace_oid: u32,
    pub schema: String,
    pub owner: String,
    pub table_oid: u32,
    /// `stxstattarget`; negative when unset.
    pub target: i32,
    /// `pg_get_statisticsobjdef`: the whole CREATE STATISTICS statement.
    pub definition: String,
}

/// Reads the indexes of `tables` ([`super::index_tables`]: getIndexes ignores the others) in
/// one query, ordered by table and name. The others are not locked: pg_get_indexdef of an
/// index whose table another session drops meanwhile fails ("could not open relation").
/// pg_get_indexdef takes no lock itself, so a session in the leader's snapshot may run this
/// without waiting behind anyone's lock.
pub async fn load_indexes(
    client: &Client,
    server_version: i32,
    tables: &[u32],
) -> Result<Vec<Index>, DumpError> {
    let tables = oid_array(tables.iter().copied());
    let nulls_not_distinct = if server_version >= 150000 {
        "i.indnullsnotdistinct"
    } else {
        "false"
    };
    let period = if server_version >= 180000 {
        "coalesce(c.conperiod, false)"
    } else {
        "false"
    };
    // attstattarget is a nullable int2 from 17 on, an int4 with -1 for "unset" before.
    let sql = format!(
        "SELECT i.indexrelid, i.indrelid, t.relname::text, \
                pg_catalog.pg_get_indexdef(i.indexrelid), i.indkey::pg_catalog.int2[], \
                i.indnkeyatts, i.indisclustered, i.indisreplident, {nulls_not_distinct}, \
                coalesce((SELECT spcname::text FROM pg_catalog.pg_tablespace s \
                          WHERE s.oid = t.reltablespace), ''), \
                t.reloptions::text[], \
                (SELECT pg_catalog.array_agg(attnum ORDER BY attnum) FROM pg_catalog.pg_attribute \
                 WHERE attrelid = i.indexrelid AND attstattarget >= 0), \
                (SELECT pg_catalog.array_agg(attstattarget::pg_catalog.int4 ORDER BY attnum) \
                 FROM pg_catalog.pg_attribute \
                 WHERE attrelid = i.indexrelid AND attstattarget >= 0), \
                coalesce(inh.inhparent, 0::pg_catalog.oid), \
                c.oid, c.conname::text, c.contype, c.condeferrable, c.condeferred, {period}, \
                CASE WHEN c.contype = 'x' THEN pg_catalog.pg_get_constraintdef(c.oid, false) END, \
                (SELECT pg_catalog.array_agg(e.extname::text) \
                 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid \
                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                   AND d.objid = i.indexrelid AND d.deptype = 'x' \
                   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass) \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_index i ON (src.tbloid = i.indrelid) \
         JOIN pg_catalog.pg_class t ON (t.oid = i.indexrelid) \
         JOIN pg_catalog.pg_class t2 ON (t2.oid = i.indrelid) \
         LEFT JOIN pg_catalog.pg_constraint c ON (i.indrelid = c.conrelid \
              AND i.indexrelid = c.conindid AND c.contype IN ('p', 'u', 'x')) \
         LEFT JOIN pg_catalog.pg_inherits inh ON (inh.inhrelid = i.indexrelid) \
         WHERE (i.indisvalid OR t2.relkind = 'p') AND i.indisready \
         ORDER BY i.indrelid, t.relname"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading indexes"))?;
    rows.iter()
        .map(|r| {
            let mut key_columns: Vec<i16> = get::<Option<Vec<i16>>>(r, 4)?.unwrap_or_default();
            let nkey = usize::try_from(get::<i16>(r, 5)?)
                .unwrap_or(0)
                .min(key_columns.len());
            let include_columns = key_columns.split_off(nkey);
            let stat_columns: Vec<i16> = get::<Option<Vec<i16>>>(r, 11)?.unwrap_or_default();
            let stat_values: Vec<i32> = get::<Option<Vec<i32>>>(r, 12)?.unwrap_or_default();
            let constraint = match get::<Option<u32>>(r, 14)? {
                None => None,
                Some(oid) => Some(IndexConstraint {
                    oid,
                    name: get(r, 15)?,
                    contype: get::<i8>(r, 16)? as u8,
                    deferrable: get(r, 17)?,
                    deferred: get(r, 18)?,
                    period: get(r, 19)?,
                    definition: get(r, 20)?,
                }),
            };
            Ok(Index {
                oid: get(r, 0)?,
                table_oid: get(r, 1)?,
                name: get(r, 2)?,
                definition: get::<Option<String>>(r, 3)?.unwrap_or_default(),
                key_columns,
                include_columns,
                clustered: get(r, 6)?,
                replica_identity: get(r, 7)?,
                nulls_not_distinct: get(r, 8)?,
                tablespace: get(r, 9)?,
                reloptions: text_array(r, 10)?,
                stat_targets: stat_columns.into_iter().zip(stat_values).collect(),
                parent_oid: get(r, 13)?,
                extensions: text_array(r, 21)?,
                constraint,
            })
        })
        .collect()
}

/// Reads the extended statistics objects on the relations read, in one query, with the
/// definitions of those on dumped relations only (selectDumpableStatisticsObject dumps no
/// others): pg_get_statisticsobjdef of an object whose unlocked table another session drops
/// meanwhile would fail.
pub(super) async fn load_statistics(
    client: &Client,
    cat: &Catalog,
) -> Result<Vec<StatisticsExt>, DumpError> {
    let relations = oid_array(cat.relations.iter().map(|r| r.oid));
    let dumped = oid_array(cat.relations.iter().filter(|r| r.selected).map(|r| r.oid));
    // stxstattarget is a nullable int2 from 17 on, an int4 with -1 for "unset" before.
    let sql = format!(
        "SELECT s.oid, s.stxname::text, s.stxnamespace, n.nspname::text, \
                pg_catalog.pg_get_userbyid(s.stxowner)::text, s.stxrelid, \
                coalesce(s.stxstattarget::pg_catalog.int4, -1), \
                CASE WHEN s.stxrelid = ANY('{dumped}'::pg_catalog.oid[]) \
                     THEN pg_catalog.pg_get_statisticsobjdef(s.oid) END \
         FROM unnest('{relations}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_statistic_ext s ON (src.tbloid = s.stxrelid) \
         JOIN pg_catalog.pg_namespace n ON (n.oid = s.stxnamespace) \
         ORDER BY s.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading extended statistics"))?;
    rows.iter()
        .map(|r| {
            Ok(StatisticsExt {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                namespace_oid: get(r, 2)?,
                schema: get(r, 3)?,
                owner: get(r, 4)?,
                table_oid: get(r, 5)?,
                target: get(r, 6)?,
                definition: get::<Option<String>>(r, 7)?.unwrap_or_default(),
            })
        })
        .collect()
}

/// Catalogs built by hand for unit tests of what is made of indexes.
#[cfg(test)]
pub(crate) mod test_support {
    use super::super::{Column, Namespace, Relation};
    use super::Catalog;

    /// A heap relation of `integer` columns named `columns`, numbered from 1.
    pub(crate) fn relation(oid: u32, schema: &str, name: &str, columns: &[&str]) -> Relation {
        Relation {
            oid,
            schema: schema.to_owned(),
            name: name.to_owned(),
            relkind: b'r',
            owner: "owner".to_owned(),
            persistence: b'p',
            access_method: Some("heap".to_owned()),
            columns: columns
                .iter()
                .zip(1..)
                .map(|(name, num)| Column {
                    num,
                    name: (*name).to_owned(),
                    type_name: "integer".to_owned(),
                    is_local: true,
                    ..Column::default()
                })
                .collect(),
            selected: true,
            ..Relation::default()
        }
    }

    /// A catalog of these schemas (given in OID order) and relations.
    pub(crate) fn catalog(namespaces: Vec<Namespace>, relations: Vec<Relation>) -> Catalog {
        Catalog {
            relation_by_oid: relations
                .iter()
                .enumerate()
                .map(|(i, r)| (r.oid, i))
                .collect(),
            namespaces,
            relations,
            ..Catalog::default()
        }
    }
}

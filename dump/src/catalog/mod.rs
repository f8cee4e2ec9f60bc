//! Reading pg_catalog into plain structs. One set-based query per object family, shaped by
//! the server version, so the number of round trips does not grow with the number of objects.

use std::collections::{HashMap, HashSet};

use tokio_postgres::{Client, Row};

use crate::acl::Acl;
use crate::error::DumpError;

pub mod aggregates;
mod indexes;
pub mod operators;
pub mod policies;
pub mod replication;
pub mod stats;
pub mod text_search;
#[cfg(test)]
pub(crate) use indexes::test_support;
pub use indexes::{Index, IndexConstraint, StatisticsExt, load_indexes};
mod acl;
pub mod base_types;
pub mod casts;
pub mod collations;
pub mod default_acl;
pub mod event_triggers;
pub mod functions;
pub mod languages;
pub use acl::{ColumnAcl, SecLabel, public_schema_base_acl};
pub mod extensions;
pub mod foreign;
pub mod tables;
pub mod transforms;
pub mod triggers;
pub mod types;
mod user_objects;
mod views;

pub use aggregates::Aggregate;
pub use base_types::{BaseType, BaseTypeDefinition, TypeDefault};
pub use casts::Cast;
pub use collations::{Collation, Conversion};
pub use default_acl::DefaultAcl;
pub use event_triggers::EventTrigger;
pub use extensions::{Extension, Member as ExtensionMember};
pub use foreign::{ForeignDataWrapper, ForeignServer, ForeignTable};
pub use functions::{Function, FunctionRef};
pub use languages::ProcLanguage;
pub use operators::{OpClass, OpFamily, Operator};
pub use policies::{Policy, PolicyCommand, RowSecurity};
pub use replication::{Publications, Subscription};
pub use tables::{CheckState, TableDetails};
pub use text_search::{AccessMethod, TsConfig, TsDict, TsParser, TsTemplate};
pub use transforms::Transform;
pub use triggers::Trigger;
pub use types::{DerivedType, TypeKind, UserType};
pub use views::{RowType, Rule, ViewInfo};

/// `pg_namespace`.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    /// Chosen for the dump by the selection options (`-n`, `-N`); every schema by default.
    pub selected: bool,
    /// pg_dump's `nsinfo->create`: CREATE SCHEMA is printed. False for `public`, which initdb
    /// creates, unless the selection options name schemas or tables.
    pub create: bool,
    pub acl: Acl,
}

/// One `pg_attribute` row of a dumped table.
#[derive(Debug, Clone, Default)]
pub struct Column {
    pub num: i16,
    pub name: String,
    /// `format_type(atttypid, atttypmod)`.
    pub type_name: String,
    pub dropped: bool,
    pub is_local: bool,
    /// `attidentity`: 'a' ALWAYS, 'd' BY DEFAULT, or none.
    pub identity: Option<u8>,
    /// `attgenerated`: 's' stored, 'v' virtual.
    pub generated: Option<u8>,
    /// The not-null constraint: `Some("")` for an unnamed/default-named one, `Some(name)` when
    /// its name must be printed, `None` when the column is nullable.
    pub not_null: Option<String>,
    pub not_null_no_inherit: bool,
    pub not_null_is_local: bool,
    /// Collation to print (qualified name) when it differs from the type's.
    pub collation: Option<String>,
    /// The default expression (`pg_get_expr(adbin)`), with its pg_attrdef oid.
    pub default: Option<AttrDefault>,
    /// Per-column settings printed after CREATE TABLE (`tables::ColumnSettings`).
    pub settings: tables::ColumnSettings,
}

#[derive(Debug, Clone)]
pub struct AttrDefault {
    pub oid: u32,
    pub expr: String,
}

/// Sequence parameters from `pg_sequence` plus the current value.
#[derive(Debug, Clone)]
pub struct SequenceInfo {
    pub type_name: String,
    pub start: i64,
    pub increment: i64,
    pub max: i64,
    pub min: i64,
    pub cache: i64,
    pub cycle: bool,
    pub last_value: Option<i64>,
    pub is_called: bool,
}

/// A relation (`pg_class`) that may be dumped: table, partitioned table, sequence, view,
/// materialized view or foreign table.
#[derive(Debug, Clone, Default)]
pub struct Relation {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub relkind: u8,
    pub owner: String,
    pub persistence: u8,
    pub reloptions: Vec<String>,
    pub toast_reloptions: Vec<String>,
    /// `""` for the database default.
    pub tablespace: String,
    pub access_method: Option<String>,
    /// For sequences owned by a column: (table oid, column number, is identity).
    pub owned_by: Option<(u32, i16, bool)>,
    pub columns: Vec<Column>,
    pub sequence: Option<SequenceInfo>,
    /// Views and materialized views: the definition and what goes with it.
    pub view: Option<ViewInfo>,
    /// Inheritance, partitioning and the properties only tables have.
    pub table: TableDetails,
    /// Chosen for the dump by the selection options (`-n`, `-N`, `-t`, `-T`); objects
    /// attached to a relation (indexes, triggers, rules, policies...) follow it.
    pub selected: bool,
    pub acl: Acl,
    /// Columns with privileges of their own, in `attnum` order.
    pub column_acls: Vec<ColumnAcl>,
    /// Pages of the relation and its TOAST table (`relpages`), pg_dump's size estimate for
    /// ordering a parallel dump's data, largest first.
    pub pages: u64,
    /// `reltuples`, the rows --progress expects; `None` when never vacuumed or analyzed (-1).
    pub tuples: Option<u64>,
}

/// A constraint dumped as its own post-data entry: a foreign key. (Index-backed constraints
/// come with their index, see `Index`.)
#[derive(Debug, Clone, Default)]
pub struct Constraint {
    pub oid: u32,
    pub table_oid: u32,
    /// The referenced table of a foreign key (0 otherwise).
    pub ref_table_oid: u32,
    /// The referenced table's index a foreign key relies on (0 otherwise).
    pub ref_index_oid: u32,
    pub name: String,
    pub contype: u8,
    /// `pg_get_constraintdef`.
    pub definition: Option<String>,
    pub deferrable: bool,
    pub deferred: bool,
    /// CHECK and NOT VALID not-null constraints: `conislocal`, `convalidated`.
    pub check: Option<CheckState>,
}

/// A `pg_description` row.
#[derive(Debug, Clone)]
pub struct Comment {
    pub classoid: u32,
    pub objoid: u32,
    pub objsubid: i32,
    pub text: String,
}

/// A `pg_depend` row, as pg_dump reads it (sub-object ids ignored).
#[derive(Debug, Clone, Copy)]
pub struct Depend {
    pub classid: u32,
    pub objid: u32,
    pub refclassid: u32,
    pub refobjid: u32,
    pub deptype: u8,
}

/// The dumped database itself (`pg_database`), for the DATABASE entries.
#[derive(Debug, Clone, Default)]
pub struct Database {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub encoding: String,
    /// 'b' builtin, 'c' libc, 'i' icu.
    pub locale_provider: u8,
    pub collate: String,
    pub ctype: String,
    pub locale: Option<String>,
    pub icu_rules: Option<String>,
    pub is_template: bool,
    pub connection_limit: i32,
    pub tablespace: String,
    pub comment: Option<String>,
    /// `ALTER DATABASE ... SET` items (`name=value`), then per-role ones as (role, item).
    pub settings: Vec<String>,
    pub role_settings: Vec<(String, String)>,
    pub acl: Acl,
}

/// A large object (`pg_largeobject_metadata`).
#[derive(Debug, Clone)]
pub struct LargeObject {
    pub oid: u32,
    pub owner: String,
    /// `lomacl` as text; objects with the same owner and ACL are grouped.
    pub acl: Option<String>,
    pub privileges: Acl,
}

/// Everything read from the catalog for one dump.
#[derive(Debug, Default)]
pub struct Catalog {
    pub database: Database,
    /// In pg_dump's order: by owner, ACL text, OID.
    pub large_objects: Vec<LargeObject>,
    pub namespaces: Vec<Namespace>,
    /// In OID order.
    pub extensions: Vec<Extension>,
    /// Objects belonging to extensions, by (classid, objid).
    pub extension_members: Vec<ExtensionMember>,
    /// Relations that belong to an extension: their extension's OID, by relation OID. Only
    /// their privileges changed since CREATE EXTENSION are dumped, and configuration tables'
    /// rows.
    pub member_relations: HashMap<u32, u32>,
    /// Schemas that belong to an extension, likewise: not created by the dump, though their
    /// contents are dumped as any schema's.
    pub member_namespaces: HashMap<u32, u32>,
    /// In OID order.
    pub foreign_data_wrappers: Vec<ForeignDataWrapper>,
    /// In OID order, with their user mappings.
    pub foreign_servers: Vec<ForeignServer>,
    /// The foreign tables among `relations`, by OID.
    pub foreign_tables: HashMap<u32, ForeignTable>,
    /// Servers whose foreign tables' rows are dumped (`--include-foreign-data`).
    pub foreign_data_servers: HashSet<u32>,
    pub relations: Vec<Relation>,
    pub constraints: Vec<Constraint>,
    /// Ordered by table OID, then name.
    pub triggers: Vec<Trigger>,
    /// Empty with `--no-policies`.
    pub row_security: RowSecurity,
    /// Empty with `--no-publications`.
    pub publications: Publications,
    /// Empty with `--no-subscriptions`, or when the user may not read them.
    pub subscriptions: Vec<Subscription>,
    /// In pg_dump's order: by table OID, then name.
    pub indexes: Vec<Index>,
    pub statistics: Vec<StatisticsExt>,
    /// Relation and column statistics, read only for `--statistics`.
    pub relation_stats: stats::Statistics,
    pub comments: Vec<Comment>,
    pub depends: Vec<Depend>,
    /// Rewrite rules of the relations, views' ON SELECT rules included, in OID order.
    pub rules: Vec<Rule>,
    /// Row types of the relations: not dumped, but dependencies pass through them.
    pub row_types: Vec<RowType>,
    /// (materialized view, materialized view it reads), for the order of REFRESH entries.
    pub matview_refs: Vec<(u32, u32)>,
    /// Tables whose data is not dumped (`--exclude-table-data`, `--no-unlogged-table-data`).
    pub data_excluded: HashSet<u32>,
    /// Extensions' configuration tables whose rows are dumped, with the condition (possibly
    /// empty) that picks them (pg_dump's processExtensionTables).
    pub extension_data: HashMap<u32, String>,
    /// pg_catalog's relations whose changed privileges are dumped (their only part that is):
    /// while pg_catalog's privileges are, unless `-T` excludes them (selectDumpableTable).
    pub catalog_privileges: HashSet<u32>,
    /// `pg_seclabels`, sorted by (classoid, objoid, objsubid).
    pub seclabels: Vec<SecLabel>,
    /// Enum, composite, range and domain types, in OID order.
    pub types: Vec<UserType>,
    /// Array and multirange types of `types`: not dumped, but dependencies pass through them.
    pub derived_types: Vec<DerivedType>,
    /// In OID order.
    pub collations: Vec<Collation>,
    pub conversions: Vec<Conversion>,
    /// Functions and procedures (not aggregates), in OID order.
    pub functions: Vec<Function>,
    /// In OID order.
    pub event_triggers: Vec<EventTrigger>,
    /// User-defined casts, by source and target type OID.
    pub casts: Vec<Cast>,
    /// Base types and undefined shell types, in OID order.
    pub base_types: Vec<BaseType>,
    /// pg_catalog's pseudo-types with privileges set, which are warned of, not dumped.
    pub pseudo_types_with_acl: Vec<String>,
    /// Procedural languages created after initdb, in OID order.
    pub languages: Vec<ProcLanguage>,
    /// By type and language OID.
    pub transforms: Vec<Transform>,
    /// pg_dump's `include_everything` (no `-n`, `-t`, `-e` or inclusion filter): objects
    /// outside schemas (event triggers, casts, languages, access methods, publications,
    /// subscriptions, global default privileges) are dumped only then.
    pub include_everything: bool,
    /// User operators, operator classes and families (extension members excluded), by OID.
    pub operators: Vec<Operator>,
    pub opclasses: Vec<OpClass>,
    pub opfamilies: Vec<OpFamily>,
    pub aggregates: Vec<Aggregate>,
    /// In OID order.
    pub default_acls: Vec<DefaultAcl>,
    /// User access methods, text search parsers, templates, dictionaries, configurations.
    pub access_methods: Vec<AccessMethod>,
    pub ts_parsers: Vec<TsParser>,
    pub ts_templates: Vec<TsTemplate>,
    pub ts_dicts: Vec<TsDict>,
    pub ts_configs: Vec<TsConfig>,
    /// `relations` by OID, so per-object lookups are not scans.
    relation_by_oid: HashMap<u32, usize>,
}

impl Catalog {
    /// pg_dump's `interesting` tables (getTables, getOwnedSeqs, flagInhTables): the dumped ones,
    /// the owners of dumped sequences and the direct parents of dumped tables. pg_dump reads the
    /// defaults and CHECK constraints of these only, so other tables' cannot order the dump
    /// through their dependencies (on functions, say), and dumps the statistics of their
    /// indexes. Indexed like `relations`.
    pub fn interesting_relations(&self) -> Vec<bool> {
        let mut interesting: Vec<bool> = self.relations.iter().map(|r| r.selected).collect();
        for rel in self.relations.iter().filter(|r| r.selected) {
            let owner = rel.owned_by.map(|(table, _, _)| table);
            for oid in owner.iter().chain(&rel.table.parents) {
                if let Some(i) = self.relation_index(*oid) {
                    interesting[i] = true;
                }
            }
        }
        interesting
    }

    /// The table a table's data is loaded into (`getRootTableInfo`): a partition's root with
    /// `--load-via-partition-root`, or when an ancestor is partitioned unsafely
    /// (`forcePartitionRootLoad`); otherwise the table itself.
    pub fn load_target<'a>(&'a self, rel: &'a Relation, via_root: bool) -> &'a Relation {
        let mut root = rel;
        let mut forced = false;
        while root.table.is_partition {
            let Some(parent) = root.table.parents.first().and_then(|p| self.relation(*p)) else {
                break;
            };
            forced |= parent.table.unsafe_partitions;
            root = parent;
        }
        if via_root || forced { root } else { rel }
    }

    /// The index in `relations` of the relation with this OID.
    pub fn relation_index(&self, oid: u32) -> Option<usize> {
        self.relation_by_oid.get(&oid).copied()
    }

    pub fn relation(&self, oid: u32) -> Option<&Relation> {
        self.relation_index(oid).map(|i| &self.relations[i])
    }

    /// The comments on one object (all its sub-objects), in `objsubid` order. `comments` is
    /// read sorted by (classoid, objoid, objsubid), so this is a binary search.
    pub fn comments_on(&self, classoid: u32, objoid: u32) -> &[Comment] {
        let key = |c: &Comment| (c.classoid, c.objoid);
        let start = self
            .comments
            .partition_point(|c| key(c) < (classoid, objoid));
        let end = self
            .comments
            .partition_point(|c| key(c) <= (classoid, objoid));
        &self.comments[start..end]
    }

    /// The schema with this OID (`namespaces` is read in OID order).
    pub fn namespace(&self, oid: u32) -> Option<&Namespace> {
        self.namespaces
            .binary_search_by_key(&oid, |n| n.oid)
            .ok()
            .map(|i| &self.namespaces[i])
    }

    fn relation_mut(&mut self, oid: u32) -> Option<&mut Relation> {
        self.relation_by_oid
            .get(&oid)
            .map(|&i| &mut self.relations[i])
    }
}

/// Catalog OIDs that pg_dump keys objects by.
pub mod classid {
    pub const PG_CLASS: u32 = 1259;
    pub const PG_NAMESPACE: u32 = 2615;
    pub const PG_CONSTRAINT: u32 = 2606;
    pub const PG_ATTRDEF: u32 = 2604;
    pub const PG_DATABASE: u32 = 1262;
    pub const PG_LARGEOBJECT: u32 = 2613;
    pub const PG_TRIGGER: u32 = 2620;
    pub const PG_POLICY: u32 = 3256;
    pub const PG_REWRITE: u32 = 2618;
    pub const PG_TYPE: u32 = 1247;
    pub const PG_STATISTIC_EXT: u32 = 3381;
    pub const PG_COLLATION: u32 = 3456;
    pub const PG_CONVERSION: u32 = 2607;
    pub const PG_PROC: u32 = 1255;
    pub const PG_EVENT_TRIGGER: u32 = 3466;
    pub const PG_OPERATOR: u32 = 2617;
    pub const PG_OPCLASS: u32 = 2616;
    pub const PG_OPFAMILY: u32 = 2753;
    pub const PG_EXTENSION: u32 = 3079;
    pub const PG_DEFAULT_ACL: u32 = 826;
    pub const PG_AM: u32 = 2601;
    pub const PG_TS_PARSER: u32 = 3601;
    pub const PG_TS_TEMPLATE: u32 = 3764;
    pub const PG_TS_DICT: u32 = 3600;
    pub const PG_TS_CONFIG: u32 = 3602;
    pub const PG_FOREIGN_DATA_WRAPPER: u32 = 2328;
    pub const PG_FOREIGN_SERVER: u32 = 1417;
    pub const PG_PUBLICATION: u32 = 6104;
    pub const PG_PUBLICATION_REL: u32 = 6106;
    pub const PG_PUBLICATION_NAMESPACE: u32 = 6237;
    pub const PG_SUBSCRIPTION: u32 = 6100;
    pub const PG_CAST: u32 = 2605;
    pub const PG_LANGUAGE: u32 = 2612;
    pub const PG_TRANSFORM: u32 = 3576;
}

/// One column of a catalog row, by position or name. A type mismatch or unexpected NULL is an
/// error naming the column, never a panic.
pub fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    idx: impl tokio_postgres::row::RowIndex + std::fmt::Display,
) -> Result<T, DumpError> {
    row.try_get(&idx).map_err(|e| {
        let label = idx.to_string();
        let name = label
            .parse::<usize>()
            .ok()
            .and_then(|n| row.columns().get(n))
            .map_or(label.as_str(), |c| c.name());
        DumpError::Catalog(format!(
            "unexpected value in catalog column {label} ({name}): {e}"
        ))
    })
}

fn text_array(row: &Row, idx: usize) -> Result<Vec<String>, DumpError> {
    Ok(get::<Option<Vec<String>>>(row, idx)?.unwrap_or_default())
}

/// A `"char"` column; `None` for the zero byte pg_catalog uses for "not set".
fn char_col(row: &Row, idx: usize) -> Result<Option<u8>, DumpError> {
    let v: i8 = get(row, idx)?;
    Ok((v != 0).then_some(v as u8))
}

/// An OID array literal for `unnest('{...}'::oid[])`, as pg_dump builds its per-table queries.
fn oid_array(oids: impl Iterator<Item = u32>) -> String {
    let list: Vec<String> = oids.map(|o| o.to_string()).collect();
    format!("{{{}}}", list.join(","))
}

/// Reads the schemas, the extensions and what belongs to them, foreign-data wrappers and
/// servers, and the relations that may be dumped: the first step, after which the caller
/// locks the tables before trusting the rest of the catalog.
pub async fn load_relations(client: &Client) -> Result<Catalog, DumpError> {
    let relations = load_relation_rows(client).await?;
    let relation_by_oid: HashMap<u32, usize> = relations
        .iter()
        .enumerate()
        .map(|(i, r)| (r.oid, i))
        .collect();
    let extension_members = extensions::load_members(client).await?;
    let member_relations = extension_members
        .iter()
        .filter(|m| m.classid == classid::PG_CLASS && relation_by_oid.contains_key(&m.objid))
        .map(|m| (m.objid, m.extension))
        .collect();
    let member_namespaces = extension_members
        .iter()
        .filter(|m| m.classid == classid::PG_NAMESPACE)
        .map(|m| (m.objid, m.extension))
        .collect();
    Ok(Catalog {
        extension_members,
        member_relations,
        member_namespaces,
        namespaces: load_namespaces(client).await?,
        extensions: extensions::load_extensions(client).await?,
        foreign_data_wrappers: foreign::load_wrappers(client).await?,
        foreign_servers: foreign::load_servers(client).await?,
        relations,
        relation_by_oid,
        ..Catalog::default()
    })
}

/// Reads the tables' inheritance, which decides (with the selection) whose indexes are read:
/// the first of the details.
pub async fn load_inheritance(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    tables::load_inheritance(client, cat).await
}

/// The tables whose indexes are dumped: the interesting relations but sequences.
pub fn index_tables(cat: &Catalog) -> Vec<u32> {
    cat.relations
        .iter()
        .zip(cat.interesting_relations())
        .filter(|(r, wanted)| r.relkind != b'S' && *wanted)
        .map(|(r, _)| r.oid)
        .collect()
}

/// Reads everything else attached to the relations, after [`load_inheritance`]: columns, defaults,
/// sequences, constraints, view definitions, rules, row types, triggers, comments and
/// dependencies; not the indexes, which the caller reads as it sees fit (see
/// [`load_indexes`]), nor row security, which `--no-policies` skips.
pub async fn load_details(
    client: &Client,
    server_version: i32,
    cat: &mut Catalog,
) -> Result<(), DumpError> {
    load_columns(client, server_version, cat).await?;
    load_defaults(client, cat).await?;
    load_sequences(client, server_version, cat).await?;
    cat.constraints = load_constraints(client, cat).await?;
    tables::load_table_details(client, server_version, cat).await?;
    views::load_views(client, cat).await?;
    cat.rules = views::load_rules(client, cat).await?;
    cat.row_types = views::load_row_types(client, cat).await?;
    cat.matview_refs = views::load_matview_refs(client, cat).await?;
    cat.foreign_tables = foreign::load_foreign_tables(client, &cat.relations).await?;
    cat.triggers = triggers::load_triggers(client, server_version, &cat.relations).await?;
    cat.statistics = indexes::load_statistics(client, cat).await?;
    (cat.types, cat.derived_types) = types::load_types(client).await?;
    types::load_type_details(client, server_version, &mut cat.types).await?;
    cat.collations = collations::load_collations(client, server_version).await?;
    cat.conversions = collations::load_conversions(client).await?;
    operators::load_operators(client, cat).await?;
    cat.aggregates = aggregates::load_aggregates(client).await?;
    cat.default_acls = default_acl::load_default_acls(client).await?;
    text_search::load_text_search(client, cat).await?;
    cat.comments = load_comments(client).await?;
    cat.depends = load_depends(client).await?;
    cat.functions = functions::load_functions(client).await?;
    cat.event_triggers = event_triggers::load_event_triggers(client).await?;
    cat.casts = casts::load_casts(client).await?;
    cat.base_types = base_types::load_base_types(client).await?;
    cat.pseudo_types_with_acl = base_types::load_pseudo_types_with_acl(client).await?;
    cat.languages = languages::load_languages(client).await?;
    cat.transforms = transforms::load_transforms(client).await?;
    cat.database = load_database(client, server_version).await?;
    acl::load_privileges(client, cat).await?;
    Ok(())
}

/// Reads the large objects, ordered as pg_dump groups them.
pub async fn load_large_objects(client: &Client) -> Result<Vec<LargeObject>, DumpError> {
    let rows = client
        .query(
            "SELECT oid, pg_catalog.pg_get_userbyid(lomowner)::text, lomacl::text, \
                    lomacl::text[], pg_catalog.acldefault('L', lomowner)::text[] \
             FROM pg_catalog.pg_largeobject_metadata \
             ORDER BY lomowner, lomacl::pg_catalog.text, oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading large objects"))?;
    rows.iter()
        .map(|r| {
            Ok(LargeObject {
                oid: get(r, 0)?,
                owner: get(r, 1)?,
                acl: get(r, 2)?,
                privileges: Acl {
                    acl: get(r, 3)?,
                    default: text_array(r, 4)?,
                    init: None,
                },
            })
        })
        .collect()
}

async fn load_database(client: &Client, server_version: i32) -> Result<Database, DumpError> {
    let locale = match server_version {
        170000.. => "datlocprovider, datlocale",
        150000.. => "datlocprovider, daticulocale",
        _ => "'c'::\"char\", NULL::text",
    };
    let rules = if server_version >= 160000 {
        "daticurules"
    } else {
        "NULL::text"
    };
    let sql = format!(
        "SELECT oid, datname::text, pg_catalog.pg_get_userbyid(datdba)::text, \
                pg_catalog.pg_encoding_to_char(encoding)::text, {locale}, datcollate::text, \
                datctype::text, {rules}, datistemplate, datconnlimit, \
                coalesce((SELECT spcname::text FROM pg_catalog.pg_tablespace t \
                          WHERE t.oid = dattablespace), ''), \
                pg_catalog.shobj_description(oid, 'pg_database') \
         FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()"
    );
    let row = client
        .query_one(&sql, &[])
        .await
        .map_err(DumpError::query("reading the database"))?;
    let r = &row;
    let mut db = Database {
        oid: get(r, 0)?,
        name: get(r, 1)?,
        owner: get(r, 2)?,
        encoding: get(r, 3)?,
        locale_provider: get::<i8>(r, 4)? as u8,
        locale: get(r, 5)?,
        collate: get(r, 6)?,
        ctype: get(r, 7)?,
        icu_rules: get(r, 8)?,
        is_template: get(r, 9)?,
        connection_limit: get(r, 10)?,
        tablespace: get(r, 11)?,
        comment: get(r, 12)?,
        ..Database::default()
    };
    // Upstream's two queries, word for word: the per-role query has no ORDER BY, so only the
    // same text (and so the same plan) lists the roles in the same order.
    let oid = db.oid;
    let rows = client
        .query(
            &format!(
                "SELECT unnest(setconfig) FROM pg_db_role_setting \
                 WHERE setrole = 0 AND setdatabase = '{oid}'::oid"
            ),
            &[],
        )
        .await
        .map_err(DumpError::query("reading the database's settings"))?;
    for r in &rows {
        db.settings.push(get(r, 0)?);
    }
    let rows = client
        .query(
            &format!(
                "SELECT rolname, unnest(setconfig) \
                 FROM pg_db_role_setting s, pg_roles r \
                 WHERE setrole = r.oid AND setdatabase = '{oid}'::oid"
            ),
            &[],
        )
        .await
        .map_err(DumpError::query(
            "reading the roles' settings in the database",
        ))?;
    for r in &rows {
        db.role_settings.push((get(r, 0)?, get(r, 1)?));
    }
    Ok(db)
}

async fn load_namespaces(client: &Client) -> Result<Vec<Namespace>, DumpError> {
    let rows = client
        .query(
            "SELECT n.oid, n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text \
             FROM pg_catalog.pg_namespace n ORDER BY n.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading schemas"))?;
    rows.iter()
        .map(|r| {
            let name: String = get(r, 1)?;
            Ok(Namespace {
                oid: get(r, 0)?,
                create: name != "public",
                name,
                owner: get(r, 2)?,
                selected: true,
                acl: Acl::default(),
            })
        })
        .collect()
}

/// Whether objects in this schema are user objects that pg_dump considers at all.
pub fn is_system_schema(name: &str) -> bool {
    name == "pg_catalog"
        || name == "information_schema"
        || name.starts_with("pg_toast")
        || name.starts_with("pg_temp_")
}

/// The relations outside the system schemas, and pg_catalog's whose own or columns'
/// privileges were changed since initdb: pg_dump dumps those privileges (and nothing else of
/// them), and comparing here keeps the other catalogs out of every later query.
async fn load_relation_rows(client: &Client) -> Result<Vec<Relation>, DumpError> {
    let rows = client
        .query(
            "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind, \
                    pg_catalog.pg_get_userbyid(c.relowner)::text, c.relpersistence, \
                    c.reloptions::text[], tc.reloptions::text[], \
                    coalesce((SELECT spcname::text FROM pg_catalog.pg_tablespace t \
                              WHERE t.oid = c.reltablespace), ''), \
                    am.amname::text, d.refobjid, d.refobjsubid::int2, d.deptype, \
                    c.relpages::int8 + coalesce(tc.relpages, 0)::int8, c.reltuples::float8 \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid \
             LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam \
             LEFT JOIN pg_catalog.pg_depend d ON c.relkind = 'S' \
                  AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid \
                  AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                  AND d.deptype IN ('a', 'i') \
             LEFT JOIN pg_catalog.pg_init_privs pip ON pip.objoid = c.oid \
                  AND pip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND pip.objsubid = 0 \
             WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f') \
               AND ((n.nspname <> 'information_schema' AND n.nspname !~ '^pg_') \
                    OR (n.nspname = 'pg_catalog' AND (c.relacl IS DISTINCT FROM pip.initprivs \
                        OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a \
                            LEFT JOIN pg_catalog.pg_init_privs aip ON aip.objoid = a.attrelid \
                                 AND aip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                                 AND aip.objsubid = a.attnum \
                            WHERE a.attrelid = c.oid AND NOT a.attisdropped \
                              AND a.attacl IS DISTINCT FROM aip.initprivs)))) \
             ORDER BY c.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading tables"))?;
    rows.iter()
        .map(|r| {
            let relkind: i8 = get(r, 3)?;
            let persistence: i8 = get(r, 5)?;
            let owned_by = match get::<Option<u32>>(r, 10)? {
                Some(tab) => Some((tab, get::<i16>(r, 11)?, get::<i8>(r, 12)? as u8 == b'i')),
                None => None,
            };
            Ok(Relation {
                oid: get(r, 0)?,
                schema: get(r, 1)?,
                name: get(r, 2)?,
                relkind: relkind as u8,
                owner: get(r, 4)?,
                persistence: persistence as u8,
                reloptions: text_array(r, 6)?,
                toast_reloptions: text_array(r, 7)?,
                tablespace: get(r, 8)?,
                access_method: get(r, 9)?,
                owned_by,
                columns: Vec::new(),
                sequence: None,
                view: None,
                table: TableDetails::default(),
                selected: true,
                acl: Acl::default(),
                column_acls: Vec::new(),
                pages: u64::try_from(get::<i64>(r, 13)?).unwrap_or(0),
                tuples: Some(get::<f64>(r, 14)?)
                    .filter(|&t| t >= 0.0)
                    .map(|t| t as u64),
            })
        })
        .collect()
}

async fn load_columns(
    client: &Client,
    server_version: i32,
    cat: &mut Catalog,
) -> Result<(), DumpError> {
    let relations = &cat.relations;
    let tables = oid_array(
        relations
            .iter()
            .filter(|r| r.relkind != b'S')
            .map(|r| r.oid),
    );
    let not_null = if server_version >= 180000 {
        "co.conname::text AS notnull_name, coalesce(co.connoinherit, false), coalesce(co.conislocal, false), \
         CASE WHEN co.convalidated THEN pt.description END AS notnull_comment, \
         (co.oid IS NOT NULL AND NOT co.convalidated) AS notnull_invalid"
    } else {
        "CASE WHEN a.attnotnull THEN '' ELSE NULL END AS notnull_name, false, \
         (a.attislocal OR a.attnotnull), NULL::text, false"
    };
    let settings = tables::column_settings_sql(server_version);
    let not_null_join = if server_version >= 180000 {
        "LEFT JOIN pg_catalog.pg_constraint co ON (a.attrelid = co.conrelid \
            AND co.contype = 'n' AND co.conkey = array[a.attnum]) \
         LEFT JOIN pg_catalog.pg_description pt ON \
            (pt.classoid = co.tableoid AND pt.objoid = co.oid)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT a.attrelid, a.attnum, a.attname::text, \
                pg_catalog.format_type(t.oid, a.atttypmod), a.attisdropped, a.attislocal, \
                a.attidentity, a.attgenerated, \
                CASE WHEN a.attcollation <> t.typcollation THEN \
                    (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || \
                            pg_catalog.quote_ident(cl.collname) \
                     FROM pg_catalog.pg_collation cl \
                     JOIN pg_catalog.pg_namespace cn ON cn.oid = cl.collnamespace \
                     WHERE cl.oid = a.attcollation) END, \
                {not_null}, {settings} \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_attribute a ON (src.tbloid = a.attrelid) \
         LEFT JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) \
         {not_null_join} \
         WHERE a.attnum > 0::pg_catalog.int2 \
         ORDER BY a.attrelid, a.attnum"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading table columns"))?;
    for r in &rows {
        let Some(rel) = cat.relation_mut(get::<u32>(r, 0)?) else {
            continue;
        };
        let name: String = get(r, 2)?;
        let notnull_name: Option<String> = get(r, 9)?;
        let comment: Option<String> = get(r, 12)?;
        let commented = comment.is_some();
        let invalid: bool = get(r, 13)?;
        // Upstream prints a not-null constraint's name only when it is not the default one
        // (or carries a comment); NOT VALID ones are dumped separately.
        let not_null = match notnull_name {
            _ if invalid => None,
            Some(n) if server_version >= 180000 && !commented => {
                if n == format!("{}_{}_not_null", rel.name, name) {
                    Some(String::new())
                } else {
                    Some(n)
                }
            }
            other => other,
        };
        rel.columns.push(Column {
            num: get(r, 1)?,
            name,
            type_name: get::<Option<String>>(r, 3)?.unwrap_or_default(),
            dropped: get(r, 4)?,
            is_local: get(r, 5)?,
            identity: char_col(r, 6)?,
            generated: char_col(r, 7)?,
            collation: get(r, 8)?,
            not_null,
            not_null_no_inherit: get(r, 10)?,
            not_null_is_local: get(r, 11)?,
            default: None,
            settings: tables::column_settings(r, 14, comment, invalid)?,
        });
    }
    Ok(())
}

async fn load_defaults(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    let relations = &cat.relations;
    let tables = oid_array(
        relations
            .iter()
            .filter(|r| r.relkind != b'S')
            .map(|r| r.oid),
    );
    let sql = format!(
        "SELECT a.oid, adrelid, adnum, pg_catalog.pg_get_expr(adbin, adrelid) AS adsrc \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_attrdef a ON (src.tbloid = a.adrelid) \
         ORDER BY a.adrelid, a.adnum"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading column defaults"))?;
    for r in &rows {
        let relid: u32 = get(r, 1)?;
        let num: i16 = get(r, 2)?;
        let Some(rel) = cat.relation_mut(relid) else {
            continue;
        };
        if let Some(col) = rel.columns.iter_mut().find(|c| c.num == num && !c.dropped) {
            col.default = Some(AttrDefault {
                oid: get(r, 0)?,
                expr: get(r, 3)?,
            });
        }
    }
    Ok(())
}

async fn load_sequences(
    client: &Client,
    server_version: i32,
    cat: &mut Catalog,
) -> Result<(), DumpError> {
    let relations = &cat.relations;
    let seqs: Vec<(u32, String)> = relations
        .iter()
        // Only dumped sequences: reading another's value may not even be allowed.
        .filter(|r| r.relkind == b'S' && (r.selected || cat.extension_data.contains_key(&r.oid)))
        .map(|r| (r.oid, tusk_format::quote::qualified(&r.schema, &r.name)))
        .collect();
    if seqs.is_empty() {
        return Ok(());
    }
    let values = if server_version >= 180000 {
        "SELECT seqrelid AS oid, last_value, is_called \
         FROM pg_catalog.pg_sequence, pg_catalog.pg_get_sequence_data(seqrelid)"
            .to_owned()
    } else {
        // Before 18 the current value lives in each sequence relation: one UNION ALL query
        // instead of a round trip per sequence.
        seqs.iter()
            .map(|(oid, name)| {
                format!("SELECT {oid}::pg_catalog.oid AS oid, last_value, is_called FROM {name}")
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    let sql = format!(
        "SELECT s.seqrelid, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
                s.seqmax, s.seqmin, s.seqcache, s.seqcycle, v.last_value, v.is_called \
         FROM pg_catalog.pg_sequence s LEFT JOIN ({values}) v ON v.oid = s.seqrelid \
         WHERE s.seqrelid = ANY('{}'::pg_catalog.oid[])",
        oid_array(seqs.iter().map(|(oid, _)| *oid))
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading sequences"))?;
    for r in &rows {
        let oid: u32 = get(r, 0)?;
        if let Some(rel) = cat.relation_mut(oid) {
            rel.sequence = Some(SequenceInfo {
                type_name: get(r, 1)?,
                start: get(r, 2)?,
                increment: get(r, 3)?,
                max: get(r, 4)?,
                min: get(r, 5)?,
                cache: get(r, 6)?,
                cycle: get(r, 7)?,
                last_value: get(r, 8)?,
                is_called: get::<Option<bool>>(r, 9)?.unwrap_or(false),
            });
        }
    }
    Ok(())
}

async fn load_constraints(client: &Client, cat: &Catalog) -> Result<Vec<Constraint>, DumpError> {
    // The interesting tables' (getConstraints), and extension configuration tables', whose
    // foreign keys order their data (processExtensionTables). Not the others: they are not
    // locked, and pg_get_constraintdef of a constraint whose table another session drops
    // meanwhile fails.
    let tables = oid_array(
        cat.relations
            .iter()
            .zip(cat.interesting_relations())
            .filter(|(r, wanted)| {
                r.relkind != b'S' && (*wanted || cat.extension_data.contains_key(&r.oid))
            })
            .map(|(r, _)| r.oid),
    );
    // A partition's copy of its parent's foreign key comes with the parent's.
    let sql = format!(
        "SELECT c.oid, c.conrelid, c.conname::text, c.contype, c.condeferrable, c.condeferred, \
                pg_catalog.pg_get_constraintdef(c.oid), c.confrelid, c.conindid \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_constraint c ON c.conrelid = src.tbloid \
         WHERE c.contype = 'f' AND c.conparentid = 0 \
         ORDER BY c.conrelid, c.conname"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading constraints"))?;
    rows.iter()
        .map(|r| {
            Ok(Constraint {
                oid: get(r, 0)?,
                table_oid: get(r, 1)?,
                name: get(r, 2)?,
                contype: get::<i8>(r, 3)? as u8,
                deferrable: get(r, 4)?,
                deferred: get(r, 5)?,
                definition: get(r, 6)?,
                ref_table_oid: get(r, 7)?,
                ref_index_oid: get(r, 8)?,
                check: None,
            })
        })
        .collect()
}

async fn load_comments(client: &Client) -> Result<Vec<Comment>, DumpError> {
    let rows = client
        .query(
            "SELECT description, classoid, objoid, objsubid FROM pg_catalog.pg_description \
             ORDER BY classoid, objoid, objsubid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading comments"))?;
    rows.iter()
        .map(|r| {
            Ok(Comment {
                text: get(r, 0)?,
                classoid: get(r, 1)?,
                objoid: get(r, 2)?,
                objsubid: get(r, 3)?,
            })
        })
        .collect()
}

async fn load_depends(client: &Client) -> Result<Vec<Depend>, DumpError> {
    // The same query text as pg_dump's getDependencies, so the server returns rows of one
    // object in the same order and dependency lists come out the same.
    let rows = client
        .query(
            "SELECT classid, objid, refclassid, refobjid, deptype FROM pg_depend \
             WHERE deptype != 'p' AND deptype != 'e'\n\
             UNION ALL\n\
             SELECT 'pg_opfamily'::regclass AS classid, amopfamily AS objid, refclassid, refobjid, deptype \
             FROM pg_depend d, pg_amop o \
             WHERE deptype NOT IN ('p', 'e', 'i') AND \
             classid = 'pg_amop'::regclass AND objid = o.oid \
             AND NOT (refclassid = 'pg_opfamily'::regclass AND amopfamily = refobjid)\n\
             UNION ALL\n\
             SELECT 'pg_opfamily'::regclass AS classid, amprocfamily AS objid, refclassid, refobjid, deptype \
             FROM pg_depend d, pg_amproc p \
             WHERE deptype NOT IN ('p', 'e', 'i') AND \
             classid = 'pg_amproc'::regclass AND objid = p.oid \
             AND NOT (refclassid = 'pg_opfamily'::regclass AND amprocfamily = refobjid)\n\
             ORDER BY 1,2",
            &[],
        )
        .await
        .map_err(DumpError::query("reading dependency data"))?;
    rows.iter()
        .map(|r| {
            Ok(Depend {
                classid: get(r, 0)?,
                objid: get(r, 1)?,
                refclassid: get(r, 2)?,
                refobjid: get(r, 3)?,
                deptype: get::<i8>(r, 4)? as u8,
            })
        })
        .collect()
}

//! The dumpable objects (pg_dump's `DumpableObject`s) built from the catalog: each with a dump
//! id, a kind that decides its sort priority, a name, and dependencies from pg_depend plus the
//! ones pg_dump adds itself.

use std::collections::HashMap;

use tusk_format::quote::ident;
use tusk_format::{CatalogId, DumpId};

use crate::catalog::{Catalog, classid, is_system_schema};

mod base_types;
mod indexes;
mod operators;
mod stats;
mod types;

/// pg_dump's `DumpableObjectType`, in its order: the declaration order is the tie-breaker
/// after the name in `DOTypeNameCompare`, so it must not be rearranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    Namespace,
    Extension,
    Type,
    ShellType,
    Func,
    Agg,
    Operator,
    AccessMethod,
    OpClass,
    OpFamily,
    Collation,
    Conversion,
    /// Tables, views, materialized views, sequences, foreign tables.
    Table,
    /// `ALTER TABLE ... ATTACH PARTITION` of a partition.
    TableAttach,
    AttrDef,
    Index,
    /// `ALTER INDEX ... ATTACH PARTITION` of a partition's index.
    IndexAttach,
    StatsExt,
    Rule,
    Trigger,
    Constraint,
    FkConstraint,
    ProcLang,
    Cast,
    TableData,
    SequenceSet,
    DummyType,
    TsParser,
    TsDict,
    TsTemplate,
    TsConfig,
    Fdw,
    ForeignServer,
    DefaultAcl,
    Transform,
    /// Large objects' metadata: a group (1.16 layout) or one object (older layouts).
    LargeObject,
    /// Large objects' contents: one BLOBS entry per group, or one for all.
    LargeObjectData,
    PreDataBoundary,
    PostDataBoundary,
    EventTrigger,
    RefreshMatView,
    Policy,
    Publication,
    PublicationRel,
    PublicationTableInSchema,
    RelStats,
    Subscription,
    SubscriptionRel,
}

impl ObjectKind {
    /// `dbObjectTypePriority` of pg_dump_sort.c (PostgreSQL 18).
    pub fn priority(self) -> u8 {
        use ObjectKind::*;
        match self {
            Namespace => 1,
            ProcLang => 2,
            Collation => 3,
            Transform => 4,
            Extension => 5,
            Type | ShellType => 6,
            Cast => 7,
            Func => 8,
            Agg => 9,
            AccessMethod => 10,
            Operator => 11,
            OpFamily | OpClass => 12,
            Conversion => 13,
            TsParser => 14,
            TsTemplate => 15,
            TsDict => 16,
            TsConfig => 17,
            Fdw => 18,
            ForeignServer => 19,
            Table => 20,
            TableAttach => 21,
            DummyType => 22,
            AttrDef => 23,
            PreDataBoundary => 24,
            TableData => 25,
            SequenceSet => 26,
            LargeObject => 27,
            LargeObjectData => 28,
            RelStats => 29,
            PostDataBoundary => 30,
            Constraint => 31,
            Index => 32,
            IndexAttach => 33,
            StatsExt => 34,
            Rule => 35,
            Trigger => 36,
            FkConstraint => 37,
            Policy => 38,
            Publication => 39,
            PublicationRel => 40,
            PublicationTableInSchema => 41,
            Subscription => 42,
            SubscriptionRel => 43,
            DefaultAcl => 44,
            EventTrigger => 45,
            RefreshMatView => 46,
        }
    }

    /// Position in pg_dump's `DumpableObjectType` enum.
    fn type_order(self) -> u8 {
        self as u8
    }
}

/// What catalog item an object stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Namespace(usize),
    Extension(usize),
    ForeignDataWrapper(usize),
    ForeignServer(usize),
    /// Indexes into `Catalog::publications`' publications, tables and schemas.
    Publication(usize),
    PublicationTable(usize),
    PublicationSchema(usize),
    Subscription(usize),
    Relation(usize),
    /// (relation index, column index)
    Column(usize, usize),
    Constraint(usize),
    Trigger(usize),
    /// An index into `Catalog::row_security.policies`. (A table's ROW SECURITY entry is a
    /// `Policy` object with `Subject::Relation`, as pg_dump makes it a PolicyInfo.)
    Policy(usize),
    /// A rewrite rule (index in `Catalog::rules`).
    Rule(usize),
    /// An index, or the constraint it implements: `Catalog::indexes[i]`.
    Index(usize),
    /// A partition's index attached to its parent's: (partition index, parent index).
    IndexAttach(usize, usize),
    StatisticsExt(usize),
    /// Indexes into `Catalog::aggregates`, `operators`, `opclasses`, `opfamilies`.
    Aggregate(usize),
    Operator(usize),
    OpClass(usize),
    OpFamily(usize),
    /// Indexes into `Catalog::access_methods`, `ts_parsers`, `ts_templates`, `ts_dicts`,
    /// `ts_configs`.
    AccessMethod(usize),
    TsParser(usize),
    TsTemplate(usize),
    TsDict(usize),
    TsConfig(usize),
    /// A range of `Catalog::large_objects`.
    LargeObjects(usize, usize),
    /// A type (`Catalog::types[i]`), or an array or multirange type derived from it.
    Type(usize),
    /// (type index, constraint index) of a domain's constraint.
    DomainConstraint(usize, usize),
    Collation(usize),
    Conversion(usize),
    /// A function or procedure (index in `Catalog::functions`).
    Function(usize),
    EventTrigger(usize),
    DefaultAcl(usize),
    /// A relation's or index's statistics: `Catalog::relation_stats.relations[i]`.
    RelStats(usize),
    Cast(usize),
    /// A base type or undefined shell type (index in `Catalog::base_types`), or its array.
    BaseType(usize),
    /// The shell a base type's I/O functions are created with, dumped only when the sort
    /// finds them in a loop with the type.
    ShellType(usize),
    Language(usize),
    Transform(usize),
    None,
}

#[derive(Debug, Clone)]
pub struct DumpObject {
    pub id: DumpId,
    pub kind: ObjectKind,
    pub catalog_id: CatalogId,
    pub name: String,
    pub namespace: Option<String>,
    pub deps: Vec<DumpId>,
    pub subject: Subject,
    /// Printed as its own entry rather than inside its table's (or view's) definition:
    /// defaults and CHECK constraints moved out by the sort to break a dependency loop, view
    /// rules split off, and index-backed and foreign-key constraints, which always are.
    /// On a materialized view or a function: its definition is postponed to post-data.
    pub separate: bool,
    /// Tie-breakers of `DOTypeNameCompare`: `adnum` for defaults, `collencoding` for
    /// collations, the number of arguments for functions and aggregates and the negated
    /// `oprkind` for operators, the table name for constraints, rules, triggers and policies
    /// (domain constraints first, with `sort_num` -1 and the domain's name), the access
    /// method's for operator classes and families, the role for default privileges.
    pub sort_num: i32,
    pub sort_table: String,
    /// Last tie-breaker of functions, aggregates and operators: (schema, name) of each
    /// argument type (`pgTypeNameCompare`).
    pub sort_args: Vec<(String, String)>,
    /// For a CHECK constraint: its table's dump id, for the loop repairs of the sort.
    pub check_of: Option<DumpId>,
    /// Whether the object is dumped. Objects that are not stay in the graph, as in pg_dump,
    /// so dependencies through them still order the rest.
    pub dump: bool,
}

/// All objects of a dump, indexable by dump id.
#[derive(Debug, Default)]
pub struct ObjectGraph {
    pub objects: Vec<DumpObject>,
    by_id: HashMap<DumpId, usize>,
}

impl ObjectGraph {
    pub fn get(&self, id: DumpId) -> Option<&DumpObject> {
        self.by_id.get(&id).map(|&i| &self.objects[i])
    }

    pub fn get_mut(&mut self, id: DumpId) -> Option<&mut DumpObject> {
        self.by_id.get(&id).map(|&i| &mut self.objects[i])
    }

    pub fn max_id(&self) -> DumpId {
        self.objects.iter().map(|o| o.id).max().unwrap_or(0)
    }

    fn push(&mut self, mut obj: DumpObject) -> DumpId {
        obj.id = DumpId::try_from(self.objects.len() + 1).unwrap_or(DumpId::MAX);
        let id = obj.id;
        self.by_id.insert(id, self.objects.len());
        self.objects.push(obj);
        id
    }

    /// Rebuilds the id index after the object list was reordered.
    pub fn reindex(&mut self) {
        self.by_id = self
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id, i))
            .collect();
    }
}

fn object(
    kind: ObjectKind,
    catalog_id: CatalogId,
    name: &str,
    namespace: Option<&str>,
    subject: Subject,
) -> DumpObject {
    DumpObject {
        id: 0,
        kind,
        catalog_id,
        name: name.to_owned(),
        namespace: namespace.map(str::to_owned),
        deps: Vec::new(),
        subject,
        separate: false,
        sort_num: 0,
        sort_table: String::new(),
        sort_args: Vec::new(),
        check_of: None,
        dump: true,
    }
}

/// Which parts of the dump are wanted, as far as building objects is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub schema: bool,
    pub data: bool,
    /// Sequence values without the rest of the data (`--sequence-data` with the data off).
    pub sequence_data: bool,
    /// Large objects, and in which archive layout.
    pub large_objects: Option<LoLayout>,
}

/// How large objects appear in the TOC, which depends on the archive version written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoLayout {
    /// Archives 1.12–1.15 (pg_dump ≤ 16): a BLOB entry per object, one BLOBS entry for all.
    PerObject,
    /// Archive 1.16 (pg_dump 17+) and plain output: BLOB METADATA + BLOBS per group of at most
    /// 1000 objects sharing owner and ACL.
    Grouped,
}

/// pg_dump's MAX_BLOBS_PER_ARCHIVE_ENTRY.
const MAX_LOS_PER_GROUP: usize = 1000;

/// Builds the objects in the order pg_dump assigns dump ids (tables, defaults, indexes and
/// their constraints, foreign keys, table data), then the dependencies.
pub fn build(cat: &Catalog, wanted: Wanted) -> ObjectGraph {
    let mut g = ObjectGraph::default();
    let mut by_catalog: HashMap<(u32, u32), DumpId> = HashMap::new();

    // pg_dump reads extensions first (getSchemaData), so they take the first dump ids.
    let mut extension_ids = Vec::with_capacity(cat.extensions.len());
    for (i, ext) in cat.extensions.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_EXTENSION,
            oid: ext.oid,
        };
        let id = g.push(object(
            ObjectKind::Extension,
            cid,
            &ext.name,
            None,
            Subject::Extension(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
        extension_ids.push(id);
    }
    for (i, ns) in cat.namespaces.iter().enumerate() {
        // pg_catalog is kept for its privileges, which pg_dump dumps when changed.
        if is_system_schema(&ns.name) && ns.name != "pg_catalog" {
            continue;
        }
        let cid = CatalogId {
            tableoid: classid::PG_NAMESPACE,
            oid: ns.oid,
        };
        let id = g.push(object(
            ObjectKind::Namespace,
            cid,
            &ns.name,
            None,
            Subject::Namespace(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    types::add_types(&mut g, cat, &mut by_catalog);
    types::add_collations_and_conversions(&mut g, cat, &mut by_catalog);
    let mut table_ids = Vec::with_capacity(cat.relations.len());
    for (i, rel) in cat.relations.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_CLASS,
            oid: rel.oid,
        };
        let id = g.push(object(
            ObjectKind::Table,
            cid,
            &rel.name,
            Some(&rel.schema),
            Subject::Relation(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
        table_ids.push(id);
        stats::push_stats(&mut g, cat, rel.oid, id);
    }
    for (i, f) in cat.functions.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_PROC,
            oid: f.oid,
        };
        let mut obj = object(
            ObjectKind::Func,
            cid,
            &f.name,
            Some(&f.schema),
            Subject::Function(i),
        );
        obj.sort_num = i32::try_from(f.arg_type_keys.len()).unwrap_or(i32::MAX);
        obj.sort_args = f.arg_type_keys.clone();
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    // A member relation depends on its extension (pg_dump's checkExtensionMembership).
    for (i, rel) in cat.relations.iter().enumerate() {
        let ext = cat.member_relations.get(&rel.oid);
        let ext_id = ext.and_then(|e| cat.extensions.iter().position(|x| x.oid == *e));
        if let (Some(e), Some(t)) = (ext_id, g.get_mut(table_ids[i])) {
            t.deps.push(extension_ids[e]);
        }
    }
    base_types::add_base_types(&mut g, cat, &mut by_catalog);
    // Row types are pg_dump's dummy types: never printed, but a default that casts to a
    // view's row type depends on the view through them.
    for rt in &cat.row_types {
        let Some(i) = cat.relation_index(rt.relation_oid) else {
            continue;
        };
        let schema = &cat.relations[i].schema;
        let types =
            std::iter::once((rt.oid, &rt.name)).chain(rt.array.iter().map(|(o, n)| (*o, n)));
        for (oid, name) in types {
            let cid = CatalogId {
                tableoid: classid::PG_TYPE,
                oid,
            };
            let id = g.push(object(
                ObjectKind::DummyType,
                cid,
                name,
                Some(schema),
                Subject::Relation(i),
            ));
            by_catalog.insert((cid.tableoid, cid.oid), id);
        }
    }
    operators::add_operators(&mut g, cat, &mut by_catalog);
    // Dump ids in getSchemaData's order: tables, functions, types, languages, ..., casts,
    // transforms, event triggers.
    for (i, lang) in cat.languages.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_LANGUAGE,
            oid: lang.oid,
        };
        let id = g.push(object(
            ObjectKind::ProcLang,
            cid,
            &lang.name,
            None,
            Subject::Language(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, cast) in cat.casts.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_CAST,
            oid: cast.oid,
        };
        let id = g.push(object(
            ObjectKind::Cast,
            cid,
            &cast.sort_name,
            None,
            Subject::Cast(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, trf) in cat.transforms.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_TRANSFORM,
            oid: trf.oid,
        };
        let name = format!("{} {}", trf.type_sort_name, ident(&trf.language));
        let id = g.push(object(
            ObjectKind::Transform,
            cid,
            &name,
            None,
            Subject::Transform(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, et) in cat.event_triggers.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_EVENT_TRIGGER,
            oid: et.oid,
        };
        let id = g.push(object(
            ObjectKind::EventTrigger,
            cid,
            &et.name,
            None,
            Subject::EventTrigger(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, w) in cat.foreign_data_wrappers.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_FOREIGN_DATA_WRAPPER,
            oid: w.oid,
        };
        let id = g.push(object(
            ObjectKind::Fdw,
            cid,
            &w.name,
            None,
            Subject::ForeignDataWrapper(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, s) in cat.foreign_servers.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_FOREIGN_SERVER,
            oid: s.oid,
        };
        let id = g.push(object(
            ObjectKind::ForeignServer,
            cid,
            &s.name,
            None,
            Subject::ForeignServer(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for i in 0..cat.relations.len() {
        if let Some(attach) = partition_attach(cat, i, &table_ids) {
            g.push(attach);
        }
    }
    let interesting = cat.interesting_relations();
    for (i, rel) in cat.relations.iter().enumerate() {
        if !interesting[i] {
            continue;
        }
        for (j, col) in rel.columns.iter().enumerate() {
            let Some(def) = &col.default else { continue };
            // A made-up `DEFAULT NULL` (flagInhAttrs) has no catalog identity.
            let cid = CatalogId {
                tableoid: if def.oid == 0 { 0 } else { classid::PG_ATTRDEF },
                oid: def.oid,
            };
            let mut obj = object(
                ObjectKind::AttrDef,
                cid,
                &rel.name,
                Some(&rel.schema),
                Subject::Column(i, j),
            );
            obj.sort_num = i32::from(col.num);
            // CREATE VIEW has no place for defaults: a view's are always ALTER TABLE entries.
            // A column CREATE TABLE leaves out (inherited) gets its default afterwards.
            obj.separate =
                rel.relkind == b'v' || (col.generated.is_none() && !rel.prints_column(col));
            if obj.separate && def.oid == 0 {
                obj.deps.push(table_ids[i]);
            }
            let separate = obj.separate;
            let id = g.push(obj);
            if def.oid != 0 {
                by_catalog.insert((cid.tableoid, cid.oid), id);
            }
            // Until the sort decides otherwise, a default is printed inside CREATE TABLE, so
            // the table needs it first (pg_dump's getTableAttrs). A made-up NULL needs nothing.
            if !separate && def.oid != 0 {
                if let Some(t) = g.get_mut(table_ids[i]) {
                    t.deps.push(id);
                }
            }
        }
    }
    for (i, con) in cat
        .constraints
        .iter()
        .enumerate()
        .filter(|(_, c)| c.contype != b'f')
    {
        let Some(rel) = cat
            .relation_index(con.table_oid)
            .filter(|&r| interesting[r])
        else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_CONSTRAINT,
            oid: con.oid,
        };
        let rel_ = &cat.relations[rel];
        let mut obj = object(
            ObjectKind::Constraint,
            cid,
            &con.name,
            Some(&rel_.schema),
            Subject::Constraint(i),
        );
        obj.sort_table = rel_.name.clone();
        // A valid CHECK constraint is printed inside CREATE TABLE, so the table needs it first
        // (its own dependencies come before the table); the sort may move it out.
        obj.separate = con.contype != b'c' || con.check.is_some_and(|c| !c.validated);
        if con.contype == b'c' {
            obj.check_of = Some(table_ids[rel]);
        }
        let separate = obj.separate;
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
        if !separate {
            if let Some(t) = g.get_mut(table_ids[rel]) {
                t.deps.push(id);
            }
        }
    }
    let index_objects = indexes::add_indexes(&mut g, cat, &mut by_catalog);
    for (i, con) in cat
        .constraints
        .iter()
        .enumerate()
        .filter(|(_, c)| c.contype == b'f')
    {
        let Some(rel) = cat.relation(con.table_oid) else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_CONSTRAINT,
            oid: con.oid,
        };
        let mut obj = object(
            ObjectKind::FkConstraint,
            cid,
            &con.name,
            Some(&rel.schema),
            Subject::Constraint(i),
        );
        obj.sort_table = rel.name.clone();
        obj.separate = true;
        obj.deps
            .extend(index_objects.attaches_below(con.ref_index_oid));
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, tg) in cat.triggers.iter().enumerate() {
        let Some(rel) = cat.relation(tg.table_oid) else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_TRIGGER,
            oid: tg.oid,
        };
        let mut obj = object(
            ObjectKind::Trigger,
            cid,
            &tg.name,
            Some(&rel.schema),
            Subject::Trigger(i),
        );
        obj.sort_table = rel.name.clone();
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    // pg_dump's getRules: a view's ON SELECT rule comes before the view, so that what the
    // rule reads orders the view; other rules come after their table, in post-data.
    for (i, rule) in cat.rules.iter().enumerate() {
        let Some(t) = cat.relation_index(rule.table_oid) else {
            continue;
        };
        let rel = &cat.relations[t];
        let cid = CatalogId {
            tableoid: classid::PG_REWRITE,
            oid: rule.oid,
        };
        let mut obj = object(
            ObjectKind::Rule,
            cid,
            &rule.name,
            Some(&rel.schema),
            Subject::Rule(i),
        );
        obj.sort_table = rel.name.clone();
        let view_body = matches!(rel.relkind, b'v' | b'm') && rule.is_view_select();
        obj.separate = !view_body;
        if !view_body {
            obj.deps.push(table_ids[t]);
        }
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
        if view_body {
            if let Some(v) = g.get_mut(table_ids[t]) {
                v.deps.push(id);
            }
        }
    }
    // Row security being enabled is a policy object without a name, keyed by tableoid 0 so
    // that no pg_depend row matches it (getPolicies).
    for &oid in &cat.row_security.enabled_tables {
        let Some(i) = cat.relation_index(oid) else {
            continue;
        };
        let rel = &cat.relations[i];
        let cid = CatalogId { tableoid: 0, oid };
        let mut obj = object(
            ObjectKind::Policy,
            cid,
            &rel.name,
            Some(&rel.schema),
            Subject::Relation(i),
        );
        obj.sort_table = rel.name.clone();
        g.push(obj);
    }
    for (i, pol) in cat.row_security.policies.iter().enumerate() {
        let Some(rel) = cat.relation(pol.table_oid) else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_POLICY,
            oid: pol.oid,
        };
        let mut obj = object(
            ObjectKind::Policy,
            cid,
            &pol.name,
            Some(&rel.schema),
            Subject::Policy(i),
        );
        obj.sort_table = rel.name.clone();
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    // Named by object type, sorted by role among those (getDefaultACLs).
    for (i, d) in cat.default_acls.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_DEFAULT_ACL,
            oid: d.oid,
        };
        let mut obj = object(
            ObjectKind::DefaultAcl,
            cid,
            &char::from(d.objtype).to_string(),
            d.schema.as_deref(),
            Subject::DefaultAcl(i),
        );
        obj.sort_table = d.role.clone();
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    add_replication(&mut g, cat, &mut by_catalog);
    let mut data_ids: HashMap<u32, DumpId> = HashMap::new();
    if wanted.data || wanted.sequence_data {
        for (i, rel) in cat.relations.iter().enumerate() {
            // pg_dump's getTableData for RELKIND_SEQUENCE alone when only sequences are wanted.
            if !wanted.data && rel.relkind != b'S' {
                continue;
            }
            let kind = match rel.relkind {
                b'S' => ObjectKind::SequenceSet,
                b'm' => ObjectKind::RefreshMatView,
                _ => ObjectKind::TableData,
            };
            // pg_dump's makeTableDataInfo: only for dumped relations whose data is wanted.
            // A foreign table's rows only with --include-foreign-data naming its server.
            let foreign_skipped = rel.relkind == b'f'
                && !cat
                    .foreign_tables
                    .get(&rel.oid)
                    .is_some_and(|f| cat.foreign_data_servers.contains(&f.server_oid));
            if matches!(rel.relkind, b'p' | b'v')
                || foreign_skipped
                || !(rel.selected || cat.extension_data.contains_key(&rel.oid))
                || cat.data_excluded.contains(&rel.oid)
            {
                continue;
            }
            let cid = CatalogId {
                tableoid: 0,
                oid: rel.oid,
            };
            let mut obj = object(
                kind,
                cid,
                &rel.name,
                Some(&rel.schema),
                Subject::Relation(i),
            );
            obj.deps.push(table_ids[i]);
            let id = g.push(obj);
            data_ids.insert(rel.oid, id);
        }
        // A refresh reads the materialized views it depends on, so they are refreshed first.
        for (mv, reads) in &cat.matview_refs {
            if let (Some(&from), Some(&to)) = (data_ids.get(mv), data_ids.get(reads)) {
                if let Some(o) = g.get_mut(from) {
                    o.deps.push(to);
                }
            }
        }
        // A configuration table's rows load after those of the configuration tables it
        // references: its foreign keys came with CREATE EXTENSION. (pg_dump orders these
        // before it knows which other tables' data it dumps, so only they are ordered.)
        for con in cat.constraints.iter().filter(|c| {
            c.contype == b'f'
                && cat.extension_data.contains_key(&c.table_oid)
                && cat.extension_data.contains_key(&c.ref_table_oid)
        }) {
            if let (Some(&from), Some(&to)) = (
                data_ids.get(&con.table_oid),
                data_ids.get(&con.ref_table_oid),
            ) {
                if let Some(o) = g.get_mut(from) {
                    o.deps.push(to);
                }
            }
        }
        if !wanted.schema {
            // Without the constraints in the dump, data must load referenced tables first
            // (pg_dump's getTableDataFKConstraints).
            for con in cat.constraints.iter().filter(|c| c.contype == b'f') {
                if let (Some(&from), Some(&to)) = (
                    data_ids.get(&con.table_oid),
                    data_ids.get(&con.ref_table_oid),
                ) {
                    if let Some(o) = g.get_mut(from) {
                        o.deps.push(to);
                    }
                }
            }
        }
        stats::after_refreshes(&mut g, cat, &data_ids);
    }

    match wanted.large_objects {
        Some(_) if cat.large_objects.is_empty() => {}
        Some(LoLayout::Grouped) => {
            let los = &cat.large_objects;
            let mut i = 0;
            while i < los.len() {
                let mut n = 1;
                while n < MAX_LOS_PER_GROUP
                    && i + n < los.len()
                    && los[i + n].owner == los[i].owner
                    && los[i + n].acl == los[i].acl
                {
                    n += 1;
                }
                let name = if n > 1 {
                    format!("{}..{}", los[i].oid, los[i + n - 1].oid)
                } else {
                    los[i].oid.to_string()
                };
                let cid = CatalogId {
                    tableoid: classid::PG_LARGEOBJECT,
                    oid: los[i].oid,
                };
                let meta = g.push(object(
                    ObjectKind::LargeObject,
                    cid,
                    &name,
                    None,
                    Subject::LargeObjects(i, i + n),
                ));
                let mut data = object(
                    ObjectKind::LargeObjectData,
                    CatalogId::default(),
                    &name,
                    None,
                    Subject::LargeObjects(i, i + n),
                );
                data.deps.push(meta);
                g.push(data);
                i += n;
            }
        }
        Some(LoLayout::PerObject) => {
            for (i, lo) in cat.large_objects.iter().enumerate() {
                let cid = CatalogId {
                    tableoid: classid::PG_LARGEOBJECT,
                    oid: lo.oid,
                };
                g.push(object(
                    ObjectKind::LargeObject,
                    cid,
                    &lo.oid.to_string(),
                    None,
                    Subject::LargeObjects(i, i + 1),
                ));
            }
            let all = Subject::LargeObjects(0, cat.large_objects.len());
            g.push(object(
                ObjectKind::LargeObjectData,
                CatalogId::default(),
                "BLOBS",
                None,
                all,
            ));
        }
        None => {}
    }

    // Extension members are not dumped objects; what depends on one depends on its extension,
    // as pg_dump's member objects depend on theirs.
    let member_of: HashMap<(u32, u32), DumpId> = cat
        .extension_members
        .iter()
        .filter_map(|m| {
            let ext = by_catalog.get(&(classid::PG_EXTENSION, m.extension))?;
            Some(((m.classid, m.objid), *ext))
        })
        .collect();
    for d in &cat.depends {
        let target = (d.refclassid, d.refobjid);
        let (Some(&from), Some(&to)) = (
            by_catalog.get(&(d.classid, d.objid)),
            by_catalog.get(&target).or_else(|| member_of.get(&target)),
        ) else {
            continue;
        };
        // A composite type's pg_class entry is the type itself here, and a column's
        // dependency on its own table means nothing for the order.
        if from == to {
            continue;
        }
        if let Some(obj) = g.get_mut(from) {
            obj.deps.push(to);
        }
    }
    mark_dumped(&mut g, cat);
    add_boundaries(&mut g);
    g
}

/// Publications, what they publish (named after the table or schema, their publication's
/// name breaking ties), and subscriptions, in the order pg_dump reads them. A publication's
/// table or schema that is not read (a system one) has no object, as in pg_dump.
fn add_replication(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    let mut add = |g: &mut ObjectGraph, obj: DumpObject| {
        let key = (obj.catalog_id.tableoid, obj.catalog_id.oid);
        let id = g.push(obj);
        by_catalog.insert(key, id);
    };
    let pubs = &cat.publications;
    for (i, p) in pubs.publications.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_PUBLICATION,
            oid: p.oid,
        };
        add(
            g,
            object(
                ObjectKind::Publication,
                cid,
                &p.name,
                None,
                Subject::Publication(i),
            ),
        );
    }
    for (i, pt) in pubs.tables.iter().enumerate() {
        let (Some(p), Some(rel)) = (pubs.publication(pt.publication), cat.relation(pt.table))
        else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_PUBLICATION_REL,
            oid: pt.oid,
        };
        let mut obj = object(
            ObjectKind::PublicationRel,
            cid,
            &rel.name,
            Some(&rel.schema),
            Subject::PublicationTable(i),
        );
        obj.sort_table = p.name.clone();
        add(g, obj);
    }
    for (i, ps) in pubs.schemas.iter().enumerate() {
        let (Some(p), Some(ns)) = (
            pubs.publication(ps.publication),
            cat.namespace(ps.namespace),
        ) else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_PUBLICATION_NAMESPACE,
            oid: ps.oid,
        };
        let mut obj = object(
            ObjectKind::PublicationTableInSchema,
            cid,
            &ns.name,
            None,
            Subject::PublicationSchema(i),
        );
        obj.sort_table = p.name.clone();
        add(g, obj);
    }
    for (i, s) in cat.subscriptions.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_SUBSCRIPTION,
            oid: s.oid,
        };
        add(
            g,
            object(
                ObjectKind::Subscription,
                cid,
                &s.name,
                None,
                Subject::Subscription(i),
            ),
        );
    }
}

/// `flagInhTables`: the ATTACH PARTITION of a partition, after both tables exist.
fn partition_attach(cat: &Catalog, i: usize, table_ids: &[DumpId]) -> Option<DumpObject> {
    let rel = &cat.relations[i];
    if !rel.table.is_partition {
        return None;
    }
    let parent = cat.relation_index(*rel.table.parents.first()?)?;
    let mut obj = object(
        ObjectKind::TableAttach,
        CatalogId::default(),
        &rel.name,
        Some(&rel.schema),
        Subject::Relation(i),
    );
    obj.deps = vec![table_ids[i], table_ids[parent]];
    Some(obj)
}

/// Sets `dump` from the selection: an object attached to a relation is dumped when the
/// relation is, as pg_dump's `selectDumpable*` functions decide.
fn mark_dumped(g: &mut ObjectGraph, cat: &Catalog) {
    for obj in &mut g.objects {
        obj.dump = match obj.subject {
            Subject::Namespace(i) => cat.namespaces[i].selected,
            Subject::Extension(i) => cat.extensions[i].selected,
            // An extension's relation, for its changed privileges: with its extension.
            Subject::Relation(i)
                if obj.kind == ObjectKind::Table
                    && cat.member_relations.contains_key(&cat.relations[i].oid) =>
            {
                let ext = cat.member_relations.get(&cat.relations[i].oid);
                cat.extensions
                    .iter()
                    .any(|e| Some(&e.oid) == ext && e.selected)
            }
            // A pg_catalog relation, for its changed privileges.
            Subject::Relation(i)
                if obj.kind == ObjectKind::Table && cat.relations[i].schema == "pg_catalog" =>
            {
                cat.catalog_privileges.contains(&cat.relations[i].oid)
            }
            Subject::ForeignDataWrapper(i) => cat.foreign_data_wrappers[i].selected,
            Subject::ForeignServer(i) => cat.foreign_servers[i].selected,
            Subject::Publication(_)
            | Subject::PublicationTable(_)
            | Subject::PublicationSchema(_)
            | Subject::Subscription(_) => cat.include_everything,
            // Only the rows of an extension's configuration table are dumped.
            Subject::Relation(i)
                if matches!(obj.kind, ObjectKind::TableData | ObjectKind::SequenceSet) =>
            {
                let rel = &cat.relations[i];
                rel.selected || cat.extension_data.contains_key(&rel.oid)
            }
            Subject::Relation(i) | Subject::Column(i, _) => cat.relations[i].selected,
            Subject::Constraint(i) => cat
                .relation(cat.constraints[i].table_oid)
                .is_some_and(|r| r.selected),
            Subject::Trigger(i) => cat
                .relation(cat.triggers[i].table_oid)
                .is_some_and(|r| r.selected),
            Subject::Policy(i) => cat
                .relation(cat.row_security.policies[i].table_oid)
                .is_some_and(|r| r.selected),
            Subject::Rule(i) => cat
                .relation(cat.rules[i].table_oid)
                .is_some_and(|r| r.selected),
            Subject::Index(i) | Subject::IndexAttach(i, _) => cat
                .relation(cat.indexes[i].table_oid)
                .is_some_and(|r| r.selected),
            Subject::StatisticsExt(i) => {
                let st = &cat.statistics[i];
                cat.namespace(st.namespace_oid).is_some_and(|n| n.selected)
                    && cat.relation(st.table_oid).is_some_and(|r| r.selected)
            }
            Subject::Aggregate(i) => in_dumped_schema(cat, cat.aggregates[i].namespace_oid),
            Subject::Operator(i) => in_dumped_schema(cat, cat.operators[i].namespace_oid),
            Subject::OpClass(i) => in_dumped_schema(cat, cat.opclasses[i].namespace_oid),
            Subject::OpFamily(i) => in_dumped_schema(cat, cat.opfamilies[i].namespace_oid),
            Subject::AccessMethod(_) => cat.include_everything,
            Subject::TsParser(i) => in_dumped_schema(cat, cat.ts_parsers[i].namespace_oid),
            Subject::TsTemplate(i) => in_dumped_schema(cat, cat.ts_templates[i].namespace_oid),
            Subject::TsDict(i) => in_dumped_schema(cat, cat.ts_dicts[i].namespace_oid),
            Subject::TsConfig(i) => in_dumped_schema(cat, cat.ts_configs[i].namespace_oid),
            Subject::Type(i) | Subject::DomainConstraint(i, _) => {
                in_dumped_schema(cat, cat.types[i].namespace_oid)
            }
            Subject::Collation(i) => in_dumped_schema(cat, cat.collations[i].namespace_oid),
            Subject::Conversion(i) => in_dumped_schema(cat, cat.conversions[i].namespace_oid),
            Subject::Function(i) => in_dumped_schema(cat, cat.functions[i].namespace_oid),
            Subject::EventTrigger(_) | Subject::Cast(_) | Subject::Transform(_) => {
                cat.include_everything
            }
            // selectDumpableProcLang: initdb's languages for their privileges whatever the
            // selection, an extension's with the extension, others in a dump of everything.
            Subject::Language(i) => {
                let lang = &cat.languages[i];
                match lang.extension {
                    _ if lang.acl_only && lang.oid < 16384 => true,
                    Some(e) => cat.extensions.iter().any(|x| x.oid == e && x.selected),
                    None => cat.include_everything,
                }
            }
            Subject::BaseType(i) => in_dumped_schema(cat, cat.base_types[i].namespace_oid),
            Subject::ShellType(_) => false,
            // A schema's default privileges go with its contents, global ones with a dump of
            // everything.
            Subject::DefaultAcl(i) => match cat.default_acls[i].namespace_oid {
                0 => cat.include_everything,
                oid => cat
                    .namespace(oid)
                    .is_some_and(|n| n.selected && !is_system_schema(&n.name)),
            },
            // Statistics exist only for what is dumped (getRelationStatistics).
            Subject::RelStats(_) | Subject::LargeObjects(..) | Subject::None => true,
        };
    }
}

/// `selectDumpableObject` for an object in a schema: dumped with the schema's contents.
fn in_dumped_schema(cat: &Catalog, namespace_oid: u32) -> bool {
    cat.namespace(namespace_oid).is_some_and(|n| n.selected)
}

/// pg_dump's `addBoundaryDependencies`: dummy objects that keep pre-data before data before
/// post-data whatever the catalog dependencies say.
fn add_boundaries(g: &mut ObjectGraph) {
    let pre = g.push(object(
        ObjectKind::PreDataBoundary,
        CatalogId::default(),
        "PRE-DATA BOUNDARY",
        None,
        Subject::None,
    ));
    let post = g.push(object(
        ObjectKind::PostDataBoundary,
        CatalogId::default(),
        "POST-DATA BOUNDARY",
        None,
        Subject::None,
    ));
    let mut pre_deps = Vec::new();
    let mut post_deps = vec![pre];
    for obj in &mut g.objects {
        use ObjectKind::*;
        match obj.kind {
            Namespace | Extension | Type | ShellType | Func | Agg | Operator | AccessMethod
            | OpClass | OpFamily | Collation | Conversion | Table | TableAttach | AttrDef
            | ProcLang | Cast | DummyType | TsParser | TsDict | TsTemplate | TsConfig | Fdw
            | ForeignServer | Transform => pre_deps.push(obj.id),
            TableData | SequenceSet | LargeObject | LargeObjectData => {
                obj.deps.push(pre);
                post_deps.push(obj.id);
            }
            Index
            | IndexAttach
            | StatsExt
            | RefreshMatView
            | Trigger
            | EventTrigger
            | DefaultAcl
            | Policy
            | Publication
            | PublicationRel
            | PublicationTableInSchema
            | Subscription
            | SubscriptionRel => obj.deps.push(post),
            // Rules and constraints are post-data only when dumped on their own, not inside
            // their table's or view's definition.
            Rule | Constraint | FkConstraint => {
                if obj.separate {
                    obj.deps.push(post)
                }
            }
            // Statistics of tables are data, of indexes and materialized views post-data.
            RelStats => {
                if obj.separate {
                    obj.deps.push(post)
                } else {
                    obj.deps.push(pre);
                    post_deps.push(obj.id);
                }
            }
            PreDataBoundary | PostDataBoundary => {}
        }
    }
    if let Some(o) = g.get_mut(pre) {
        o.deps = pre_deps;
    }
    if let Some(o) = g.get_mut(post) {
        o.deps = post_deps;
    }
}

/// The order pg_dump starts from before the topological sort (`DOTypeNameCompare`).
pub fn type_name_order(a: &DumpObject, b: &DumpObject) -> std::cmp::Ordering {
    a.kind
        .priority()
        .cmp(&b.kind.priority())
        .then_with(|| match (&a.namespace, &b.namespace) {
            (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
        .then_with(|| a.kind.type_order().cmp(&b.kind.type_order()))
        .then_with(|| match a.kind {
            ObjectKind::AttrDef | ObjectKind::Collation => a.sort_num.cmp(&b.sort_num),
            ObjectKind::Func | ObjectKind::Agg | ObjectKind::Operator => a
                .sort_num
                .cmp(&b.sort_num)
                .then_with(|| type_names_order(&a.sort_args, &b.sort_args)),
            ObjectKind::Constraint | ObjectKind::FkConstraint => a
                .sort_num
                .cmp(&b.sort_num)
                .then_with(|| a.sort_table.as_bytes().cmp(b.sort_table.as_bytes())),
            ObjectKind::Rule
            | ObjectKind::Trigger
            | ObjectKind::Policy
            | ObjectKind::OpClass
            | ObjectKind::OpFamily
            | ObjectKind::DefaultAcl
            | ObjectKind::PublicationRel
            | ObjectKind::PublicationTableInSchema => {
                a.sort_table.as_bytes().cmp(b.sort_table.as_bytes())
            }
            _ => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.catalog_id.oid.cmp(&b.catalog_id.oid))
}

/// `pgTypeNameCompare` over argument lists of the same length: schema, then type name.
fn type_names_order(a: &[(String, String)], b: &[(String, String)]) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|((sa, na), (sb, nb))| {
            sa.as_bytes()
                .cmp(sb.as_bytes())
                .then_with(|| na.as_bytes().cmp(nb.as_bytes()))
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

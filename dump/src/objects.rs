//! The dumpable objects (pg_dump's `DumpableObject`s) built from the catalog: each with a dump
//! id, a kind that decides its sort priority, a name, and dependencies from pg_depend plus the
//! ones pg_dump adds itself.

use std::collections::HashMap;

use tusk_format::quote::ident;
use tusk_format::{CatalogId, DumpId};

use crate::catalog::{Catalog, classid, is_system_schema};

mod base_types;
mod indexes;

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
    /// A range of `Catalog::large_objects`.
    LargeObjects(usize, usize),
    /// A function or procedure (index in `Catalog::functions`).
    Function(usize),
    EventTrigger(usize),
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
    /// Tie-breakers of `DOTypeNameCompare`: `adnum` for defaults, the table name for
    /// constraints, rules, triggers and policies.
    pub sort_num: i32,
    pub sort_table: String,
    /// Tie-breaker for functions: (schema, name) of each argument type (`pgTypeNameCompare`).
    pub sort_types: Vec<(String, String)>,
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
        sort_types: Vec::new(),
        check_of: None,
        dump: true,
    }
}

/// Which parts of the dump are wanted, as far as building objects is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub schema: bool,
    pub data: bool,
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
        obj.sort_types = f.arg_type_keys.clone();
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
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
    for i in 0..cat.relations.len() {
        if let Some(attach) = partition_attach(cat, i, &table_ids) {
            g.push(attach);
        }
    }
    let interesting = interesting_relations(cat);
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
    let mut data_ids: HashMap<u32, DumpId> = HashMap::new();
    if wanted.data {
        for (i, rel) in cat.relations.iter().enumerate() {
            let kind = match rel.relkind {
                b'S' => ObjectKind::SequenceSet,
                b'm' => ObjectKind::RefreshMatView,
                _ => ObjectKind::TableData,
            };
            // pg_dump's makeTableDataInfo: only for dumped relations whose data is wanted.
            if matches!(rel.relkind, b'p' | b'v')
                || !rel.selected
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

    for d in &cat.depends {
        let (Some(&from), Some(&to)) = (
            by_catalog.get(&(d.classid, d.objid)),
            by_catalog.get(&(d.refclassid, d.refobjid)),
        ) else {
            continue;
        };
        if let Some(obj) = g.get_mut(from) {
            obj.deps.push(to);
        }
    }
    mark_dumped(&mut g, cat);
    add_boundaries(&mut g);
    g
}

/// pg_dump's `interesting` tables (getTables, getOwnedSeqs, flagInhTables): the dumped ones,
/// the owners of dumped sequences and the direct parents of dumped tables. pg_dump reads the
/// defaults and CHECK constraints of these only, so other tables' cannot order the dump
/// through their dependencies (on functions, say).
fn interesting_relations(cat: &Catalog) -> Vec<bool> {
    let mut interesting: Vec<bool> = cat.relations.iter().map(|r| r.selected).collect();
    for rel in cat.relations.iter().filter(|r| r.selected) {
        let owner = rel.owned_by.map(|(table, _, _)| table);
        for oid in owner.iter().chain(&rel.table.parents) {
            if let Some(i) = cat.relation_index(*oid) {
                interesting[i] = true;
            }
        }
    }
    interesting
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
            Subject::Function(i) => cat
                .namespace(cat.functions[i].namespace_oid)
                .is_some_and(|n| n.selected),
            Subject::EventTrigger(_)
            | Subject::Cast(_)
            | Subject::Language(_)
            | Subject::Transform(_) => cat.include_everything,
            Subject::BaseType(i) => cat
                .namespace(cat.base_types[i].namespace_oid)
                .is_some_and(|n| n.selected),
            Subject::ShellType(_) => false,
            Subject::LargeObjects(..) | Subject::None => true,
        };
    }
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
            ObjectKind::AttrDef => a.sort_num.cmp(&b.sort_num),
            ObjectKind::Constraint
            | ObjectKind::FkConstraint
            | ObjectKind::Rule
            | ObjectKind::Trigger
            | ObjectKind::Policy => a.sort_table.as_bytes().cmp(b.sort_table.as_bytes()),
            ObjectKind::Func | ObjectKind::Agg => a
                .sort_types
                .len()
                .cmp(&b.sort_types.len())
                .then_with(|| a.sort_types.cmp(&b.sort_types)),
            _ => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.catalog_id.oid.cmp(&b.catalog_id.oid))
}

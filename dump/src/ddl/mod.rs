//! Sorted objects → TOC entries with their SQL, mirroring pg_dump.c's dumpXxx functions.
//! Pure functions: catalog structs in, text out.

use std::collections::{HashMap, HashSet};

use tusk_format::quote::{ident, literal, qualified};
use tusk_format::{CatalogId, DumpId, Encoding, Section, TocEntry};

use crate::catalog::{
    Catalog, Column, Constraint, Database, LargeObject, Relation, TypeKind, classid,
};
use crate::error::DumpError;
use crate::objects::{DumpObject, LoLayout, ObjectGraph, ObjectKind, Subject};

mod acl;
pub use acl::seclabel_command;
mod aggregate;
mod base_type;
mod cast;
mod collation;
mod default_acl;
mod event_trigger;
mod extension;
mod foreign;
mod function;
mod index;
mod language;
mod operator;
mod policy;
mod publication;
mod stats;
mod subscription;
mod table;
mod text_search;
mod transform;
mod trigger;
mod types;
mod view;

/// The few facts about the session that the special entries record.
#[derive(Debug, Clone)]
pub struct SessionFacts {
    pub encoding: String,
    pub std_strings: bool,
    /// `current_schemas(false)` at dump time, already quoted and joined.
    pub search_path: String,
}

/// What the generated entries should contain.
#[derive(Debug, Clone, Copy)]
pub struct DdlOptions {
    pub schema: bool,
    pub data: bool,
    pub comments: bool,
    /// Emit the DATABASE entries: always in archives, with `-C` in plain output.
    pub database: bool,
    /// The large-object layout of the archive written (`None`: no large objects).
    pub large_objects: Option<LoLayout>,
    pub no_tablespaces: bool,
    pub no_toast_compression: bool,
    /// GRANT/REVOKE entries (off with `-x`).
    pub privileges: bool,
    /// SECURITY LABEL entries (off with `--no-security-labels`).
    pub security_labels: bool,
    /// Function bodies dollar-quoted (off with `--disable-dollar-quoting`).
    pub dollar_quoting: bool,
    /// Table data as INSERT statements: TABLE DATA entries have no COPY statement.
    pub inserts: bool,
    pub load_via_partition_root: bool,
}

#[cfg(test)]
impl DdlOptions {
    /// A schema-only dump with everything printed (comments, privileges, labels, dollar
    /// quoting), no DATABASE entries and no large objects: what the unit tests start from.
    pub(crate) fn for_tests() -> DdlOptions {
        DdlOptions {
            schema: true,
            data: false,
            comments: true,
            database: false,
            large_objects: None,
            no_tablespaces: false,
            no_toast_compression: false,
            privileges: true,
            security_labels: true,
            dollar_quoting: true,
            inserts: false,
            load_via_partition_root: false,
        }
    }
}

/// Builds every TOC entry of the dump, in order, with their explicit dependencies; the rest
/// come from `build_archive_dependencies` once it is known which entries the archive keeps.
pub fn toc_entries(
    cat: &Catalog,
    graph: &ObjectGraph,
    facts: &SessionFacts,
    opts: DdlOptions,
) -> Result<Vec<TocEntry>, DumpError> {
    let mut b = Builder::new(cat, graph, opts);
    b.special(
        "ENCODING",
        format!("SET client_encoding = '{}';\n", facts.encoding),
    );
    b.special(
        "STDSTRINGS",
        format!(
            "SET standard_conforming_strings = '{}';\n",
            if facts.std_strings { "on" } else { "off" }
        ),
    );
    b.special(
        "SEARCHPATH",
        format!(
            "SELECT pg_catalog.set_config('search_path', {}, false);\n",
            literal(&facts.search_path, true)
        ),
    );
    if opts.database {
        b.database(&cat.database);
    }
    for obj in &graph.objects {
        b.object(obj);
    }
    if let Some(e) = b.failure {
        return Err(e);
    }
    Ok(b.entries)
}

struct Builder<'a> {
    cat: &'a Catalog,
    /// pg_attrdef OIDs of the defaults printed as their own ALTER TABLE.
    separate_defaults: HashSet<u32>,
    /// pg_constraint OIDs of the CHECK constraints printed inside CREATE TABLE.
    inline_checks: HashSet<u32>,
    /// Dump ids of table objects by the table's OID.
    table_ids: HashMap<u32, DumpId>,
    /// OIDs of views created with a dummy body, their real one following in post-data.
    dummy_views: HashSet<u32>,
    /// Materialized-view refreshes left out because a materialized view they read is not
    /// populated.
    stale_refreshes: HashSet<DumpId>,
    /// Dump ids of index-backed constraints by their index's position in `Catalog::indexes`.
    index_constraint_ids: HashMap<usize, DumpId>,
    opts: DdlOptions,
    next_id: DumpId,
    entries: Vec<TocEntry>,
    /// The first catalog value that could not be turned into SQL.
    failure: Option<DumpError>,
}

impl<'a> Builder<'a> {
    /// A builder for `graph`'s objects, with what the entries need to know about the graph
    /// collected up front.
    fn new(cat: &'a Catalog, graph: &ObjectGraph, opts: DdlOptions) -> Builder<'a> {
        Builder {
            cat,
            separate_defaults: graph
                .objects
                .iter()
                .filter(|o| o.kind == ObjectKind::AttrDef && o.separate)
                .map(|o| o.catalog_id.oid)
                .collect(),
            inline_checks: graph
                .objects
                .iter()
                .filter(|o| o.check_of.is_some() && !o.separate)
                .map(|o| o.catalog_id.oid)
                .collect(),
            table_ids: graph
                .objects
                .iter()
                .filter(|o| o.kind == ObjectKind::Table)
                .map(|o| (o.catalog_id.oid, o.id))
                .collect(),
            dummy_views: view::dummy_views(cat, graph),
            stale_refreshes: view::stale_refreshes(cat, graph),
            index_constraint_ids: graph
                .objects
                .iter()
                .filter_map(|o| match (o.kind, o.subject) {
                    (ObjectKind::Constraint, Subject::Index(i)) => Some((i, o.id)),
                    _ => None,
                })
                .collect(),
            opts,
            next_id: graph.max_id() + 1,
            entries: Vec::new(),
            failure: None,
        }
    }
}

impl Builder<'_> {
    fn fail(&mut self, e: DumpError) {
        self.failure.get_or_insert(e);
    }

    fn new_id(&mut self) -> DumpId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn special(&mut self, desc: &str, defn: String) {
        let id = self.new_id();
        let mut te = TocEntry::new(id, desc, desc, Section::PreData);
        te.defn = Some(defn);
        self.entries.push(te);
    }

    fn object(&mut self, obj: &DumpObject) {
        if !obj.dump {
            return;
        }
        match (obj.kind, obj.subject) {
            (ObjectKind::Namespace, Subject::Namespace(i)) if self.opts.schema => {
                self.namespace(obj, i)
            }
            (ObjectKind::Type, Subject::Type(i)) if self.opts.schema => {
                self.user_type(obj, &self.cat.types[i])
            }
            (ObjectKind::Collation, Subject::Collation(i)) if self.opts.schema => {
                self.collation(obj, &self.cat.collations[i])
            }
            (ObjectKind::Conversion, Subject::Conversion(i)) if self.opts.schema => {
                self.conversion(obj, &self.cat.conversions[i])
            }
            (ObjectKind::DefaultAcl, Subject::DefaultAcl(i)) if self.opts.schema => {
                self.default_acl(obj, &self.cat.default_acls[i])
            }
            (ObjectKind::Constraint, Subject::DomainConstraint(t, c))
                if self.opts.schema && obj.separate =>
            {
                let ty = &self.cat.types[t];
                if let TypeKind::Domain(d) = &ty.kind {
                    self.domain_constraint(obj, ty, &d.constraints[c]);
                }
            }
            (ObjectKind::Extension, Subject::Extension(i)) if self.opts.schema => {
                self.extension(obj, &self.cat.extensions[i])
            }
            (ObjectKind::Fdw, Subject::ForeignDataWrapper(i)) if self.opts.schema => {
                self.foreign_data_wrapper(obj, &self.cat.foreign_data_wrappers[i])
            }
            (ObjectKind::ForeignServer, Subject::ForeignServer(i)) if self.opts.schema => {
                self.foreign_server(obj, &self.cat.foreign_servers[i])
            }
            (ObjectKind::Publication, Subject::Publication(i)) if self.opts.schema => {
                self.publication(obj, &self.cat.publications.publications[i])
            }
            (ObjectKind::PublicationRel, Subject::PublicationTable(i)) if self.opts.schema => {
                let pt = &self.cat.publications.tables[i];
                let p = self.cat.publications.publication(pt.publication);
                if let (Some(p), Some(rel)) = (p, self.cat.relation(pt.table)) {
                    self.publication_table(obj, p, rel, pt);
                }
            }
            (ObjectKind::PublicationTableInSchema, Subject::PublicationSchema(i))
                if self.opts.schema =>
            {
                let ps = &self.cat.publications.schemas[i];
                let p = self.cat.publications.publication(ps.publication);
                if let (Some(p), Some(ns)) = (p, self.cat.namespace(ps.namespace)) {
                    self.publication_schema(obj, p, ns);
                }
            }
            (ObjectKind::Subscription, Subject::Subscription(i)) if self.opts.schema => {
                self.subscription(obj, &self.cat.subscriptions[i])
            }
            (ObjectKind::Table, Subject::Relation(i)) if self.opts.schema => {
                let rel = &self.cat.relations[i];
                if self.cat.member_relations.contains_key(&rel.oid) || rel.schema == "pg_catalog" {
                    // Its definition comes with its extension, or with initdb.
                } else if rel.relkind == b'S' {
                    self.sequence(obj, rel);
                } else if matches!(rel.relkind, b'v' | b'm') {
                    self.view(obj, rel);
                } else {
                    self.table(obj, rel);
                }
                self.relation_privileges(obj, rel);
            }
            (ObjectKind::Func, Subject::Function(i)) if self.opts.schema => {
                self.function(obj, &self.cat.functions[i])
            }
            (ObjectKind::Type, Subject::BaseType(i)) if self.opts.schema => {
                self.base_type(obj, &self.cat.base_types[i])
            }
            (ObjectKind::ShellType, Subject::ShellType(i)) if self.opts.schema => {
                self.shell_type(obj, &self.cat.base_types[i])
            }
            (ObjectKind::ProcLang, Subject::Language(i)) if self.opts.schema => {
                self.language(obj, &self.cat.languages[i])
            }
            (ObjectKind::Transform, Subject::Transform(i)) if self.opts.schema => {
                self.transform(obj, &self.cat.transforms[i])
            }
            (ObjectKind::Cast, Subject::Cast(i)) if self.opts.schema => {
                self.cast(obj, &self.cat.casts[i])
            }
            (ObjectKind::EventTrigger, Subject::EventTrigger(i)) if self.opts.schema => {
                self.event_trigger(obj, &self.cat.event_triggers[i])
            }
            (ObjectKind::TableAttach, Subject::Relation(i)) if self.opts.schema => {
                self.table_attach(obj, &self.cat.relations[i])
            }
            (ObjectKind::AttrDef, Subject::Column(r, c)) if self.opts.schema && obj.separate => {
                self.attr_default(
                    obj,
                    &self.cat.relations[r],
                    &self.cat.relations[r].columns[c],
                );
            }
            (ObjectKind::Constraint | ObjectKind::FkConstraint, Subject::Constraint(i))
                if self.opts.schema =>
            {
                let con = &self.cat.constraints[i];
                if let Some(rel) = self.cat.relation(con.table_oid) {
                    if con.check.is_some() {
                        self.check_constraint(obj, rel, con);
                    } else {
                        self.constraint(obj, rel, con);
                    }
                }
            }
            (ObjectKind::Trigger, Subject::Trigger(i)) if self.opts.schema => {
                let tg = &self.cat.triggers[i];
                if let Some(rel) = self.cat.relation(tg.table_oid) {
                    self.trigger(obj, rel, tg);
                }
            }
            (ObjectKind::Policy, Subject::Relation(i)) if self.opts.schema => {
                self.row_security(obj, &self.cat.relations[i]);
            }
            (ObjectKind::Policy, Subject::Policy(i)) if self.opts.schema => {
                let pol = &self.cat.row_security.policies[i];
                if let Some(rel) = self.cat.relation(pol.table_oid) {
                    self.policy(obj, rel, pol);
                }
            }
            (ObjectKind::Rule, Subject::Rule(i)) if self.opts.schema && obj.separate => {
                self.rule(obj, i)
            }
            (ObjectKind::RefreshMatView, Subject::Relation(i)) if self.opts.data => {
                self.refresh_matview(obj, &self.cat.relations[i])
            }
            (ObjectKind::Index | ObjectKind::Constraint, Subject::Index(i)) if self.opts.schema => {
                self.index(obj, i)
            }
            (ObjectKind::IndexAttach, Subject::IndexAttach(child, parent)) if self.opts.schema => {
                self.index_attach(obj, child, parent)
            }
            (ObjectKind::StatsExt, Subject::StatisticsExt(i)) if self.opts.schema => {
                self.statistics(obj, i)
            }
            (ObjectKind::TableData, Subject::Relation(i)) if self.opts.data => {
                self.table_data(obj, &self.cat.relations[i])
            }
            // The graph holds sequence values when the data or --sequence-data asks for them.
            (ObjectKind::SequenceSet, Subject::Relation(i)) => {
                self.sequence_set(&self.cat.relations[i]);
            }
            (ObjectKind::Agg, Subject::Aggregate(i)) if self.opts.schema => {
                self.aggregate(obj, &self.cat.aggregates[i])
            }
            (ObjectKind::Operator, Subject::Operator(i)) if self.opts.schema => {
                self.operator(obj, &self.cat.operators[i])
            }
            (ObjectKind::OpClass, Subject::OpClass(i)) if self.opts.schema => {
                self.opclass(obj, &self.cat.opclasses[i])
            }
            (ObjectKind::OpFamily, Subject::OpFamily(i)) if self.opts.schema => {
                self.opfamily(obj, &self.cat.opfamilies[i])
            }
            (ObjectKind::RelStats, Subject::RelStats(i)) => self.relation_stats(obj, i),
            (ObjectKind::AccessMethod, Subject::AccessMethod(i)) if self.opts.schema => {
                self.access_method(obj, &self.cat.access_methods[i])
            }
            (ObjectKind::TsParser, Subject::TsParser(i)) if self.opts.schema => {
                self.ts_parser(obj, &self.cat.ts_parsers[i])
            }
            (ObjectKind::TsTemplate, Subject::TsTemplate(i)) if self.opts.schema => {
                self.ts_template(obj, &self.cat.ts_templates[i])
            }
            (ObjectKind::TsDict, Subject::TsDict(i)) if self.opts.schema => {
                self.ts_dict(obj, &self.cat.ts_dicts[i])
            }
            (ObjectKind::TsConfig, Subject::TsConfig(i)) if self.opts.schema => {
                self.ts_config(obj, &self.cat.ts_configs[i])
            }
            (ObjectKind::LargeObject, Subject::LargeObjects(a, b)) => {
                if let (Some(layout), Some(los)) =
                    (self.opts.large_objects, self.cat.large_objects.get(a..b))
                {
                    self.large_object_metadata(obj, los, layout);
                }
            }
            (ObjectKind::LargeObjectData, Subject::LargeObjects(..)) => {
                if let Some(layout) = self.opts.large_objects {
                    self.large_object_data(obj, layout);
                }
            }
            _ => {}
        }
    }

    /// `dumpDatabase`: CREATE DATABASE with what cannot change later (encoding, locale,
    /// tablespace); the rest in DATABASE PROPERTIES, applied after connecting to it.
    fn database(&mut self, db: &Database) {
        let q = ident(&db.name);
        let mut create = format!("CREATE DATABASE {q} WITH TEMPLATE = template0");
        if !db.encoding.is_empty() {
            create.push_str(&format!(" ENCODING = {}", literal(&db.encoding, true)));
        }
        create.push_str(match db.locale_provider {
            b'b' => " LOCALE_PROVIDER = builtin",
            b'i' => " LOCALE_PROVIDER = icu",
            _ => " LOCALE_PROVIDER = libc",
        });
        if !db.collate.is_empty() && db.collate == db.ctype {
            create.push_str(&format!(" LOCALE = {}", literal(&db.collate, true)));
        } else {
            if !db.collate.is_empty() {
                create.push_str(&format!(" LC_COLLATE = {}", literal(&db.collate, true)));
            }
            if !db.ctype.is_empty() {
                create.push_str(&format!(" LC_CTYPE = {}", literal(&db.ctype, true)));
            }
        }
        if let Some(locale) = &db.locale {
            let kw = if db.locale_provider == b'b' {
                "BUILTIN_LOCALE"
            } else {
                "ICU_LOCALE"
            };
            create.push_str(&format!(" {kw} = {}", literal(locale, true)));
        }
        if let Some(rules) = &db.icu_rules {
            create.push_str(&format!(" ICU_RULES = {}", literal(rules, true)));
        }
        if !db.tablespace.is_empty() && db.tablespace != "pg_default" && !self.opts.no_tablespaces {
            create.push_str(&format!(" TABLESPACE = {}", ident(&db.tablespace)));
        }
        create.push_str(";\n");
        let db_id = self.new_id();
        let mut te = TocEntry::new(db_id, "DATABASE", db.name.clone(), Section::PreData);
        te.catalog_id = CatalogId {
            tableoid: classid::PG_DATABASE,
            oid: db.oid,
        };
        te.owner = Some(db.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(format!("DROP DATABASE {q};\n"));
        self.entries.push(te);

        if let Some(text) = db
            .comment
            .as_deref()
            .filter(|c| !c.is_empty() && self.opts.comments)
        {
            let id = self.new_id();
            let mut te = TocEntry::new(id, "COMMENT", format!("DATABASE {q}"), Section::None);
            te.owner = Some(db.owner.clone());
            te.defn = Some(format!(
                "COMMENT ON DATABASE {q} IS {};\n",
                literal(text, true)
            ));
            te.dependencies = vec![db_id];
            self.entries.push(te);
        }
        self.database_labels_and_privileges(db, db_id);

        let mut props = String::new();
        let mut drop = String::new();
        if db.connection_limit != -1 {
            props.push_str(&format!(
                "ALTER DATABASE {q} CONNECTION LIMIT = {};\n",
                db.connection_limit
            ));
        }
        if db.is_template {
            props.push_str(&format!("ALTER DATABASE {q} IS_TEMPLATE = true;\n"));
            // A template cannot be dropped; unmark it first.
            drop.push_str(&format!(
                "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = {};\n",
                literal(&db.name, true)
            ));
        }
        for item in &db.settings {
            props.push_str(&alter_config("DATABASE", &db.name, None, item));
        }
        for (role, item) in &db.role_settings {
            props.push_str(&alter_config("ROLE", role, Some(&db.name), item));
        }
        if !props.is_empty() {
            let id = self.new_id();
            let mut te =
                TocEntry::new(id, "DATABASE PROPERTIES", db.name.clone(), Section::PreData);
            te.owner = Some(db.owner.clone());
            te.defn = Some(props);
            te.drop_stmt = Some(drop);
            // No dependencies: upstream passes the database's dump id without a count.
            self.entries.push(te);
        }
    }

    /// `dumpLO` (1.16: BLOB METADATA for a group) or pg_dump 16's `dumpBlob` (a BLOB entry
    /// per object); then each object's comment.
    fn large_object_metadata(&mut self, obj: &DumpObject, los: &[LargeObject], layout: LoLayout) {
        let Some(first) = los.first() else { return };
        let mut te = match layout {
            LoLayout::Grouped => {
                let mut te =
                    TocEntry::new(obj.id, "BLOB METADATA", obj.name.clone(), Section::Data);
                te.defn = Some(los.iter().map(|lo| format!("{}\n", lo.oid)).collect());
                te.drop_stmt = Some("-- dummy".to_owned());
                te
            }
            LoLayout::PerObject => {
                let mut te = TocEntry::new(obj.id, "BLOB", obj.name.clone(), Section::PreData);
                te.defn = Some(format!("SELECT pg_catalog.lo_create('{}');\n", first.oid));
                te.drop_stmt = Some(format!("SELECT pg_catalog.lo_unlink('{}');\n", first.oid));
                te
            }
        };
        te.catalog_id = obj.catalog_id;
        te.owner = Some(first.owner.clone());
        self.entries.push(te);
        for lo in los {
            let cid = CatalogId {
                tableoid: classid::PG_LARGEOBJECT,
                oid: lo.oid,
            };
            let name = lo.oid.to_string();
            self.comment("LARGE OBJECT", &name, None, &lo.owner, cid, 0, obj.id);
            self.seclabel("LARGE OBJECT", &name, None, &lo.owner, cid, 0, obj.id);
        }
        self.large_object_privileges(obj, los);
    }

    /// The BLOBS entry that carries the objects' contents.
    fn large_object_data(&mut self, obj: &DumpObject, layout: LoLayout) {
        let mut te = TocEntry::new(obj.id, "BLOBS", obj.name.clone(), Section::Data);
        te.had_dumper = true;
        te.data = tusk_format::DataLocation::Unknown;
        if layout == LoLayout::Grouped {
            // The group's metadata entry comes first among the dependencies; its owner is the
            // group's.
            let meta = obj.deps.first().copied();
            te.owner = meta
                .and_then(|m| self.entries.iter().find(|e| e.dump_id == m))
                .and_then(|e| e.owner.clone());
            // Upstream passes the object's own dependency list, section boundary included.
            te.dependencies = obj.deps.clone();
        }
        self.entries.push(te);
    }

    /// `dumpNamespace`. The public schema exists in every database: it is not created, its
    /// entry only records a non-default owner, and its comment and privileges are compared
    /// with what a new database has. Of pg_catalog only changed privileges are dumped.
    fn namespace(&mut self, obj: &DumpObject, i: usize) {
        let ns = &self.cat.namespaces[i];
        let q = ident(&ns.name);
        if ns.name == "pg_catalog" {
            self.schema_privileges(obj, i);
            return;
        }
        // An extension's schema comes with it: only its changed privileges, and only when
        // the extension is dumped.
        if let Some(ext) = self.cat.member_namespaces.get(&ns.oid) {
            if self
                .cat
                .extensions
                .iter()
                .any(|e| e.oid == *ext && e.selected)
            {
                self.schema_privileges(obj, i);
            }
            return;
        }
        // pg_dump's selectDumpableNamespace/dumpNamespace: initdb's `public` keeps only its
        // ownership, and that only when it is not the default owner (pg_database_owner in a
        // new database).
        if ns.create || ns.owner != "pg_database_owner" {
            let mut te = TocEntry::new(obj.id, "SCHEMA", ns.name.clone(), Section::PreData);
            te.catalog_id = obj.catalog_id;
            te.owner = Some(ns.owner.clone());
            if ns.create {
                te.defn = Some(format!("CREATE SCHEMA {q};\n"));
                te.drop_stmt = Some(format!("DROP SCHEMA {q};\n"));
            } else {
                te.defn = Some("-- *not* creating schema, since initdb creates it\n".to_owned());
                te.drop_stmt =
                    Some("-- *not* dropping schema, since initdb creates it\n".to_owned());
            }
            self.entries.push(te);
        }
        // initdb's comment on `public` is left out, and its removal replayed as an empty
        // comment. Upstream compares the quoted name, so with --quote-all-identifiers the
        // comment is kept.
        if !ns.create && q == "public" {
            let text = match self.find_comment(obj.catalog_id, 0) {
                None => Some(String::new()),
                Some(c) if c == "standard public schema" => None,
                other => other,
            };
            if let Some(text) = text.filter(|_| self.opts.comments) {
                let tag = format!("SCHEMA {q}");
                self.push_comment_ns(tag.clone(), &tag, &text, None, &ns.owner, obj.id);
            }
        } else {
            self.comment("SCHEMA", &q, None, &ns.owner, obj.catalog_id, 0, obj.id);
        }
        self.seclabel("SCHEMA", &q, None, &ns.owner, obj.catalog_id, 0, obj.id);
        self.schema_privileges(obj, i);
    }

    fn sequence(&mut self, obj: &DumpObject, rel: &Relation) {
        let Some(seq) = &rel.sequence else { return };
        let qual = qualified(&rel.schema, &rel.name);
        let ascending = seq.increment >= 0;
        let (min_default, max_default) = match seq.type_name.as_str() {
            "smallint" => (
                if ascending { 1 } else { i64::from(i16::MIN) },
                if ascending { i64::from(i16::MAX) } else { -1 },
            ),
            "integer" => (
                if ascending { 1 } else { i64::from(i32::MIN) },
                if ascending { i64::from(i32::MAX) } else { -1 },
            ),
            _ => (
                if ascending { 1 } else { i64::MIN },
                if ascending { i64::MAX } else { -1 },
            ),
        };
        let owner_table = rel.owned_by.and_then(|(tab, col, identity)| {
            let t = self.cat.relation(tab)?;
            let c = t.columns.iter().find(|c| c.num == col)?;
            Some((t, c, identity))
        });
        let identity = owner_table.filter(|(_, _, identity)| *identity);
        let mut q = String::new();
        if let Some((t, c, _)) = identity {
            q.push_str(&format!(
                "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {} AS IDENTITY (\n    SEQUENCE NAME {qual}\n",
                qualified(&t.schema, &t.name),
                ident(&c.name),
                if c.identity == Some(b'a') { "ALWAYS" } else { "BY DEFAULT" }
            ));
            if rel.persistence != t.persistence {
                q.push_str(if rel.persistence == b'u' {
                    "    UNLOGGED\n"
                } else {
                    "    LOGGED\n"
                });
            }
        } else {
            q.push_str(&format!(
                "CREATE {}SEQUENCE {qual}\n",
                if rel.persistence == b'u' {
                    "UNLOGGED "
                } else {
                    ""
                }
            ));
            if seq.type_name != "bigint" {
                q.push_str(&format!("    AS {}\n", seq.type_name));
            }
        }
        q.push_str(&format!(
            "    START WITH {}\n    INCREMENT BY {}\n",
            seq.start, seq.increment
        ));
        if seq.min != min_default {
            q.push_str(&format!("    MINVALUE {}\n", seq.min));
        } else {
            q.push_str("    NO MINVALUE\n");
        }
        if seq.max != max_default {
            q.push_str(&format!("    MAXVALUE {}\n", seq.max));
        } else {
            q.push_str("    NO MAXVALUE\n");
        }
        q.push_str(&format!(
            "    CACHE {}{}",
            seq.cache,
            if seq.cycle { "\n    CYCLE" } else { "" }
        ));
        q.push_str(if identity.is_some() { "\n);\n" } else { ";\n" });

        let mut te = TocEntry::new(obj.id, "SEQUENCE", rel.name.clone(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(q);
        te.drop_stmt = identity
            .is_none()
            .then(|| format!("DROP SEQUENCE {qual};\n"));
        self.entries.push(te);

        // pg_dump's dumpSequence: OWNED BY only when the owning table is dumped too.
        if let Some((t, c, false)) = owner_table.filter(|(t, _, _)| t.selected) {
            let id = self.new_id();
            let mut te = TocEntry::new(id, "SEQUENCE OWNED BY", rel.name.clone(), Section::PreData);
            te.namespace = Some(rel.schema.clone());
            te.owner = Some(rel.owner.clone());
            te.defn = Some(format!(
                "ALTER SEQUENCE {qual} OWNED BY {}.{};\n",
                qualified(&t.schema, &t.name),
                ident(&c.name)
            ));
            te.dependencies = vec![obj.id];
            self.entries.push(te);
        }
        self.comment(
            "SEQUENCE",
            &ident(&rel.name),
            Some(&rel.schema),
            &rel.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
        self.seclabel(
            "SEQUENCE",
            &ident(&rel.name),
            Some(&rel.schema),
            &rel.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }

    fn attr_default(&mut self, obj: &DumpObject, rel: &Relation, col: &Column) {
        let Some(def) = &col.default else { return };
        let qual = qualified(&rel.schema, &rel.name);
        let mut te = TocEntry::new(
            obj.id,
            "DEFAULT",
            format!("{} {}", rel.name, col.name),
            Section::PreData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        let keyword = rel.table_keyword();
        te.defn = Some(format!(
            "ALTER {keyword} ONLY {qual} ALTER COLUMN {} SET DEFAULT {};\n",
            ident(&col.name),
            def.expr
        ));
        te.drop_stmt = Some(format!(
            "ALTER {keyword} {qual} ALTER COLUMN {} DROP DEFAULT;\n",
            ident(&col.name)
        ));
        self.entries.push(te);
    }

    fn constraint(&mut self, obj: &DumpObject, rel: &Relation, con: &Constraint) {
        let qual = qualified(&rel.schema, &rel.name);
        let only = if con.contype == b'f' && rel.relkind == b'p' {
            ""
        } else {
            "ONLY "
        };
        let mut q = format!(
            "ALTER TABLE {only}{qual}\n    ADD CONSTRAINT {} ",
            ident(&con.name)
        );
        let Some(def) = &con.definition else { return };
        q.push_str(&format!("{def};\n"));
        let desc = if con.contype == b'f' {
            "FK CONSTRAINT"
        } else {
            "CONSTRAINT"
        };
        let mut te = TocEntry::new(
            obj.id,
            desc,
            format!("{} {}", rel.name, con.name),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(q);
        te.drop_stmt = Some(format!(
            "ALTER TABLE {only}{qual} DROP CONSTRAINT {};\n",
            ident(&con.name)
        ));
        self.entries.push(te);
        self.constraint_comment(rel, con.oid, &con.name, obj.id);
    }

    /// `dumpTableConstraintComment`.
    fn constraint_comment(&mut self, rel: &Relation, oid: u32, name: &str, dep: DumpId) {
        let on = format!("{} ON {}", ident(name), qualified(&rel.schema, &rel.name));
        self.comment_entry(
            "CONSTRAINT",
            &on,
            &format!("CONSTRAINT {} ON {}", ident(name), ident(&rel.name)),
            &rel.schema,
            &rel.owner,
            CatalogId {
                tableoid: classid::PG_CONSTRAINT,
                oid,
            },
            dep,
        );
    }

    fn table_data(&mut self, obj: &DumpObject, rel: &Relation) {
        let mut te = TocEntry::new(obj.id, "TABLE DATA", rel.name.clone(), Section::Data);
        te.catalog_id = CatalogId {
            tableoid: 0,
            oid: rel.oid,
        };
        te.had_dumper = true;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        // Data loaded via the partition root says so in its definition, where pg_restore
        // looks for it (is_load_via_partition_root).
        let target = self.cat.load_target(rel, self.opts.load_via_partition_root);
        let target_qual = qualified(&target.schema, &target.name);
        if target.oid != rel.oid {
            te.defn = Some(format!(
                "-- load via partition root {}",
                tusk_format::script::sanitize_line(Some(&target_qual), true)
            ));
        }
        te.copy_stmt = (!self.opts.inserts)
            .then(|| format!("COPY {target_qual} {} FROM stdin;\n", copy_column_list(rel)));
        te.dependencies = vec![obj.deps.first().copied().unwrap_or_default()];
        te.data = tusk_format::DataLocation::Unknown;
        self.entries.push(te);
    }

    fn sequence_set(&mut self, rel: &Relation) {
        let Some(seq) = &rel.sequence else { return };
        let Some(table_id) = self.table_ids.get(&rel.oid).copied() else {
            return;
        };
        let qual = qualified(&rel.schema, &rel.name);
        let id = self.new_id();
        let mut te = TocEntry::new(id, "SEQUENCE SET", rel.name.clone(), Section::Data);
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(format!(
            "SELECT pg_catalog.setval({}, {}, {});\n",
            literal(&qual, true),
            seq.last_value.unwrap_or(seq.start),
            if seq.is_called { "true" } else { "false" }
        ));
        te.dependencies = vec![table_id];
        self.entries.push(te);
    }

    /// `dumpTableComment`, then `dumpTableSecLabel`, which pg_dump always calls together.
    fn table_comments(&mut self, obj: &DumpObject, rel: &Relation, kind: &str) {
        self.table_comment_entries(obj, rel, kind);
        self.relation_seclabels(obj, rel, kind);
    }

    /// `dumpTableComment`: the table's comment, then its columns' comments.
    fn table_comment_entries(&mut self, obj: &DumpObject, rel: &Relation, kind: &str) {
        if !self.opts.comments {
            return;
        }
        for c in self.cat.comments_on(classid::PG_CLASS, rel.oid) {
            let (tag, target) = if c.objsubid == 0 {
                (
                    format!("{kind} {}", ident(&rel.name)),
                    format!("{kind} {}", qualified(&rel.schema, &rel.name)),
                )
            } else if let Some(col) = rel
                .columns
                .iter()
                .find(|col| i32::from(col.num) == c.objsubid)
            {
                (
                    format!("COLUMN {}.{}", ident(&rel.name), ident(&col.name)),
                    format!(
                        "COLUMN {}.{}",
                        qualified(&rel.schema, &rel.name),
                        ident(&col.name)
                    ),
                )
            } else {
                continue;
            };
            self.push_comment(tag, &target, &c.text, &rel.schema, &rel.owner, obj.id);
        }
    }

    /// `dumpComment` for an object named `name` (already quoted) of SQL kind `kind`.
    #[allow(clippy::too_many_arguments)]
    fn comment(
        &mut self,
        kind: &str,
        name: &str,
        schema: Option<&str>,
        owner: &str,
        cid: CatalogId,
        subid: i32,
        dep: DumpId,
    ) {
        let target = match schema {
            Some(s) => format!("{kind} {}.{name}", ident(s)),
            None => format!("{kind} {name}"),
        };
        let tag = format!("{kind} {name}");
        if let Some(text) = self.find_comment(cid, subid) {
            self.push_comment_ns(tag, &target, &text, schema, owner, dep);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn comment_entry(
        &mut self,
        kind: &str,
        on: &str,
        tag: &str,
        schema: &str,
        owner: &str,
        cid: CatalogId,
        dep: DumpId,
    ) {
        if let Some(text) = self.find_comment(cid, 0) {
            self.push_comment(
                tag.to_owned(),
                &format!("{kind} {on}"),
                &text,
                schema,
                owner,
                dep,
            );
        }
    }

    fn find_comment(&self, cid: CatalogId, subid: i32) -> Option<String> {
        if !self.opts.comments {
            return None;
        }
        self.cat
            .comments_on(cid.tableoid, cid.oid)
            .iter()
            .find(|c| c.objsubid == subid)
            .map(|c| c.text.clone())
    }

    fn push_comment(
        &mut self,
        tag: String,
        target: &str,
        text: &str,
        schema: &str,
        owner: &str,
        dep: DumpId,
    ) {
        self.push_comment_ns(tag, target, text, Some(schema), owner, dep);
    }

    fn push_comment_ns(
        &mut self,
        tag: String,
        target: &str,
        text: &str,
        schema: Option<&str>,
        owner: &str,
        dep: DumpId,
    ) {
        let id = self.new_id();
        let mut te = TocEntry::new(id, "COMMENT", tag, Section::None);
        te.namespace = schema.map(str::to_owned);
        te.owner = Some(owner.to_owned());
        te.defn = Some(format!("COMMENT ON {target} IS {};\n", literal(text, true)));
        te.dependencies = vec![dep];
        self.entries.push(te);
    }
}

fn attr_name(rel: &Relation, num: i16) -> String {
    match num {
        -1 => "ctid".to_owned(),
        -2 => "xmin".to_owned(),
        -3 => "cmin".to_owned(),
        -4 => "xmax".to_owned(),
        -5 => "cmax".to_owned(),
        -6 => "tableoid".to_owned(),
        n => rel
            .columns
            .iter()
            .find(|c| c.num == n)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
    }
}

/// Settings whose values are lists that the server stores already quoted
/// (`variable_is_guc_list_quote`): each element becomes its own literal.
const LIST_QUOTED_SETTINGS: &[&str] = &[
    "local_preload_libraries",
    "oauth_validator_libraries",
    "output_plugin_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

/// `makeAlterConfigCommand`: `ALTER type name [IN DATABASE db] SET setting TO value;`.
pub fn alter_config(kind: &str, name: &str, in_database: Option<&str>, item: &str) -> String {
    let Some((setting, value)) = item.split_once('=') else {
        return String::new();
    };
    let mut cmd = format!("ALTER {kind} {} ", ident(name));
    if let Some(db) = in_database {
        cmd.push_str(&format!("IN DATABASE {} ", ident(db)));
    }
    cmd.push_str(&format!(
        "SET {} TO {};\n",
        ident(setting),
        setting_value(setting, value)
    ));
    cmd
}

/// The value of a stored `setting=value` item as SQL after `SET setting TO`: a list setting
/// the server stored already quoted gives one literal per element (nothing when the list does
/// not parse, as upstream), any other a single literal.
fn setting_value(setting: &str, value: &str) -> String {
    if LIST_QUOTED_SETTINGS.contains(&setting.to_ascii_lowercase().as_str()) {
        split_guc_list(value)
            .unwrap_or_default()
            .iter()
            .map(|p| literal(p, true))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        literal(value, true)
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `SplitGUCList`: comma-separated elements, each possibly double-quoted (with `""` for a
/// quote); unquoted elements end at a comma or a blank, blanks around elements are dropped.
/// An empty value is an empty list; `None` for what upstream rejects (an unterminated quote,
/// an empty unquoted element, anything else after an element).
fn split_guc_list(value: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = value.trim_start_matches(is_c_space);
    if rest.is_empty() {
        return Some(out);
    }
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut item = String::new();
            let mut chars = quoted.char_indices().peekable();
            let end = loop {
                match chars.next()? {
                    (_, '"') if chars.peek().is_some_and(|&(_, c)| c == '"') => {
                        chars.next();
                        item.push('"');
                    }
                    (i, '"') => break i + 1,
                    (_, c) => item.push(c),
                }
            };
            out.push(item);
            rest = &quoted[end..];
        } else {
            let end = rest
                .find(|c: char| c == ',' || is_c_space(c))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        rest = rest.trim_start_matches(is_c_space);
        match rest.strip_prefix(',') {
            Some(next) => rest = next.trim_start_matches(is_c_space),
            None if rest.is_empty() => return Some(out),
            None => return None,
        }
    }
}

/// `fmtCopyColumnList`: the columns COPY moves (not dropped, not generated), or "" if none.
pub fn copy_column_list(rel: &Relation) -> String {
    let cols: Vec<String> = rel
        .columns
        .iter()
        .filter(|c| !c.dropped && c.generated.is_none())
        .map(|c| ident(&c.name))
        .collect();
    if cols.is_empty() {
        String::new()
    } else {
        format!("({})", cols.join(", "))
    }
}

/// `dumpTableData_copy`'s query: the table as it is, or, with a row filter (an extension's
/// configuration table), a SELECT of the same columns.
pub fn copy_query(rel: &Relation, filter: Option<&str>, encoding: Encoding) -> String {
    copy_select(rel, filter.map(|cond| ("", cond)), encoding)
}

/// The COPY that reads one piece of a split table: the rows of `ONLY` the table (its
/// inheritance children have members of their own) that `range`, a condition on `ctid`,
/// selects; the same columns as [`copy_query`].
pub fn copy_range_query(rel: &Relation, range: &str, encoding: Encoding) -> String {
    copy_select(rel, Some(("ONLY ", &format!("WHERE {range}"))), encoding)
}

/// `COPY table (columns)`, or with `select` (what precedes the table name, the condition
/// after it) `COPY (SELECT columns FROM ...)`.
fn copy_select(rel: &Relation, select: Option<(&str, &str)>, encoding: Encoding) -> String {
    let qual = qualified(&rel.schema, &rel.name);
    let columns = copy_column_list(rel);
    // The session speaks UTF-8; COPY itself converts the rows into any other client encoding.
    let options = if encoding.is_utf8() {
        String::new()
    } else {
        format!(" WITH (ENCODING {})", literal(encoding.name(), true))
    };
    match select {
        None => format!("COPY {qual} {columns} TO stdout{options};"),
        Some((only, cond)) => {
            let select = columns
                .strip_prefix('(')
                .and_then(|c| c.strip_suffix(')'))
                .unwrap_or("*");
            format!("COPY (SELECT {select} FROM {only}{qual} {cond}) TO stdout{options};")
        }
    }
}

/// `appendReloptionsArray`: `name=value` pairs. A value that reads as an identifier needing no
/// quotes (`off`, `auto`) stays bare as upstream prints it; any other is quoted as a literal.
fn reloptions(opts: &[String], prefix: &str) -> String {
    opts.iter()
        .map(|opt| {
            let (name, value) = opt.split_once('=').unwrap_or((opt.as_str(), ""));
            let value = if ident(value) == value {
                value.to_owned()
            } else {
                literal(value, true)
            };
            format!("{prefix}{}={value}", ident(name))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `BuildArchiveDependencies`: an entry without explicit dependencies gets the dump ids of its
/// object's dependencies that are themselves in the archive, looking through objects that are
/// not (boundaries excepted).
pub fn build_archive_dependencies(entries: &mut [TocEntry], graph: &ObjectGraph) {
    let present: HashSet<DumpId> = entries.iter().map(|e| e.dump_id).collect();
    for te in entries.iter_mut().filter(|e| e.dependencies.is_empty()) {
        let Some(obj) = graph.get(te.dump_id) else {
            continue;
        };
        let mut deps = Vec::new();
        collect_deps(graph, obj, &present, &mut deps, 0);
        te.dependencies = deps;
    }
}

fn collect_deps(
    graph: &ObjectGraph,
    obj: &DumpObject,
    present: &HashSet<DumpId>,
    out: &mut Vec<DumpId>,
    depth: usize,
) {
    if matches!(
        obj.kind,
        ObjectKind::PreDataBoundary | ObjectKind::PostDataBoundary
    ) || depth > 64
    {
        return;
    }
    for &d in &obj.deps {
        if present.contains(&d) {
            out.push(d);
        } else if let Some(other) = graph.get(d) {
            collect_deps(graph, other, present, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod database_tests;
#[cfg(test)]
mod namespace_tests;

//! Which parts of which TOC entries a restore (or a plain dump) outputs: upstream's
//! `ProcessArchiveRestoreOptions` and `_tocEntryRequired`.

use std::collections::HashMap;

use crate::toc::{DumpId, Section, Toc, TocEntry};

/// The components of one entry that are wanted (upstream's REQ_* bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reqs {
    pub schema: bool,
    pub data: bool,
    pub stats: bool,
    /// ENCODING / STDSTRINGS / SEARCHPATH: feed the preamble, never restored as statements.
    pub special: bool,
}

impl Reqs {
    const NONE: Reqs = Reqs {
        schema: false,
        data: false,
        stats: false,
        special: false,
    };

    /// Whether the entry produces output in a restore pass.
    pub fn any_restorable(self) -> bool {
        self.schema || self.data || self.stats
    }

    /// Whether `-l` lists the entry (any bit at all, special ones included).
    pub fn any(self) -> bool {
        self.any_restorable() || self.special
    }
}

/// Which sections are wanted (`--section`, `-s`, `-a` in their section form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections {
    pub pre_data: bool,
    pub data: bool,
    pub post_data: bool,
}

impl Sections {
    /// `set_dump_section`, for `--section=name`: the first one replaces "all sections" by the
    /// section named, later ones add theirs.
    pub fn add_named(current: &mut Option<Sections>, name: &str) -> Result<(), String> {
        let s = current.get_or_insert(Sections {
            pre_data: false,
            data: false,
            post_data: false,
        });
        match name {
            "pre-data" => s.pre_data = true,
            "data" => s.data = true,
            "post-data" => s.post_data = true,
            _ => return Err(format!("unrecognized section name: \"{name}\"")),
        }
        Ok(())
    }
}

impl Default for Sections {
    fn default() -> Self {
        Sections {
            pre_data: true,
            data: true,
            post_data: true,
        }
    }
}

/// The selection options shared by pg_dump's plain output and pg_restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub dump_schema: bool,
    pub dump_data: bool,
    pub dump_statistics: bool,
    pub sections: Sections,
    /// `-x`: no ACL entries.
    pub acls_skip: bool,
    pub no_comments: bool,
    pub no_policies: bool,
    pub no_publications: bool,
    pub no_security_labels: bool,
    pub no_subscriptions: bool,
    /// `--sequence-data`: SEQUENCE SET survives a schema-only selection.
    pub sequence_data: bool,
    /// `-L`: only these dump ids are wanted.
    pub wanted_ids: Option<std::collections::HashSet<DumpId>>,
    /// pg_restore's `-n/-N/-t/-I/-P/-T`.
    pub names: Names,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            dump_schema: true,
            dump_data: true,
            dump_statistics: true,
            sections: Sections::default(),
            acls_skip: false,
            no_comments: false,
            no_policies: false,
            no_publications: false,
            no_security_labels: false,
            no_subscriptions: false,
            sequence_data: false,
            wanted_ids: None,
            names: Names::default(),
        }
    }
}

/// pg_restore's selection by name (`-n/-N/-t/-I/-P/-T` and their `--filter` lines): exact
/// names, no patterns, each list in command-line order (upstream's `SimpleStringList`s).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub schemas: Vec<String>,
    pub exclude_schemas: Vec<String>,
    /// Tables, views, materialized views, foreign tables and sequences, by tag.
    pub tables: Vec<String>,
    pub indexes: Vec<String>,
    /// Functions, aggregates and procedures by tag, i.e. `name(argument types)`.
    pub functions: Vec<String>,
    pub triggers: Vec<String>,
    /// `--strict-names`: every name of an include list must select something.
    pub strict: bool,
}

impl Names {
    /// Upstream's `selTypes`: selection by object type is on.
    fn by_type(&self) -> bool {
        !(self.tables.is_empty()
            && self.indexes.is_empty()
            && self.functions.is_empty()
            && self.triggers.is_empty())
    }

    /// Whether any name option narrows the restore.
    fn any(&self) -> bool {
        !(self.schemas.is_empty() && self.exclude_schemas.is_empty()) || self.by_type()
    }
}

/// A name list with upstream's "touched" marks: a lookup marks the first equal name, and
/// `--strict-names` asks for names never marked.
struct Lookup<'a> {
    names: &'a [String],
    touched: Vec<bool>,
}

impl<'a> Lookup<'a> {
    fn new(names: &'a [String]) -> Self {
        Lookup {
            names,
            touched: vec![false; names.len()],
        }
    }

    /// `simple_string_list_member`.
    fn member(&mut self, name: &str) -> bool {
        match self.names.iter().position(|n| n == name) {
            Some(i) => {
                self.touched[i] = true;
                true
            }
            None => false,
        }
    }

    fn first_untouched(&self) -> Option<&'a str> {
        self.names
            .iter()
            .zip(&self.touched)
            .find(|(_, t)| !**t)
            .map(|(n, _)| n.as_str())
    }
}

/// The lookups of one marking pass.
struct Lookups<'a> {
    schemas: Lookup<'a>,
    tables: Lookup<'a>,
    indexes: Lookup<'a>,
    functions: Lookup<'a>,
    triggers: Lookup<'a>,
}

impl<'a> Lookups<'a> {
    fn new(names: &'a Names) -> Self {
        Lookups {
            schemas: Lookup::new(&names.schemas),
            tables: Lookup::new(&names.tables),
            indexes: Lookup::new(&names.indexes),
            functions: Lookup::new(&names.functions),
            triggers: Lookup::new(&names.triggers),
        }
    }

    /// `StrictNamesCheck`: the first name that selected nothing, lists in upstream's order.
    fn not_found(&self) -> Option<NameNotFound> {
        [
            ("schema", &self.schemas),
            ("table", &self.tables),
            ("index", &self.indexes),
            ("function", &self.functions),
            ("trigger", &self.triggers),
        ]
        .into_iter()
        .find_map(|(kind, list)| {
            list.first_untouched().map(|name| NameNotFound {
                kind,
                name: name.to_owned(),
            })
        })
    }
}

/// `--strict-names`: a name given to `-n/-t/-I/-P/-T` that matched no entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} \"{name}\" not found")]
pub struct NameNotFound {
    pub kind: &'static str,
    pub name: String,
}

/// The marks of every entry, and what `--strict-names` has to say about them.
#[derive(Debug, Clone, Default)]
pub struct Required {
    pub reqs: HashMap<DumpId, Reqs>,
    /// With `--strict-names`, the first name that selected nothing.
    pub not_found: Option<NameNotFound>,
}

/// Marks every entry of `toc` with the components wanted under `sel`, walking the TOC in order
/// so that section-less entries (comments, ACLs) take the section of the entry before them and
/// see whether the entries they depend on were marked.
pub fn required_components(toc: &Toc, sel: &Selection, create_db: bool) -> Required {
    let mut section = Section::PreData;
    let mut lookups = Lookups::new(&sel.names);
    let by_id: HashMap<DumpId, &TocEntry> = toc.entries.iter().map(|te| (te.dump_id, te)).collect();
    let marking = Marking {
        by_id: &by_id,
        sel,
        create_db,
    };
    let mut reqs = HashMap::with_capacity(toc.entries.len());
    for te in &toc.entries {
        if te.section != Section::None {
            section = te.section;
        }
        let r = marking.entry(te, section, &reqs, &mut lookups);
        reqs.insert(te.dump_id, r);
    }
    Required {
        reqs,
        not_found: sel.names.strict.then(|| lookups.not_found()).flatten(),
    }
}

/// What marking an entry looks at besides the entry.
struct Marking<'a> {
    by_id: &'a HashMap<DumpId, &'a TocEntry>,
    sel: &'a Selection,
    create_db: bool,
}

impl Marking<'_> {
    /// `marked` holds the marks of the entries before `te`.
    fn entry(
        &self,
        te: &TocEntry,
        section: Section,
        marked: &HashMap<DumpId, Reqs>,
        lookups: &mut Lookups<'_>,
    ) -> Reqs {
        entry_required(te, section, self.sel, self.create_db, |te| {
            self.wanted_by_name(te, marked, lookups)
        })
    }

    /// The part of `_tocEntryRequired` that applies `-n/-N/-t/-I/-P/-T`.
    fn wanted_by_name(
        &self,
        te: &TocEntry,
        marked: &HashMap<DumpId, Reqs>,
        lookups: &mut Lookups<'_>,
    ) -> bool {
        let names = &self.sel.names;
        let desc = te.desc.as_str();
        if matches!(desc, "ACL" | "COMMENT" | "SECURITY LABEL") {
            // Dependent entries follow their object: wanted when an entry they depend on
            // (other than another ACL) was marked.
            return !names.any()
                || te.dependencies.iter().any(|id| {
                    marked.get(id).is_some_and(|r| r.any())
                        && self.by_id.get(id).is_some_and(|p| p.desc != "ACL")
                });
        }
        if !names.schemas.is_empty()
            && !te
                .namespace
                .as_deref()
                .is_some_and(|ns| lookups.schemas.member(ns))
        {
            return false;
        }
        if te
            .namespace
            .as_deref()
            .is_some_and(|ns| names.exclude_schemas.iter().any(|n| n == ns))
        {
            return false;
        }
        if !names.by_type() {
            return true;
        }
        match desc {
            // Statistics of a table or an index go with it.
            "STATISTICS DATA" => {
                let mut wanted = false;
                for id in &te.dependencies {
                    let Some(p) = self.by_id.get(id) else {
                        continue;
                    };
                    if matches!(
                        p.desc.as_str(),
                        "TABLE" | "VIEW" | "FOREIGN TABLE" | "MATERIALIZED VIEW"
                    ) && lookups.tables.member(&p.tag)
                    {
                        wanted = true;
                    }
                    if p.desc == "INDEX" && lookups.indexes.member(&p.tag) {
                        wanted = true;
                    }
                }
                wanted
            }
            "TABLE"
            | "TABLE DATA"
            | "VIEW"
            | "FOREIGN TABLE"
            | "MATERIALIZED VIEW"
            | "MATERIALIZED VIEW DATA"
            | "SEQUENCE"
            | "SEQUENCE SET" => lookups.tables.member(&te.tag),
            "INDEX" => lookups.indexes.member(&te.tag),
            "FUNCTION" | "AGGREGATE" | "PROCEDURE" => lookups.functions.member(&te.tag),
            "TRIGGER" => lookups.triggers.member(&te.tag),
            _ => false,
        }
    }
}

fn entry_required(
    te: &TocEntry,
    section: Section,
    sel: &Selection,
    create_db: bool,
    wanted_by_name: impl FnOnce(&TocEntry) -> bool,
) -> Reqs {
    let desc = te.desc.as_str();
    if matches!(desc, "ENCODING" | "STDSTRINGS" | "SEARCHPATH") {
        return Reqs {
            special: true,
            ..Reqs::NONE
        };
    }
    let mut res = Reqs {
        schema: true,
        data: true,
        ..Reqs::NONE
    };
    if desc == "STATISTICS DATA" {
        if !sel.dump_statistics {
            return Reqs::NONE;
        }
        res = Reqs {
            stats: true,
            ..Reqs::NONE
        };
    }
    if matches!(desc, "DATABASE" | "DATABASE PROPERTIES") {
        return if create_db {
            Reqs {
                schema: true,
                ..Reqs::NONE
            }
        } else {
            Reqs::NONE
        };
    }
    let tag = te.tag.as_str();
    let excluded = (sel.acls_skip && matches!(desc, "ACL" | "ACL LANGUAGE" | "DEFAULT ACL"))
        || (sel.no_comments && desc == "COMMENT")
        || (sel.no_policies && matches!(desc, "POLICY" | "ROW SECURITY"))
        || (desc == "COMMENT"
            && ((sel.no_policies && tag.starts_with("POLICY"))
                || (sel.no_publications && tag.starts_with("PUBLICATION"))
                || (sel.no_subscriptions && tag.starts_with("SUBSCRIPTION"))))
        || (sel.no_publications
            && matches!(
                desc,
                "PUBLICATION" | "PUBLICATION TABLE" | "PUBLICATION TABLES IN SCHEMA"
            ))
        || (sel.no_security_labels && desc == "SECURITY LABEL")
        || (desc == "SECURITY LABEL"
            && ((sel.no_publications && tag.starts_with("PUBLICATION"))
                || (sel.no_subscriptions && tag.starts_with("SUBSCRIPTION"))))
        || (sel.no_subscriptions && matches!(desc, "SUBSCRIPTION" | "SUBSCRIPTION TABLE"));
    if excluded {
        return Reqs::NONE;
    }
    let section_wanted = match section {
        Section::PreData => sel.sections.pre_data,
        Section::Data => sel.sections.data,
        Section::PostData => sel.sections.post_data,
        Section::None => false,
    };
    if !section_wanted {
        return Reqs::NONE;
    }
    if sel
        .wanted_ids
        .as_ref()
        .is_some_and(|w| !w.contains(&te.dump_id))
    {
        return Reqs::NONE;
    }
    if matches!(desc, "ACL" | "COMMENT" | "SECURITY LABEL") && tag.starts_with("DATABASE ") {
        // Database properties follow -C, not the name options.
        if !create_db {
            return Reqs::NONE;
        }
    } else if !wanted_by_name(te) {
        return Reqs::NONE;
    }

    if !te.had_dumper {
        let large_object_meta =
            matches!(desc, "ACL" | "COMMENT" | "SECURITY LABEL") && tag.starts_with("LARGE OBJECT");
        if matches!(desc, "SEQUENCE SET" | "BLOB" | "BLOB METADATA") || large_object_meta {
            res.schema = false;
        } else {
            res.data = false;
        }
    }
    let defn = te.defn.as_deref().unwrap_or("");
    if defn.is_empty() || defn.starts_with("-- load via partition root ") {
        res.schema = false;
    }
    if desc == "<Init>" && tag == "Max OID" {
        return Reqs::NONE;
    }
    let data_kept = sel.dump_data || (sel.sequence_data && desc == "SEQUENCE SET");
    if !data_kept {
        res.data = false;
    }
    if !sel.dump_schema {
        res.schema = false;
    }
    res
}

/// The `-a/-s/--statistics-only` and `--no-*` switches pg_dump and pg_restore share.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnlyFlags {
    pub data_only: bool,
    pub schema_only: bool,
    pub statistics_only: bool,
    pub no_data: bool,
    pub no_schema: bool,
    pub no_statistics: bool,
    pub with_statistics: bool,
}

/// What is wanted after the switches: (schema, data, statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub schema: bool,
    pub data: bool,
    pub statistics: bool,
}

impl OnlyFlags {
    /// Refuses the combinations pg_dump and pg_restore refuse (same checks, same order, same
    /// words) and derives what is wanted. `statistics_by_default` is false for pg_dump 18 and
    /// true for pg_restore 18.
    pub fn resolve(self, statistics_by_default: bool) -> Result<Wanted, String> {
        let conflicts = [
            (
                self.data_only && self.schema_only,
                "-s/--schema-only",
                "-a/--data-only",
            ),
            (
                self.schema_only && self.statistics_only,
                "-s/--schema-only",
                "--statistics-only",
            ),
            (
                self.data_only && self.statistics_only,
                "-a/--data-only",
                "--statistics-only",
            ),
            (
                self.data_only && self.no_data,
                "-a/--data-only",
                "--no-data",
            ),
            (
                self.schema_only && self.no_schema,
                "-s/--schema-only",
                "--no-schema",
            ),
            (
                self.statistics_only && self.no_statistics,
                "--statistics-only",
                "--no-statistics",
            ),
            (
                self.with_statistics && self.no_statistics,
                "--statistics",
                "--no-statistics",
            ),
            (
                self.data_only && self.with_statistics,
                "-a/--data-only",
                "--statistics",
            ),
            (
                self.schema_only && self.with_statistics,
                "-s/--schema-only",
                "--statistics",
            ),
        ];
        if let Some((_, a, b)) = conflicts.iter().find(|c| c.0) {
            return Err(format!("options {a} and {b} cannot be used together"));
        }
        Ok(Wanted {
            data: ((!self.schema_only && !self.statistics_only) || self.data_only) && !self.no_data,
            schema: ((!self.data_only && !self.statistics_only) || self.schema_only)
                && !self.no_schema,
            statistics: ((statistics_by_default && !self.schema_only && !self.data_only)
                || self.statistics_only
                || self.with_statistics)
                && !self.no_statistics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toc::{ArchiveFormat, ArchiveHeader, ArchiveVersion, Compression, CreateTime};

    fn entry(id: DumpId, desc: &str, ns: &str, tag: &str, deps: &[DumpId]) -> TocEntry {
        let section = match desc {
            "TABLE DATA" => Section::Data,
            "INDEX" | "TRIGGER" => Section::PostData,
            "COMMENT" | "ACL" => Section::None,
            _ => Section::PreData,
        };
        let mut te = TocEntry::new(id, desc, tag, section);
        te.namespace = Some(ns.to_owned());
        te.defn = Some(format!("-- {desc} {tag}"));
        te.had_dumper = desc == "TABLE DATA";
        te.dependencies = deps.to_vec();
        te
    }

    /// Schema s with tables a and b (b commented), a's data, an index on a, a function, and
    /// table a again in schema t.
    fn toc() -> Toc {
        Toc {
            header: ArchiveHeader {
                version: ArchiveVersion::V1_16,
                int_size: 4,
                off_size: 8,
                format: ArchiveFormat::Custom,
                compression: Compression::NONE,
                created: CreateTime::default(),
                dbname: "db".into(),
                server_version: None,
                dump_version: None,
            },
            entries: vec![
                entry(1, "TABLE", "s", "a", &[]),
                entry(2, "TABLE", "s", "b", &[]),
                entry(3, "COMMENT", "s", "TABLE b", &[2]),
                entry(4, "FUNCTION", "s", "f(integer)", &[]),
                entry(5, "TABLE", "t", "a", &[]),
                entry(6, "TABLE DATA", "s", "a", &[1]),
                entry(7, "INDEX", "s", "a_idx", &[1]),
                entry(8, "STATISTICS DATA", "s", "a_idx", &[7]),
            ],
        }
    }

    fn selected(names: Names) -> (Vec<DumpId>, Option<String>) {
        let sel = Selection {
            names,
            ..Selection::default()
        };
        let required = required_components(&toc(), &sel, false);
        let mut ids: Vec<DumpId> = required
            .reqs
            .iter()
            .filter(|(_, r)| r.any_restorable())
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        (ids, required.not_found.map(|e| e.to_string()))
    }

    #[test]
    fn names_select_exactly() {
        let tables = |t: &[&str]| Names {
            tables: t.iter().map(|s| s.to_string()).collect(),
            ..Names::default()
        };
        assert_eq!(selected(Names::default()).0, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(selected(tables(&["a"])).0, [1, 5, 6]);
        // A comment follows the object it belongs to.
        assert_eq!(selected(tables(&["b"])).0, [2, 3]);
        assert_eq!(selected(tables(&["A"])).0, Vec::<DumpId>::new());
        let schema_t = Names {
            schemas: vec!["t".into()],
            ..tables(&["a"])
        };
        assert_eq!(selected(schema_t).0, [5]);
        let not_s = Names {
            exclude_schemas: vec!["s".into()],
            ..Names::default()
        };
        assert_eq!(selected(not_s).0, [5]);
        // An index's statistics go with it.
        let index = Names {
            indexes: vec!["a_idx".into()],
            functions: vec!["f(integer)".into()],
            ..Names::default()
        };
        assert_eq!(selected(index).0, [4, 7, 8]);
    }

    #[test]
    fn strict_names_report_the_first_name_unused() {
        let strict = |names: Names| {
            selected(Names {
                strict: true,
                ..names
            })
            .1
        };
        assert_eq!(
            strict(Names {
                tables: vec!["a".into()],
                ..Names::default()
            }),
            None
        );
        // Only the first of two equal names is marked, as upstream's lists do.
        assert_eq!(
            strict(Names {
                tables: vec!["b".into(), "b".into()],
                ..Names::default()
            }),
            Some("table \"b\" not found".into())
        );
        // Schemas are checked before tables, and excluded schemas not at all.
        assert_eq!(
            strict(Names {
                schemas: vec!["x".into()],
                tables: vec!["y".into()],
                exclude_schemas: vec!["z".into()],
                ..Names::default()
            }),
            Some("schema \"x\" not found".into())
        );
        assert_eq!(
            strict(Names {
                functions: vec!["f(int)".into()],
                ..Names::default()
            }),
            Some("function \"f(int)\" not found".into())
        );
        // Without --strict-names nothing is reported.
        assert_eq!(
            selected(Names {
                tables: vec!["nosuch".into()],
                ..Names::default()
            })
            .1,
            None
        );
    }

    #[test]
    fn only_flags() {
        let w = OnlyFlags::default().resolve(false).unwrap();
        assert_eq!(
            w,
            Wanted {
                schema: true,
                data: true,
                statistics: false
            }
        );
        let w = OnlyFlags {
            schema_only: true,
            ..Default::default()
        }
        .resolve(true)
        .unwrap();
        assert_eq!(
            w,
            Wanted {
                schema: true,
                data: false,
                statistics: false
            }
        );
        let e = OnlyFlags {
            data_only: true,
            schema_only: true,
            ..Default::default()
        }
        .resolve(true);
        assert_eq!(
            e.unwrap_err(),
            "options -s/--schema-only and -a/--data-only cannot be used together"
        );
    }
}

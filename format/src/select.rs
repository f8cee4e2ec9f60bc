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
        }
    }
}

/// Marks every entry of `toc` with the components wanted under `sel`, walking the TOC in order
/// so that section-less entries (comments, ACLs) take the section of the entry before them.
pub fn required_components(toc: &Toc, sel: &Selection, create_db: bool) -> HashMap<DumpId, Reqs> {
    let mut section = Section::PreData;
    toc.entries
        .iter()
        .map(|te| {
            if te.section != Section::None {
                section = te.section;
            }
            (te.dump_id, entry_required(te, section, sel, create_db))
        })
        .collect()
}

fn entry_required(te: &TocEntry, section: Section, sel: &Selection, create_db: bool) -> Reqs {
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
    if matches!(desc, "ACL" | "COMMENT" | "SECURITY LABEL")
        && tag.starts_with("DATABASE ")
        && !create_db
    {
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

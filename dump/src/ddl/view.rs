//! Views, materialized views, rules and REFRESH MATERIALIZED VIEW entries, as pg_dump's
//! dumpTableSchema (view branches), dumpRule and refreshMatViewData print them.

use std::collections::HashSet;

use tusk_format::quote::{ident, qualified};
use tusk_format::{DumpId, Section, TocEntry};

use super::{Builder, reloptions, table};
use crate::catalog::{Catalog, Relation, Rule, ViewInfo};
use crate::objects::{DumpObject, ObjectGraph, ObjectKind, Subject};

/// Views whose ON SELECT rule the sort split off: they are created with a dummy body.
pub(super) fn dummy_views(cat: &Catalog, graph: &ObjectGraph) -> HashSet<u32> {
    graph
        .objects
        .iter()
        .filter(|o| o.kind == ObjectKind::Rule && o.separate)
        .filter_map(|o| match o.subject {
            Subject::Rule(i) => cat.rules.get(i),
            _ => None,
        })
        .filter(|r| r.is_view_select())
        .map(|r| r.table_oid)
        .collect()
}

/// Refreshes left out although their materialized view is populated: one it reads is not
/// (the refresh would fail). `buildMatViewRefreshDependencies` made each refresh depend on
/// the refreshes of the materialized views it reads, directly or through views.
pub(super) fn stale_refreshes(cat: &Catalog, graph: &ObjectGraph) -> HashSet<DumpId> {
    let unpopulated = |o: &DumpObject| match o.subject {
        Subject::Relation(i) => cat.relations[i].view.as_ref().is_some_and(|v| !v.populated),
        _ => false,
    };
    graph
        .objects
        .iter()
        .filter(|o| o.kind == ObjectKind::RefreshMatView)
        .filter(|o| {
            o.deps
                .iter()
                .filter_map(|d| graph.get(*d))
                .any(|d| d.kind == ObjectKind::RefreshMatView && unpopulated(d))
        })
        .map(|o| o.id)
        .collect()
}

/// `createDummyViewAsClause`: a body with the view's column names and types (and non-default
/// collations, which CREATE OR REPLACE VIEW cannot change) and no dependencies.
fn dummy_body(rel: &Relation) -> String {
    let mut q = String::from("SELECT");
    for (n, col) in rel.columns.iter().filter(|c| !c.dropped).enumerate() {
        if n > 0 {
            q.push(',');
        }
        q.push_str(&format!("\n    NULL::{}", col.type_name));
        if let Some(coll) = &col.collation {
            q.push_str(&format!(" COLLATE {coll}"));
        }
        q.push_str(&format!(" AS {}", ident(&col.name)));
    }
    q
}

/// ` WITH (options) AS\n<definition>[\n  WITH x CHECK OPTION];\n`: what follows the view's name
/// in CREATE VIEW and in the CREATE OR REPLACE VIEW of a split-off rule.
fn view_body(rel: &Relation, view: &ViewInfo) -> String {
    let mut q = String::new();
    if !rel.reloptions.is_empty() {
        q.push_str(&format!(" WITH ({})", reloptions(&rel.reloptions, "")));
    }
    q.push_str(&format!(" AS\n{}", view.definition));
    if let Some(check) = view.check_option {
        q.push_str(&format!("\n  WITH {check} CHECK OPTION"));
    }
    q.push_str(";\n");
    q
}

/// The CREATE statement of a view (`dummy`: with a placeholder body) or materialized view.
pub(super) fn create_sql(
    rel: &Relation,
    view: &ViewInfo,
    dummy: bool,
    no_toast_compression: bool,
) -> String {
    let qual = qualified(&rel.schema, &rel.name);
    if rel.relkind != b'm' {
        return if dummy {
            format!("CREATE VIEW {qual} AS\n{};\n", dummy_body(rel))
        } else {
            format!("CREATE VIEW {qual}{}", view_body(rel, view))
        };
    }
    format!(
        "CREATE MATERIALIZED VIEW {qual}{} AS\n{}\n  WITH NO DATA;\n{}",
        table::with_options(rel),
        view.definition,
        table::after_create(rel, &qual, no_toast_compression, None)
    )
}

/// `dumpRule`: (create, drop) statements of a rule. A view's split-off ON SELECT rule
/// replaces the dummy view; undoing it puts the dummy back.
pub(super) fn rule_sql(rel: &Relation, rule: &Rule) -> (String, String) {
    let qual = qualified(&rel.schema, &rel.name);
    let view = rel.view.as_ref().filter(|_| rule.is_view_select());
    let mut create = match view {
        Some(v) => format!("CREATE OR REPLACE VIEW {qual}{}", view_body(rel, v)),
        None => format!("{}\n", rule.definition.as_deref().unwrap_or_default()),
    };
    let name = ident(&rule.name);
    let enable = match rule.enabled {
        b'A' => Some("ENABLE ALWAYS"),
        b'R' => Some("ENABLE REPLICA"),
        b'D' => Some("DISABLE"),
        _ => None,
    };
    if let Some(enable) = enable {
        create.push_str(&format!("ALTER TABLE {qual} {enable} RULE {name};\n"));
    }
    let drop = match view {
        Some(_) => format!("CREATE OR REPLACE VIEW {qual} AS\n{};\n", dummy_body(rel)),
        None => format!("DROP RULE {name} ON {qual};\n"),
    };
    (create, drop)
}

impl Builder<'_> {
    /// A view or materialized view: its entry, then its comments.
    pub(super) fn view(&mut self, obj: &DumpObject, rel: &Relation) {
        let Some(view) = &rel.view else { return };
        let matview = rel.relkind == b'm';
        let kind = if matview { "MATERIALIZED VIEW" } else { "VIEW" };
        let dummy = self.dummy_views.contains(&rel.oid);
        // A materialized view postponed by the sort waits for what it reads in post-data.
        let section = if matview && obj.separate {
            Section::PostData
        } else {
            Section::PreData
        };
        let mut te = TocEntry::new(obj.id, kind, rel.name.clone(), section);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        if matview {
            te.tablespace = Some(rel.tablespace.clone());
            te.tableam = rel.access_method.clone();
        }
        te.relkind = rel.relkind;
        te.defn = Some(create_sql(rel, view, dummy, self.opts.no_toast_compression));
        te.drop_stmt = Some(format!(
            "DROP {kind} {};\n",
            qualified(&rel.schema, &rel.name)
        ));
        self.entries.push(te);
        self.table_comments(obj, rel, kind);
    }

    /// A rule dumped on its own (every rule but a view's body), then its comment.
    pub(super) fn rule(&mut self, obj: &DumpObject, i: usize) {
        let Some(rule) = self.cat.rules.get(i) else {
            return;
        };
        let Some(rel) = self.cat.relation(rule.table_oid) else {
            return;
        };
        let (create, drop) = rule_sql(rel, rule);
        let mut te = TocEntry::new(
            obj.id,
            "RULE",
            format!("{} {}", rel.name, rule.name),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        self.comment(
            &format!("RULE {} ON", ident(&rule.name)),
            &ident(&rel.name),
            Some(&rel.schema),
            &rel.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }

    /// `refreshMatViewData`: the data of a populated materialized view is a REFRESH.
    pub(super) fn refresh_matview(&mut self, obj: &DumpObject, rel: &Relation) {
        let populated = rel.view.as_ref().is_some_and(|v| v.populated);
        if !populated || self.stale_refreshes.contains(&obj.id) {
            return;
        }
        let mut te = TocEntry::new(
            obj.id,
            "MATERIALIZED VIEW DATA",
            rel.name.clone(),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(format!(
            "REFRESH MATERIALIZED VIEW {};\n",
            qualified(&rel.schema, &rel.name)
        ));
        // Upstream passes the object's own dependency list, section boundary included.
        te.dependencies = obj.deps.clone();
        self.entries.push(te);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Column;

    fn col(name: &str, type_name: &str, collation: Option<&str>) -> Column {
        Column {
            name: name.to_owned(),
            type_name: type_name.to_owned(),
            collation: collation.map(str::to_owned),
            is_local: true,
            ..Column::default()
        }
    }

    fn relation(relkind: u8, reloptions: &[&str]) -> Relation {
        Relation {
            oid: 16384,
            schema: "Vüe Schema".to_owned(),
            name: "my \"view\"".to_owned(),
            relkind,
            owner: "owner".to_owned(),
            persistence: b'p',
            reloptions: reloptions.iter().map(|s| s.to_string()).collect(),
            toast_reloptions: Vec::new(),
            tablespace: String::new(),
            access_method: None,
            owned_by: None,
            columns: vec![
                col("id", "integer", None),
                col("Label", "text", Some("pg_catalog.\"C\"")),
                col("select", "numeric(5,1)", None),
            ],
            sequence: None,
            table: Default::default(),
            acl: Default::default(),
            column_acls: Vec::new(),
            pages: 0,
            tuples: None,
            view: Some(ViewInfo {
                definition: " SELECT id,\n    \"Label\",\n    x AS \"select\"\n   FROM t"
                    .to_owned(),
                check_option: Some("CASCADED"),
                populated: true,
            }),
            selected: true,
        }
    }

    fn rule(name: &str, ev_type: u8, is_instead: bool, enabled: u8) -> Rule {
        Rule {
            oid: 1,
            table_oid: 16384,
            name: name.to_owned(),
            ev_type,
            is_instead,
            enabled,
            definition: (ev_type != b'1').then(|| {
                "CREATE RULE x AS\n    ON INSERT TO public.t DO INSTEAD NOTHING;".to_owned()
            }),
        }
    }

    #[test]
    fn view_with_options_and_check_option() {
        let rel = relation(b'v', &["security_barrier=true", "security_invoker=on"]);
        let view = rel.view.as_ref().unwrap();
        insta::assert_snapshot!(create_sql(&rel, view, false, false));
    }

    #[test]
    fn dummy_view_has_only_columns() {
        let rel = relation(b'v', &["security_barrier=true"]);
        let view = rel.view.as_ref().unwrap();
        insta::assert_snapshot!(create_sql(&rel, view, true, false));
    }

    #[test]
    fn materialized_view_with_storage_options() {
        let mut rel = relation(b'm', &["fillfactor=70"]);
        rel.toast_reloptions = vec!["autovacuum_enabled=false".to_owned()];
        rel.table.replica_identity = b'f';
        if let Some(v) = rel.view.as_mut() {
            v.check_option = None;
        }
        let view = rel.view.as_ref().unwrap();
        insta::assert_snapshot!(create_sql(&rel, view, false, false));
    }

    #[test]
    fn split_view_rule_replaces_the_dummy() {
        let rel = relation(b'v', &["security_barrier=true"]);
        let (create, drop) = rule_sql(&rel, &rule("_RETURN", b'1', true, b'O'));
        insta::assert_snapshot!(format!("{create}-- drop:\n{drop}"));
    }

    #[test]
    fn rules_in_each_firing_mode() {
        let rel = relation(b'r', &[]);
        let out: Vec<String> = [b'O', b'D', b'R', b'A']
            .iter()
            .map(|&e| {
                let (create, drop) = rule_sql(&rel, &rule("Log \"it\"", b'3', true, e));
                format!("{create}-- drop:\n{drop}")
            })
            .collect();
        insta::assert_snapshot!(out.join("\n"));
    }
}

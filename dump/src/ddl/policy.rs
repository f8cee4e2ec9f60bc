//! ROW SECURITY and POLICY entries (pg_dump's dumpPolicy).

use tusk_format::quote::{ident, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::{Policy, PolicyCommand, Relation};
use crate::objects::DumpObject;

impl Builder<'_> {
    /// Row security enabled on `rel`. Nothing in pg_depend ties this entry to its table, so
    /// the dependency is explicit.
    pub(super) fn row_security(&mut self, obj: &DumpObject, rel: &Relation) {
        let mut te = TocEntry::new(obj.id, "ROW SECURITY", rel.name.clone(), Section::PostData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(row_security_sql(&qualified(&rel.schema, &rel.name)));
        te.dependencies = self.table_ids.get(&rel.oid).copied().into_iter().collect();
        self.entries.push(te);
    }

    pub(super) fn policy(&mut self, obj: &DumpObject, rel: &Relation, pol: &Policy) {
        let qual = qualified(&rel.schema, &rel.name);
        let (create, drop) = policy_sql(&qual, pol);
        let mut te = TocEntry::new(
            obj.id,
            "POLICY",
            format!("{} {}", rel.name, pol.name),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        self.comment(
            &format!("POLICY {} ON", ident(&pol.name)),
            &ident(&rel.name),
            Some(&rel.schema),
            &rel.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }
}

/// Enabling row security on the table `qual` (already quoted). Upstream writes this one
/// statement without a final newline.
pub fn row_security_sql(qual: &str) -> String {
    format!("ALTER TABLE {qual} ENABLE ROW LEVEL SECURITY;")
}

/// The statements that create and drop `pol` on the table `qual` (already quoted).
pub fn policy_sql(qual: &str, pol: &Policy) -> (String, String) {
    let name = ident(&pol.name);
    let mut create = format!("CREATE POLICY {name} ON {qual}");
    if !pol.permissive {
        create.push_str(" AS RESTRICTIVE");
    }
    create.push_str(match pol.command {
        PolicyCommand::All => "",
        PolicyCommand::Select => " FOR SELECT",
        PolicyCommand::Insert => " FOR INSERT",
        PolicyCommand::Update => " FOR UPDATE",
        PolicyCommand::Delete => " FOR DELETE",
    });
    if let Some(roles) = &pol.roles {
        create.push_str(&format!(" TO {roles}"));
    }
    if let Some(using) = &pol.using {
        create.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &pol.with_check {
        create.push_str(&format!(" WITH CHECK ({check})"));
    }
    create.push_str(";\n");
    (create, format!("DROP POLICY {name} ON {qual};\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(command: PolicyCommand, permissive: bool) -> Policy {
        Policy {
            oid: 16500,
            table_oid: 16384,
            name: "Pol \"1\"".to_owned(),
            command,
            permissive,
            roles: None,
            using: None,
            with_check: None,
        }
    }

    fn render(pol: &Policy) -> String {
        let (create, drop) = policy_sql("\"S\".\"T\"", pol);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn row_security() {
        insta::assert_snapshot!(row_security_sql("\"S\".\"select\""));
    }

    #[test]
    fn bare_policy() {
        insta::assert_snapshot!(render(&policy(PolicyCommand::All, true)));
    }

    #[test]
    fn commands() {
        let all: Vec<String> = [
            PolicyCommand::Select,
            PolicyCommand::Insert,
            PolicyCommand::Update,
            PolicyCommand::Delete,
        ]
        .into_iter()
        .map(|c| render(&policy(c, true)))
        .collect();
        insta::assert_snapshot!(all.join("\n"));
    }

    #[test]
    fn restrictive_with_roles_and_expressions() {
        let pol = Policy {
            roles: Some("\"Role A\", trig_writer".to_owned()),
            using: Some("(owner = CURRENT_USER)".to_owned()),
            with_check: Some("(id > 0)".to_owned()),
            ..policy(PolicyCommand::Update, false)
        };
        insta::assert_snapshot!(render(&pol));
    }
}

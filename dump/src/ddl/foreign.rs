//! FOREIGN DATA WRAPPER, SERVER and USER MAPPING entries (pg_dump's dumpForeignDataWrapper,
//! dumpForeignServer, dumpUserMappings).

use tusk_format::quote::{ident, literal};
use tusk_format::{CatalogId, Section, TocEntry};

use super::Builder;
use crate::acl::{AclTarget, AclType};
use crate::catalog::foreign::UserMapping;
use crate::catalog::{ForeignDataWrapper, ForeignServer};
use crate::objects::DumpObject;

/// ` OPTIONS (...)` from options already formatted by the server; empty for none.
fn options_clause(options: &str) -> String {
    if options.is_empty() {
        String::new()
    } else {
        format!(" OPTIONS (\n    {options}\n)")
    }
}

/// The statements that create and drop a wrapper.
pub fn wrapper_sql(w: &ForeignDataWrapper) -> (String, String) {
    let name = ident(&w.name);
    let mut q = format!("CREATE FOREIGN DATA WRAPPER {name}");
    if let Some(h) = &w.handler {
        q.push_str(&format!(" HANDLER {h}"));
    }
    if let Some(v) = &w.validator {
        q.push_str(&format!(" VALIDATOR {v}"));
    }
    q.push_str(&options_clause(&w.options));
    q.push_str(";\n");
    (q, format!("DROP FOREIGN DATA WRAPPER {name};\n"))
}

/// The statements that create and drop a server.
pub fn server_sql(s: &ForeignServer) -> (String, String) {
    let name = ident(&s.name);
    let mut q = format!("CREATE SERVER {name}");
    if let Some(t) = s.server_type.as_deref().filter(|t| !t.is_empty()) {
        q.push_str(&format!(" TYPE {}", literal(t, true)));
    }
    if let Some(v) = s.version.as_deref().filter(|v| !v.is_empty()) {
        q.push_str(&format!(" VERSION {}", literal(v, true)));
    }
    q.push_str(&format!(" FOREIGN DATA WRAPPER {}", ident(&s.wrapper)));
    q.push_str(&options_clause(&s.options));
    q.push_str(";\n");
    (q, format!("DROP SERVER {name};\n"))
}

/// The statements that create and drop a user mapping of `server`.
pub fn user_mapping_sql(server: &str, m: &UserMapping) -> (String, String) {
    let target = format!("{} SERVER {}", ident(&m.user), ident(server));
    (
        format!(
            "CREATE USER MAPPING FOR {target}{};\n",
            options_clause(&m.options)
        ),
        format!("DROP USER MAPPING FOR {target};\n"),
    )
}

impl Builder<'_> {
    /// The wrapper, its comment and privileges; of an extension's wrapper, only its privileges.
    pub(super) fn foreign_data_wrapper(&mut self, obj: &DumpObject, w: &ForeignDataWrapper) {
        let name = ident(&w.name);
        if w.extension.is_none() {
            let (create, drop) = wrapper_sql(w);
            self.owned_entry(obj, "FOREIGN DATA WRAPPER", &w.name, &w.owner, create, drop);
            let kind = "FOREIGN DATA WRAPPER";
            self.comment(kind, &name, None, &w.owner, obj.catalog_id, 0, obj.id);
        }
        let target = AclTarget {
            kind: AclType::ForeignDataWrapper,
            name: &name,
            subname: None,
            schema: None,
            owner: Some(&w.owner),
        };
        self.acl(obj.id, None, target, None, &w.acl);
    }

    /// The server, its comment and privileges, then its user mappings: entries of their own
    /// that depend on nothing, as upstream makes them. Of an extension's server, only its
    /// privileges.
    pub(super) fn foreign_server(&mut self, obj: &DumpObject, s: &ForeignServer) {
        let name = ident(&s.name);
        if s.extension.is_none() {
            let (create, drop) = server_sql(s);
            self.owned_entry(obj, "SERVER", &s.name, &s.owner, create, drop);
            self.comment("SERVER", &name, None, &s.owner, obj.catalog_id, 0, obj.id);
        }
        let target = AclTarget {
            kind: AclType::ForeignServer,
            name: &name,
            subname: None,
            schema: None,
            owner: Some(&s.owner),
        };
        self.acl(obj.id, None, target, None, &s.acl);
        if s.extension.is_some() {
            return;
        }
        for m in &s.user_mappings {
            let (create, drop) = user_mapping_sql(&s.name, m);
            let id = self.new_id();
            let tag = format!("USER MAPPING {} SERVER {}", m.user, s.name);
            let mut te = TocEntry::new(id, "USER MAPPING", tag, Section::PreData);
            te.catalog_id = CatalogId::default();
            te.owner = Some(s.owner.clone());
            te.defn = Some(create);
            te.drop_stmt = Some(drop);
            self.entries.push(te);
        }
    }

    /// A pre-data entry for an object outside schemas with an owner.
    fn owned_entry(
        &mut self,
        obj: &DumpObject,
        desc: &str,
        name: &str,
        owner: &str,
        create: String,
        drop: String,
    ) {
        let mut te = TocEntry::new(obj.id, desc, name.to_owned(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.owner = Some(owner.to_owned());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_servers_and_mappings() {
        let bare = ForeignDataWrapper {
            name: "Bare FDW".into(),
            ..ForeignDataWrapper::default()
        };
        let full = ForeignDataWrapper {
            name: "full".into(),
            handler: Some("public.handler".into()),
            validator: Some("postgresql_fdw_validator".into()),
            options: "debug 'true',\n    \"Mixed\" 'it''s'".into(),
            ..ForeignDataWrapper::default()
        };
        let server = ForeignServer {
            name: "srv".into(),
            wrapper: "Bare FDW".into(),
            server_type: Some("it's".into()),
            version: Some("1.0".into()),
            options: "host 'x'".into(),
            ..ForeignServer::default()
        };
        let plain = ForeignServer {
            name: "select".into(),
            wrapper: "full".into(),
            server_type: Some(String::new()),
            ..ForeignServer::default()
        };
        let mapping = |user: &str, options: &str| UserMapping {
            user: user.into(),
            options: options.into(),
        };
        let mut out = String::new();
        for (create, drop) in [
            wrapper_sql(&bare),
            wrapper_sql(&full),
            server_sql(&server),
            server_sql(&plain),
            user_mapping_sql("select", &mapping("public", "")),
            user_mapping_sql("srv", &mapping("Mixed User", "user 'u',\n    password 'p'")),
        ] {
            out.push_str(&create);
            out.push_str(&drop);
        }
        insta::assert_snapshot!(out);
    }
}

//! DEFAULT ACL entries (pg_dump's dumpDefaultACL).

use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::acl::{AclError, AclType, default_acl_commands};
use crate::catalog::DefaultAcl;
use crate::error::DumpError;
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn default_acl(&mut self, obj: &DumpObject, d: &DefaultAcl) {
        if !self.opts.privileges {
            return;
        }
        let (objects, sql) = match default_acl_sql(d) {
            Ok(entry) => entry,
            Err(e) => return self.fail(DumpError::Catalog(e.to_string())),
        };
        let mut te = TocEntry::new(
            obj.id,
            "DEFAULT ACL",
            format!("DEFAULT PRIVILEGES FOR {objects}"),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = d.schema.clone();
        te.owner = Some(d.role.clone());
        te.defn = Some(sql);
        self.entries.push(te);
    }
}

/// A default ACL that cannot be turned into commands.
#[derive(Debug, thiserror::Error)]
pub enum DefaultAclError {
    #[error("unrecognized object type in default privileges: {0}")]
    ObjectType(char),
    #[error("could not parse default ACL list ({0})")]
    Acl(#[from] AclError),
}

/// `buildDefaultACLCommands` for one entry, with the keyword of its object type.
pub fn default_acl_sql(d: &DefaultAcl) -> Result<(&'static str, String), DefaultAclError> {
    let (kind, objects) = match d.objtype {
        b'r' => (AclType::Table, "TABLES"),
        b'S' => (AclType::Sequence, "SEQUENCES"),
        b'f' => (AclType::Function, "FUNCTIONS"),
        b'T' => (AclType::Type, "TYPES"),
        b'n' => (AclType::Schema, "SCHEMAS"),
        b'L' => (AclType::LargeObject, "LARGE OBJECTS"),
        other => return Err(DefaultAclError::ObjectType(char::from(other))),
    };
    // A NULL list is the built-in default: nothing to do.
    let sql = match &d.acl.acl {
        Some(acl) => default_acl_commands(
            kind,
            objects,
            &d.role,
            d.schema.as_deref(),
            acl,
            &d.acl.default,
        )?,
        None => String::new(),
    };
    Ok((objects, sql))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Acl;

    fn entry(objtype: u8, schema: Option<&str>, acl: &[&str], default: &[&str]) -> DefaultAcl {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        DefaultAcl {
            oid: 16400,
            role: "types owner".to_owned(),
            namespace_oid: if schema.is_some() { 16390 } else { 0 },
            schema: schema.map(str::to_owned),
            objtype,
            acl: Acl {
                acl: Some(list(acl)),
                default: list(default),
                init: None,
            },
        }
    }

    #[test]
    fn global_and_schema_entries() {
        let owner = "\"types owner\"=X/\"types owner\"";
        let cases = [
            // A global entry revoking PUBLIC's EXECUTE and granting to another role.
            entry(
                b'f',
                None,
                &[owner, "\"types user\"=X*/\"types owner\""],
                &["=X/\"types owner\"", owner],
            ),
            entry(
                b'r',
                Some("Typ Schema"),
                &["=r/\"types owner\"", "\"types user\"=arwd/\"types owner\""],
                &[],
            ),
            entry(b'S', Some("s"), &["\"types user\"=rU/\"types owner\""], &[]),
            entry(
                b'T',
                None,
                &["\"types owner\"=U/\"types owner\""],
                &["=U/\"types owner\"", "\"types owner\"=U/\"types owner\""],
            ),
            entry(
                b'n',
                None,
                &["\"types owner\"=UC/\"types owner\"", "=U/\"types owner\""],
                &["\"types owner\"=UC/\"types owner\""],
            ),
        ];
        let all: Vec<String> = cases
            .iter()
            .map(|d| match default_acl_sql(d) {
                Ok((_, sql)) => sql,
                Err(e) => e.to_string(),
            })
            .collect();
        insta::assert_snapshot!(all.join("--\n"));
    }
}

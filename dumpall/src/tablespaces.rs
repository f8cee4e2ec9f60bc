//! Tablespaces: `DROP TABLESPACE` for `--clean`, then `CREATE TABLESPACE` with options,
//! privileges, comment and security labels; pg_dumpall's dropTablespaces and dumpTablespaces.
//! The built-in ones (`pg_*`) are left out.

use tusk_dump::acl::AclType;
use tusk_dump::catalog::get;
use tusk_dump::ddl::seclabel_command;
use tusk_format::quote::{ident, literal};

use crate::error::DumpallError;
use crate::run::{Globals, query};

pub fn drop_tablespaces(g: &Globals<'_>, out: &mut String) -> Result<(), DumpallError> {
    let rows = query(
        g.session,
        "SELECT spcname FROM pg_catalog.pg_tablespace WHERE spcname !~ '^pg_' ORDER BY 1",
    )?;
    if !rows.is_empty() {
        out.push_str("--\n-- Drop tablespaces\n--\n\n");
    }
    for row in &rows {
        let name: String = get(row, 0)?;
        out.push_str(&format!(
            "DROP TABLESPACE {}{};\n",
            g.if_exists(),
            ident(&name)
        ));
    }
    out.push_str("\n\n");
    Ok(())
}

pub fn tablespaces(g: &Globals<'_>, out: &mut String) -> Result<(), DumpallError> {
    let rows = query(
        g.session,
        "SELECT oid, spcname, pg_catalog.pg_get_userbyid(spcowner) AS spcowner, \
         pg_catalog.pg_tablespace_location(oid), spcacl::pg_catalog.text[], \
         pg_catalog.acldefault('t', spcowner)::pg_catalog.text[] AS acldefault, \
         pg_catalog.array_to_string(spcoptions, ', '), \
         pg_catalog.shobj_description(oid, 'pg_tablespace') \
         FROM pg_catalog.pg_tablespace WHERE spcname !~ '^pg_' ORDER BY 1",
    )?;
    let labels = g.shared_labels("pg_tablespace")?;
    if !rows.is_empty() {
        out.push_str("--\n-- Tablespaces\n--\n\n");
    }
    for row in &rows {
        let oid: u32 = get(row, 0)?;
        let name: String = get(row, 1)?;
        let owner: String = get(row, 2)?;
        let location: String = get(row, 3)?;
        let acl: Option<Vec<String>> = get(row, 4)?;
        let default: Vec<String> = get(row, 5)?;
        let options: Option<String> = get(row, 6)?;
        let comment: Option<String> = get(row, 7)?;
        let quoted = ident(&name);
        // An in-place tablespace (a relative path) is created again with an empty location.
        let location = if location.starts_with('/') {
            location.as_str()
        } else {
            ""
        };
        out.push_str(&format!(
            "CREATE TABLESPACE {quoted} OWNER {} LOCATION {};\n",
            ident(&owner),
            literal(location, g.std_strings)
        ));
        if let Some(options) = options.filter(|o| !o.is_empty()) {
            out.push_str(&format!("ALTER TABLESPACE {quoted} SET ({options});\n"));
        }
        if !g.opts.no_privileges {
            let sql = g.acl(
                AclType::Tablespace,
                &name,
                &quoted,
                &owner,
                acl.as_deref(),
                &default,
            )?;
            out.push_str(&sql);
        }
        if let Some(comment) = comment.filter(|c| !c.is_empty() && !g.opts.no_comments) {
            out.push_str(&format!(
                "COMMENT ON TABLESPACE {quoted} IS {};\n",
                literal(&comment, g.std_strings)
            ));
        }
        if !g.opts.no_security_labels {
            for (provider, label) in labels.get(&oid).into_iter().flatten() {
                out.push_str(&seclabel_command(
                    provider,
                    &format!("TABLESPACE {quoted}"),
                    label,
                ));
            }
        }
    }
    out.push_str("\n\n");
    Ok(())
}

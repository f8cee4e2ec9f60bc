//! Roles: `DROP ROLE` for `--clean`, `CREATE ROLE` / `ALTER ROLE` with their attributes,
//! comments and security labels, their settings, their memberships, and the privileges on
//! configuration parameters; pg_dumpall's dropRoles, dumpRoles, dumpUserConfig,
//! dumpRoleMembership and dumpRoleGUCPrivs.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Row;
use tusk_dump::acl::AclType;
use tusk_dump::catalog::get;
use tusk_dump::ddl::{alter_config, seclabel_command};
use tusk_format::quote::{ident, literal};
use tusk_format::script::sanitize_line;

use crate::error::DumpallError;
use crate::run::{Globals, query};

/// `BOOTSTRAP_SUPERUSERID`: the role that may be named as grantor of any membership.
const BOOTSTRAP_SUPERUSER: u32 = 10;

/// What the roles are read from: `pg_authid`, or `pg_roles` (no passwords, readable by
/// anyone) with `--no-role-passwords`.
fn role_catalog(g: &Globals<'_>) -> &'static str {
    if g.opts.no_role_passwords {
        "pg_roles "
    } else {
        "pg_authid"
    }
}

/// `--clean`: every role but the predefined ones, dropped.
pub fn drop_roles(g: &Globals<'_>, out: &mut String) -> Result<(), DumpallError> {
    let rows = query(
        g.session,
        &format!(
            "SELECT rolname FROM {} WHERE rolname !~ '^pg_' ORDER BY 1",
            role_catalog(g)
        ),
    )?;
    if !rows.is_empty() {
        out.push_str("--\n-- Drop roles\n--\n\n");
    }
    for row in &rows {
        let name: String = get(row, 0)?;
        out.push_str(&format!("DROP ROLE {}{};\n", g.if_exists(), ident(&name)));
    }
    out.push_str("\n\n");
    Ok(())
}

struct Role {
    oid: u32,
    name: String,
    attributes: String,
    comment: Option<String>,
}

/// `CREATE ROLE` and `ALTER ROLE ... WITH` every attribute, so a role that exists already (the
/// one restoring, say) still ends up as dumped; then each role's settings.
pub fn roles(g: &Globals<'_>, out: &mut String) -> Result<(), DumpallError> {
    let sql = format!(
        "SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, \
         rolconnlimit, rolpassword, rolvaliduntil::pg_catalog.text, rolreplication, \
         rolbypassrls, pg_catalog.shobj_description(oid, 'pg_authid') as rolcomment \
         FROM {} WHERE rolname !~ '^pg_' ORDER BY 2",
        role_catalog(g)
    );
    let roles: Vec<Role> = query(g.session, &sql)?
        .iter()
        .map(|row| role(g, row))
        .collect::<Result<_, _>>()?;
    let labels = g.shared_labels("pg_authid")?;
    if !roles.is_empty() {
        out.push_str("--\n-- Roles\n--\n\n");
    }
    for r in &roles {
        out.push_str(&format!("CREATE ROLE {};\n", ident(&r.name)));
        out.push_str(&format!(
            "ALTER ROLE {} WITH{};\n",
            ident(&r.name),
            r.attributes
        ));
        if let Some(comment) = r.comment.as_deref().filter(|_| !g.opts.no_comments) {
            out.push_str(&format!(
                "COMMENT ON ROLE {} IS {};\n",
                ident(&r.name),
                literal(comment, g.std_strings)
            ));
        }
        if !g.opts.no_security_labels {
            for (provider, label) in labels.get(&r.oid).into_iter().flatten() {
                out.push_str(&seclabel_command(
                    provider,
                    &format!("ROLE {}", ident(&r.name)),
                    label,
                ));
            }
        }
    }

    // Settings come after all roles: they may name other roles.
    if !roles.is_empty() {
        out.push_str("\n--\n-- User Configurations\n--\n");
    }
    let settings = role_settings(g)?;
    for r in &roles {
        let Some(items) = settings.get(&r.oid) else {
            continue;
        };
        out.push_str(&format!(
            "\n--\n-- User Config \"{}\"\n--\n\n",
            sanitize_line(Some(&r.name), true)
        ));
        for item in items {
            out.push_str(&alter_config("ROLE", &r.name, None, item));
        }
    }
    out.push_str("\n\n");
    Ok(())
}

fn role(g: &Globals<'_>, row: &Row) -> Result<Role, DumpallError> {
    let mut attributes = String::new();
    for (column, yes, no) in [
        ("rolsuper", "SUPERUSER", "NOSUPERUSER"),
        ("rolinherit", "INHERIT", "NOINHERIT"),
        ("rolcreaterole", "CREATEROLE", "NOCREATEROLE"),
        ("rolcreatedb", "CREATEDB", "NOCREATEDB"),
        ("rolcanlogin", "LOGIN", "NOLOGIN"),
        ("rolreplication", "REPLICATION", "NOREPLICATION"),
        ("rolbypassrls", "BYPASSRLS", "NOBYPASSRLS"),
    ] {
        attributes.push(' ');
        attributes.push_str(if get(row, column)? { yes } else { no });
    }
    let connlimit: i32 = get(row, "rolconnlimit")?;
    if connlimit != -1 {
        attributes.push_str(&format!(" CONNECTION LIMIT {connlimit}"));
    }
    if let Some(password) =
        get::<Option<String>>(row, "rolpassword")?.filter(|_| !g.opts.no_role_passwords)
    {
        attributes.push_str(&format!(" PASSWORD {}", literal(&password, g.std_strings)));
    }
    if let Some(until) = get::<Option<String>>(row, "rolvaliduntil")? {
        attributes.push_str(&format!(" VALID UNTIL '{until}'"));
    }
    Ok(Role {
        oid: get(row, "oid")?,
        name: get(row, "rolname")?,
        attributes,
        comment: get(row, "rolcomment")?,
    })
}

/// Each role's own settings (`ALTER ROLE ... SET`, not those in one database), in stored order.
fn role_settings(g: &Globals<'_>) -> Result<HashMap<u32, Vec<String>>, DumpallError> {
    let rows = query(
        g.session,
        "SELECT s.setrole, c.item FROM pg_catalog.pg_db_role_setting s, \
         pg_catalog.unnest(s.setconfig) WITH ORDINALITY AS c(item, n) \
         WHERE s.setdatabase = 0 ORDER BY s.setrole, c.n",
    )?;
    let mut settings: HashMap<u32, Vec<String>> = HashMap::new();
    for row in rows {
        settings
            .entry(get(&row, 0)?)
            .or_default()
            .push(get(&row, 1)?);
    }
    Ok(settings)
}

/// One row of pg_auth_members, with the names its OIDs have (if any).
struct Grant {
    role: Option<String>,
    member: Option<String>,
    grantor: Option<String>,
    roleid: u32,
    memberid: u32,
    grantorid: u32,
    admin: bool,
    inherit: Option<bool>,
    set: bool,
}

/// `GRANT role TO member [WITH ...] [GRANTED BY grantor]`, role by role in an order the server
/// accepts: a grantor other than the bootstrap superuser must hold ADMIN OPTION already.
pub fn memberships(
    g: &Globals<'_>,
    out: &mut String,
    warn: &mut dyn FnMut(&str, Option<&str>),
) -> Result<(), DumpallError> {
    // Older servers tracked grantors loosely (any role, even a dropped one) and had no
    // INHERIT or SET options per grant.
    let since_16 = g.server_version >= 160000;
    let cat = role_catalog(g);
    let options = if since_16 {
        ", a.inherit_option, a.set_option"
    } else {
        ""
    };
    let sql = format!(
        "SELECT ur.rolname AS role, um.rolname AS member, ug.rolname AS grantor, \
         a.roleid AS roleid, a.member AS memberid, a.grantor AS grantorid, \
         a.admin_option{options} FROM pg_auth_members a \
         LEFT JOIN {cat} ur on ur.oid = a.roleid \
         LEFT JOIN {cat} um on um.oid = a.member \
         LEFT JOIN {cat} ug on ug.oid = a.grantor \
         WHERE NOT (ur.rolname ~ '^pg_' AND um.rolname ~ '^pg_') ORDER BY 1,2,3"
    );
    let grants: Vec<Grant> = query(g.session, &sql)?
        .iter()
        .map(|row| {
            Ok(Grant {
                role: get(row, "role")?,
                member: get(row, "member")?,
                grantor: get(row, "grantor")?,
                roleid: get(row, "roleid")?,
                memberid: get(row, "memberid")?,
                grantorid: get(row, "grantorid")?,
                admin: get(row, "admin_option")?,
                inherit: if since_16 {
                    Some(get(row, "inherit_option")?)
                } else {
                    None
                },
                set: !since_16 || get::<bool>(row, "set_option")?,
            })
        })
        .collect::<Result<_, DumpallError>>()?;
    if !grants.is_empty() {
        out.push_str("--\n-- Role memberships\n--\n\n");
    }
    // The rows come sorted by role name, a missing role's last.
    let mut start = 0;
    while start < grants.len() {
        let Some(role) = grants[start].role.as_deref() else {
            warn(
                &format!(
                    "ignoring role grant for missing role with OID {}",
                    grants[start].roleid
                ),
                None,
            );
            break;
        };
        let end = start
            + grants[start..]
                .iter()
                .take_while(|gr| gr.role.as_deref() == Some(role))
                .count();
        grant_role(role, &grants[start..end], since_16, out, warn)?;
        start = end;
    }
    out.push_str("\n\n");
    Ok(())
}

/// One role's grants, in passes: each pass dumps the grants whose grantor may grant by now.
fn grant_role(
    role: &str,
    grants: &[Grant],
    dump_grantors: bool,
    out: &mut String,
    warn: &mut dyn FnMut(&str, Option<&str>),
) -> Result<(), DumpallError> {
    let mut done = vec![false; grants.len()];
    let mut remaining = grants.len();
    let mut admins: HashSet<&str> = HashSet::new();
    let mut previous = 0;
    while remaining > 0 {
        // Grants form a graph from grantor to member that the server keeps acyclic and
        // connected, so every pass must make progress.
        if remaining == previous {
            return Err(DumpallError::MembershipOrder(role.to_owned()));
        }
        previous = remaining;
        for (i, gr) in grants.iter().enumerate() {
            if done[i] {
                continue;
            }
            let Some(member) = gr.member.as_deref() else {
                warn(
                    &format!(
                        "ignoring role grant to missing role with OID {}",
                        gr.memberid
                    ),
                    None,
                );
                done[i] = true;
                remaining -= 1;
                continue;
            };
            let grantor = match (dump_grantors, gr.grantor.as_deref()) {
                (false, _) => None,
                (true, Some(grantor)) => Some(grantor),
                (true, None) => {
                    warn(
                        &format!(
                            "grant of role \"{role}\" to \"{member}\" has invalid grantor OID {}",
                            gr.grantorid
                        ),
                        Some("This grant will be dumped without GRANTED BY."),
                    );
                    None
                }
            };
            if let Some(grantor) = grantor {
                if gr.grantorid != BOOTSTRAP_SUPERUSER && !admins.contains(grantor) {
                    continue;
                }
            }
            done[i] = true;
            remaining -= 1;
            if gr.admin {
                admins.insert(member);
            }
            let mut with = Vec::new();
            if gr.admin {
                with.push("ADMIN OPTION".to_owned());
            }
            if let Some(inherit) = gr.inherit {
                with.push(format!(
                    "INHERIT {}",
                    if inherit { "TRUE" } else { "FALSE" }
                ));
            }
            if !gr.set {
                with.push("SET FALSE".to_owned());
            }
            out.push_str(&format!("GRANT {} TO {}", ident(role), ident(member)));
            if !with.is_empty() {
                out.push_str(&format!(" WITH {}", with.join(", ")));
            }
            if let Some(grantor) = grantor {
                out.push_str(&format!(" GRANTED BY {}", ident(grantor)));
            }
            out.push_str(";\n");
        }
    }
    Ok(())
}

/// `GRANT SET / ALTER SYSTEM ON PARAMETER` (servers 15 and later).
pub fn parameter_privileges(g: &Globals<'_>, out: &mut String) -> Result<(), DumpallError> {
    let rows = query(
        g.session,
        "SELECT parname, pg_catalog.pg_get_userbyid(10) AS parowner, \
         paracl::pg_catalog.text[], \
         pg_catalog.acldefault('p', 10)::pg_catalog.text[] AS acldefault \
         FROM pg_catalog.pg_parameter_acl ORDER BY 1",
    )?;
    if !rows.is_empty() {
        out.push_str("--\n-- Role privileges on configuration parameters\n--\n\n");
    }
    for row in &rows {
        let name: String = get(row, 0)?;
        let owner: String = get(row, 1)?;
        let acl: Option<Vec<String>> = get(row, 2)?;
        let default: Vec<String> = get(row, 3)?;
        let sql = g.acl(
            AclType::Parameter,
            &name,
            &ident(&name),
            &owner,
            acl.as_deref(),
            &default,
        )?;
        out.push_str(&sql);
    }
    out.push_str("\n\n");
    Ok(())
}

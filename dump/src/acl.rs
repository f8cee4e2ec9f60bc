//! GRANT and REVOKE commands from an object's ACL, as upstream's dumputils.c builds them
//! (`buildACLCommands`, `parseAclItem`): the privileges in the ACL but not in the base (the
//! object's default, or its initial privileges) are granted, the ones only in the base are
//! revoked. Items are compared as the server prints them (`aclitemout`), as upstream does.

use tusk_format::quote::ident;

/// The object types whose privileges are dumped, with the privilege letters each accepts
/// (`parseAclItem`'s `CONVERT_PRIV` lists, in its order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclType {
    /// Tables, views, materialized views, foreign tables; also column privileges.
    Table,
    Sequence,
    Schema,
    Database,
    LargeObject,
    /// Types and domains.
    Type,
    Function,
    Procedure,
    ForeignDataWrapper,
    ForeignServer,
    Language,
    Tablespace,
    /// Configuration parameters (`pg_parameter_acl`).
    Parameter,
}

impl AclType {
    /// The keyword in `GRANT ... ON <keyword>`.
    pub fn keyword(self) -> &'static str {
        match self {
            AclType::Table => "TABLE",
            AclType::Sequence => "SEQUENCE",
            AclType::Schema => "SCHEMA",
            AclType::Database => "DATABASE",
            AclType::LargeObject => "LARGE OBJECT",
            AclType::Type => "TYPE",
            AclType::Function => "FUNCTION",
            AclType::Procedure => "PROCEDURE",
            AclType::ForeignDataWrapper => "FOREIGN DATA WRAPPER",
            AclType::ForeignServer => "FOREIGN SERVER",
            AclType::Language => "LANGUAGE",
            AclType::Tablespace => "TABLESPACE",
            AclType::Parameter => "PARAMETER",
        }
    }

    /// (letter, keyword) pairs in the order upstream lists them. Column privileges exclude
    /// the table-only ones.
    fn privileges(self, column: bool) -> &'static [(u8, &'static str)] {
        match self {
            AclType::Table if column => &[
                (b'r', "SELECT"),
                (b'a', "INSERT"),
                (b'x', "REFERENCES"),
                (b'w', "UPDATE"),
            ],
            AclType::Table => &[
                (b'r', "SELECT"),
                (b'a', "INSERT"),
                (b'x', "REFERENCES"),
                (b'd', "DELETE"),
                (b't', "TRIGGER"),
                (b'D', "TRUNCATE"),
                (b'm', "MAINTAIN"),
                (b'w', "UPDATE"),
            ],
            AclType::Sequence => &[(b'r', "SELECT"), (b'U', "USAGE"), (b'w', "UPDATE")],
            AclType::Schema => &[(b'C', "CREATE"), (b'U', "USAGE")],
            AclType::Database => &[(b'C', "CREATE"), (b'c', "CONNECT"), (b'T', "TEMPORARY")],
            AclType::Tablespace => &[(b'C', "CREATE")],
            AclType::Parameter => &[(b's', "SET"), (b'A', "ALTER SYSTEM")],
            AclType::LargeObject => &[(b'r', "SELECT"), (b'w', "UPDATE")],
            AclType::Type
            | AclType::ForeignDataWrapper
            | AclType::ForeignServer
            | AclType::Language => &[(b'U', "USAGE")],
            AclType::Function | AclType::Procedure => &[(b'X', "EXECUTE")],
        }
    }
}

/// An object's privileges as pg_dump reads them (`DumpableAcl`): the ACL (`None` when the
/// catalog column is NULL, i.e. the built-in default), `acldefault()` for its owner, and the
/// initial privileges that replace the default as the base when present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    pub acl: Option<Vec<String>>,
    pub default: Vec<String>,
    pub init: Option<Vec<String>>,
}

/// An aclitem that does not read as `grantee=privileges/grantor`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not parse ACL item \"{0}\"")]
pub struct AclError(pub String);

/// One aclitem taken apart: names unquoted (`""` for PUBLIC), privilege lists ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AclItem {
    grantee: String,
    grantor: String,
    privs: String,
    privs_with_grant: String,
}

/// What the commands are about: `name` and `subname` are already quoted, `schema` is not.
#[derive(Debug, Clone, Copy)]
pub struct AclTarget<'a> {
    pub kind: AclType,
    pub name: &'a str,
    /// A column, for column privileges (`GRANT SELECT(col) ON TABLE ...`).
    pub subname: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub owner: Option<&'a str>,
}

/// `dumpACL`'s choice of what to compare, then `buildACLCommands`. An empty result means the
/// privileges are the default ones.
pub fn acl_commands(target: &AclTarget<'_>, acl: &Acl) -> Result<String, AclError> {
    match acl.init.as_deref() {
        // Even an empty list of initial privileges ("{}") is the base.
        Some(init) => {
            // A NULL ACL means "the default", which must be spelled out to compare with the
            // initial privileges.
            let current = acl.acl.as_deref().unwrap_or(&acl.default);
            build_acl_commands(target, Some(current), init)
        }
        None => build_acl_commands(target, acl.acl.as_deref(), &acl.default),
    }
}

/// `buildACLCommands`: REVOKEs of base items no longer present, then GRANTs of the new items;
/// the owner's grants to itself come before all others, and grants made by another role are
/// wrapped in `SET SESSION AUTHORIZATION`.
pub fn build_acl_commands(
    target: &AclTarget<'_>,
    acls: Option<&[String]>,
    base: &[String],
) -> Result<String, AclError> {
    commands(target, acls, base, "", &on_clause(target))
}

/// `buildDefaultACLCommands`: `ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA schema]`
/// before each GRANT and REVOKE, on `objects` (`TABLES`, `FUNCTIONS`...) with `kind`'s
/// privileges. The base is the type's default for a global entry, nothing for a schema's.
pub fn default_acl_commands(
    kind: AclType,
    objects: &str,
    role: &str,
    schema: Option<&str>,
    acl: &[String],
    base: &[String],
) -> Result<String, AclError> {
    let mut prefix = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {} ", ident(role));
    if let Some(s) = schema {
        prefix.push_str(&format!("IN SCHEMA {} ", ident(s)));
    }
    let target = AclTarget {
        kind,
        name: "",
        subname: None,
        schema: None,
        owner: Some(role),
    };
    commands(&target, Some(acl), base, &prefix, &format!("{objects} "))
}

/// `buildACLCommands` with each GRANT and REVOKE after `prefix` and naming `on`.
fn commands(
    target: &AclTarget<'_>,
    acls: Option<&[String]>,
    base: &[String],
    prefix: &str,
    on: &str,
) -> Result<String, AclError> {
    let Some(acls) = acls else {
        return Ok(String::new());
    };
    let owner = target.owner.filter(|o| !o.is_empty());
    let mut first = String::new();
    let mut second = String::new();

    for item in base.iter().filter(|b| !acls.contains(b)) {
        let parsed = parse_acl_item(item, target.kind, target.subname, false)?;
        if !parsed.privs.is_empty() {
            first.push_str(&format!(
                "{prefix}REVOKE {} ON {on}FROM {};\n",
                parsed.privs,
                grantee_sql(&parsed.grantee)
            ));
        }
    }

    for item in acls.iter().filter(|a| !base.contains(a)) {
        let mut parsed = parse_acl_item(item, target.kind, target.subname, true)?;
        if parsed.privs.is_empty() && parsed.privs_with_grant.is_empty() {
            continue;
        }
        if parsed.grantor.is_empty() {
            if let Some(o) = owner {
                parsed.grantor = o.to_owned();
            }
        }
        let own = owner.is_some_and(|o| parsed.grantee == o && parsed.grantor == o);
        let sql = if own { &mut first } else { &mut second };
        let other_grantor = !parsed.grantor.is_empty() && owner.is_none_or(|o| o != parsed.grantor);
        if other_grantor {
            sql.push_str(&format!(
                "SET SESSION AUTHORIZATION {};\n",
                ident(&parsed.grantor)
            ));
        }
        let to = grantee_sql(&parsed.grantee);
        if !parsed.privs.is_empty() {
            sql.push_str(&format!("{prefix}GRANT {} ON {on}TO {to};\n", parsed.privs));
        }
        if !parsed.privs_with_grant.is_empty() {
            sql.push_str(&format!(
                "{prefix}GRANT {} ON {on}TO {to} WITH GRANT OPTION;\n",
                parsed.privs_with_grant
            ));
        }
        if other_grantor {
            sql.push_str("RESET SESSION AUTHORIZATION;\n");
        }
    }
    first.push_str(&second);
    Ok(first)
}

/// `<TYPE> [schema.]name ` as both REVOKE and GRANT print it.
fn on_clause(target: &AclTarget<'_>) -> String {
    let mut on = format!("{} ", target.kind.keyword());
    if let Some(s) = target.schema.filter(|s| !s.is_empty()) {
        on.push_str(&ident(s));
        on.push('.');
    }
    if !target.name.is_empty() {
        on.push_str(target.name);
        on.push(' ');
    }
    on
}

fn grantee_sql(grantee: &str) -> String {
    if grantee.is_empty() {
        "PUBLIC".to_owned()
    } else {
        ident(grantee)
    }
}

/// `parseAclItem`. With `split_grant_option` false (REVOKE), privileges held with grant
/// option count as plain ones, so revoking them revokes the option too.
fn parse_acl_item(
    item: &str,
    kind: AclType,
    subname: Option<&str>,
    split_grant_option: bool,
) -> Result<AclItem, AclError> {
    let bad = || AclError(item.to_owned());
    let (grantee, rest) = dequote_acl_name(item);
    let rest = rest.strip_prefix('=').ok_or_else(bad)?;
    let (codes, grantor_part) = rest.split_once('/').ok_or_else(bad)?;
    let (grantor, tail) = dequote_acl_name(grantor_part);
    if !tail.is_empty() {
        return Err(bad());
    }

    let codes = codes.as_bytes();
    let mut privs = Vec::new();
    let mut privs_with_grant = Vec::new();
    let (mut all_with_go, mut all_without_go) = (true, true);
    let with_col = |kw: &str| match subname {
        Some(col) => format!("{kw}({col})"),
        None => kw.to_owned(),
    };
    for &(code, keyword) in kind.privileges(subname.is_some()) {
        match codes.iter().position(|&c| c == code) {
            Some(pos) if split_grant_option && codes.get(pos + 1) == Some(&b'*') => {
                privs_with_grant.push(with_col(keyword));
                all_without_go = false;
            }
            Some(_) => {
                privs.push(with_col(keyword));
                all_with_go = false;
            }
            None => {
                all_with_go = false;
                all_without_go = false;
            }
        }
    }
    let (mut privs, mut privs_with_grant) = (privs.join(","), privs_with_grant.join(","));
    if all_with_go {
        privs.clear();
        privs_with_grant = with_col("ALL");
    } else if all_without_go {
        privs_with_grant.clear();
        privs = with_col("ALL");
    }
    Ok(AclItem {
        grantee,
        grantor,
        privs,
        privs_with_grant,
    })
}

/// `dequoteAclUserName`: a role name up to an unquoted `=` or the end, with `"..."` quoting
/// and `""` for a quote inside. Returns the name and the rest of the input.
fn dequote_acl_name(input: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c == '=' {
            return (out, &input[i..]);
        }
        chars.next();
        if c != '"' {
            out.push(c);
            continue;
        }
        loop {
            match chars.next() {
                None => return (out, ""),
                Some((_, '"')) => {
                    if chars.peek().map(|&(_, c)| c) == Some('"') {
                        chars.next();
                        out.push('"');
                    } else {
                        break;
                    }
                }
                Some((_, c)) => out.push(c),
            }
        }
    }
    (out, "")
}

/// `quoteAclUserName`: a role name as it appears inside an aclitem.
pub fn quote_acl_name(name: &str) -> String {
    let safe = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let escaped = name.replace('"', "\"\"");
    if safe {
        escaped
    } else {
        format!("\"{escaped}\"")
    }
}

#[cfg(test)]
mod tests;

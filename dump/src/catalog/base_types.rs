//! Base types and undefined shell types (`pg_type` rows with typtype 'b', or 'p' not yet
//! defined), read as pg_dump's getTypes and dumpBaseType read them, in one query.

use tokio_postgres::{Client, Row};

use super::{char_col, get, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

/// A user base type, or a type created as a bare name (`CREATE TYPE name;`) and never defined.
#[derive(Debug, Clone, Default)]
pub struct BaseType {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `None` for an undefined shell type, which has nothing else.
    pub definition: Option<BaseTypeDefinition>,
    /// The array type made with it: (OID, name).
    pub array: Option<(u32, String)>,
    pub acl: Acl,
}

/// What `CREATE TYPE name (...)` says of a base type. Functions are as `regproc` prints them.
#[derive(Debug, Clone, Default)]
pub struct BaseTypeDefinition {
    /// `typlen`: -1 for variable length, -2 for C strings.
    pub length: i16,
    pub input: String,
    pub output: String,
    pub receive: Option<String>,
    pub send: Option<String>,
    pub typmod_in: Option<String>,
    pub typmod_out: Option<String>,
    pub analyze: Option<String>,
    pub subscript: Option<String>,
    pub collatable: bool,
    /// The default: an expression (`pg_get_expr(typdefaultbin)`), printed as it is, or the
    /// text of `typdefault`, printed as a literal.
    pub default: Option<TypeDefault>,
    /// `format_type` of the element type.
    pub element: Option<String>,
    pub category: u8,
    pub preferred: bool,
    pub delimiter: String,
    /// `typalign`: 'c', 's', 'i' or 'd'.
    pub alignment: u8,
    /// `typstorage`: 'p', 'e', 'x' or 'm'.
    pub storage: u8,
    pub by_value: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDefault {
    Expression(String),
    Literal(String),
}

/// A function column of pg_type: `None` when unset.
fn regproc(expr: &str) -> String {
    format!("CASE WHEN t.{expr} <> 0 THEN t.{expr}::pg_catalog.text END")
}

/// Reads the base types and undefined shell types outside the system schemas that are not
/// extension members, and pg_catalog's base types whose privileges were changed since initdb
/// (only those are dumped of them), in OID order.
pub async fn load_base_types(client: &Client) -> Result<Vec<BaseType>, DumpError> {
    let sql = format!(
        "SELECT t.oid, t.typnamespace, n.nspname::text, t.typname::text, \
                pg_catalog.pg_get_userbyid(t.typowner)::text, t.typisdefined, t.typlen, \
                t.typinput::pg_catalog.text, t.typoutput::pg_catalog.text, {}, {}, {}, {}, {}, \
                {}, t.typcollation <> 0, pg_catalog.pg_get_expr(t.typdefaultbin, 0), \
                t.typdefault, \
                CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END, \
                t.typcategory, t.typispreferred, t.typdelim::text, t.typalign, t.typstorage, \
                t.typbyval, a.oid, a.typname::text, \
                t.typacl::text[], pg_catalog.acldefault('T', t.typowner)::text[], \
                pip.initprivs::text[] \
         FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_catalog.pg_type a ON a.oid = t.typarray \
         LEFT JOIN pg_catalog.pg_init_privs pip ON pip.objoid = t.oid \
              AND pip.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND pip.objsubid = 0 \
         WHERE (t.typtype = 'b' OR (t.typtype = 'p' AND NOT t.typisdefined)) \
           AND ((n.nspname !~ '^pg_' AND n.nspname <> 'information_schema') \
                OR (n.nspname = 'pg_catalog' AND t.typtype = 'b' \
                    AND t.typacl IS DISTINCT FROM pip.initprivs)) \
           AND NOT (t.typelem <> 0 AND t.oid = \
                (SELECT e.typarray FROM pg_catalog.pg_type e WHERE e.oid = t.typelem)) \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
               WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass \
                 AND d.objid = t.oid AND d.deptype = 'e') \
         ORDER BY t.oid",
        regproc("typreceive"),
        regproc("typsend"),
        regproc("typmodin"),
        regproc("typmodout"),
        regproc("typanalyze"),
        regproc("typsubscript"),
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading base types"))?;
    rows.iter().map(base_type).collect()
}

/// The names of pg_catalog's pseudo-types (`anyelement`, ...) with privileges set. pg_dump
/// dumps nothing of them: it warns that their typtype "appears to be invalid" (dumpType).
pub async fn load_pseudo_types_with_acl(client: &Client) -> Result<Vec<String>, DumpError> {
    let rows = client
        .query(
            "SELECT t.typname::text FROM pg_catalog.pg_type t \
             WHERE t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace \
               AND t.typtype = 'p' AND t.typisdefined AND t.typacl IS NOT NULL \
             ORDER BY t.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading pseudo-types"))?;
    rows.iter().map(|r| get(r, 0)).collect()
}

fn base_type(r: &Row) -> Result<BaseType, DumpError> {
    let defined: bool = get(r, 5)?;
    let definition = if defined {
        let default = match (get::<Option<String>>(r, 16)?, get::<Option<String>>(r, 17)?) {
            (Some(expr), _) => Some(TypeDefault::Expression(expr)),
            (None, Some(text)) => Some(TypeDefault::Literal(text)),
            (None, None) => None,
        };
        Some(BaseTypeDefinition {
            length: get(r, 6)?,
            input: get(r, 7)?,
            output: get(r, 8)?,
            receive: get(r, 9)?,
            send: get(r, 10)?,
            typmod_in: get(r, 11)?,
            typmod_out: get(r, 12)?,
            analyze: get(r, 13)?,
            subscript: get(r, 14)?,
            collatable: get(r, 15)?,
            default,
            element: get(r, 18)?,
            category: char_col(r, 19)?.unwrap_or(b'U'),
            preferred: get(r, 20)?,
            delimiter: get(r, 21)?,
            alignment: char_col(r, 22)?.unwrap_or(b'i'),
            storage: char_col(r, 23)?.unwrap_or(b'p'),
            by_value: get(r, 24)?,
        })
    } else {
        None
    };
    let array = match get::<Option<u32>>(r, 25)? {
        Some(oid) => Some((oid, get(r, 26)?)),
        None => None,
    };
    Ok(BaseType {
        oid: get(r, 0)?,
        namespace_oid: get(r, 1)?,
        schema: get(r, 2)?,
        name: get(r, 3)?,
        owner: get(r, 4)?,
        definition,
        array,
        acl: Acl {
            acl: get(r, 27)?,
            default: text_array(r, 28)?,
            init: get(r, 29)?,
        },
    })
}

//! Functions and procedures (`pg_proc`, aggregates aside), read as pg_dump's getFuncs and
//! dumpFunc read them, for all of them in one query.

use tokio_postgres::{Client, Row};

use super::{char_col, get, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

/// A user function, procedure or window function.
#[derive(Debug, Clone, Default)]
pub struct Function {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `prokind`: 'f' function, 'p' procedure, 'w' window function.
    pub kind: u8,
    pub returns_set: bool,
    /// `pg_get_function_sqlbody`: a SQL-standard body, which replaces `AS ...`.
    pub sql_body: Option<String>,
    pub src: String,
    /// `probin` ("" when NULL): a C function's object file.
    pub bin: String,
    pub language: String,
    /// `proconfig`: `name=value` items.
    pub config: Vec<String>,
    /// `procost` and `prorows` as the server prints them.
    pub cost: String,
    pub rows: String,
    /// `pg_get_function_arguments`: names, modes and defaults.
    pub args: String,
    /// `pg_get_function_identity_arguments`: what names the function.
    pub identity_args: String,
    /// `pg_get_function_result` ("" for procedures).
    pub result: String,
    /// `format_type` of each `protrftypes` entry.
    pub transform_types: Vec<String>,
    /// `provolatile`: 'i', 's' or 'v'.
    pub volatility: u8,
    pub strict: bool,
    pub security_definer: bool,
    pub leakproof: bool,
    /// `proparallel`: 's', 'r' or 'u'.
    pub parallel: u8,
    /// The support function as `regproc` prints it, if any.
    pub support: Option<String>,
    /// `format_type` of each input argument type, for the TOC tag.
    pub arg_types: Vec<String>,
    /// (schema, type name) of each input argument type, for the sort.
    pub arg_type_keys: Vec<(String, String)>,
    /// Extensions it was marked as depending on (`ALTER FUNCTION ... DEPENDS ON EXTENSION`).
    pub extensions: Vec<String>,
    pub acl: Acl,
}

impl Function {
    /// `FUNCTION` or `PROCEDURE`, as CREATE, DROP, COMMENT and GRANT spell it.
    pub fn keyword(&self) -> &'static str {
        if self.kind == b'p' {
            "PROCEDURE"
        } else {
            "FUNCTION"
        }
    }
}

/// A function that another object names (a cast's or a transform's), wherever it lives,
/// pg_catalog included.
#[derive(Debug, Clone, Default)]
pub struct FunctionRef {
    pub schema: String,
    pub name: String,
    /// `format_type` of each input argument type.
    pub arg_types: Vec<String>,
}

/// Three columns for [`read_function_ref`]: the schema, name and argument types of the function
/// whose OID is `oid` (NULLs and an empty array for 0).
pub(super) fn function_ref_columns(oid: &str) -> String {
    format!(
        "(SELECT fn.nspname::text FROM pg_catalog.pg_proc p \
          JOIN pg_catalog.pg_namespace fn ON fn.oid = p.pronamespace WHERE p.oid = {oid}), \
         (SELECT p.proname::text FROM pg_catalog.pg_proc p WHERE p.oid = {oid}), \
         ARRAY(SELECT pg_catalog.format_type(u.typ, NULL) \
               FROM pg_catalog.pg_proc p, \
                    unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(typ, i) \
               WHERE p.oid = {oid} ORDER BY u.i)"
    )
}

/// The function in the columns `function_ref_columns` made, from `idx` on.
pub(super) fn read_function_ref(r: &Row, idx: usize) -> Result<Option<FunctionRef>, DumpError> {
    let (Some(schema), Some(name)) = (get(r, idx)?, get(r, idx + 1)?) else {
        return Ok(None);
    };
    Ok(Some(FunctionRef {
        schema,
        name,
        arg_types: text_array(r, idx + 2)?,
    }))
}

/// A query's array of type OIDs turned into one value per element, in order.
fn per_type(expr: &str, array: &str) -> String {
    format!(
        "ARRAY(SELECT {expr} FROM unnest({array}) WITH ORDINALITY AS u(typ, i) \
         LEFT JOIN pg_catalog.pg_type t ON t.oid = u.typ \
         LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace ORDER BY u.i)"
    )
}

/// Reads the functions and procedures outside the system schemas that are neither extension
/// members nor internal parts of another object (range constructors), and pg_catalog's whose
/// privileges were changed since initdb (only those are dumped of them), in OID order.
pub async fn load_functions(client: &Client) -> Result<Vec<Function>, DumpError> {
    let args = "p.proargtypes::pg_catalog.oid[]";
    let sql = format!(
        "SELECT p.oid, p.pronamespace, n.nspname::text, p.proname::text, \
                pg_catalog.pg_get_userbyid(p.proowner)::text, p.prokind, p.proretset, \
                pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc, coalesce(p.probin, ''), \
                l.lanname::text, p.proconfig, p.procost::text, p.prorows::text, \
                pg_catalog.pg_get_function_arguments(p.oid), \
                pg_catalog.pg_get_function_identity_arguments(p.oid), \
                coalesce(pg_catalog.pg_get_function_result(p.oid), ''), {}, \
                p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof, p.proparallel, \
                CASE WHEN p.prosupport <> 0 THEN p.prosupport::pg_catalog.text END, \
                {}, {}, {}, \
                p.proacl::text[], pg_catalog.acldefault('f', p.proowner)::text[], \
                pip.initprivs::text[], \
                (SELECT pg_catalog.array_agg(e.extname::text) \
                 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid \
                 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
                   AND d.objid = p.oid AND d.deptype = 'x' \
                   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass) \
         FROM pg_catalog.pg_proc p \
         JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
         LEFT JOIN pg_catalog.pg_init_privs pip ON pip.objoid = p.oid \
              AND pip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pip.objsubid = 0 \
         WHERE p.prokind <> 'a' \
           AND ((n.nspname !~ '^pg_' AND n.nspname <> 'information_schema') \
                OR (n.nspname = 'pg_catalog' AND p.proacl IS DISTINCT FROM pip.initprivs)) \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
               WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
                 AND d.objid = p.oid AND d.deptype IN ('i', 'e')) \
         ORDER BY p.oid",
        per_type("pg_catalog.format_type(u.typ, NULL)", "p.protrftypes"),
        per_type("pg_catalog.format_type(u.typ, NULL)", args),
        per_type("tn.nspname::text", args),
        per_type("t.typname::text", args),
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading functions"))?;
    rows.iter().map(function).collect()
}

fn function(r: &Row) -> Result<Function, DumpError> {
    let schemas = text_array(r, 25)?;
    let names = text_array(r, 26)?;
    Ok(Function {
        oid: get(r, 0)?,
        namespace_oid: get(r, 1)?,
        schema: get(r, 2)?,
        name: get(r, 3)?,
        owner: get(r, 4)?,
        kind: char_col(r, 5)?.unwrap_or(b'f'),
        returns_set: get(r, 6)?,
        sql_body: get(r, 7)?,
        src: get::<Option<String>>(r, 8)?.unwrap_or_default(),
        bin: get(r, 9)?,
        language: get(r, 10)?,
        config: text_array(r, 11)?,
        cost: get(r, 12)?,
        rows: get(r, 13)?,
        args: get::<Option<String>>(r, 14)?.unwrap_or_default(),
        identity_args: get::<Option<String>>(r, 15)?.unwrap_or_default(),
        result: get(r, 16)?,
        transform_types: text_array(r, 17)?,
        volatility: char_col(r, 18)?.unwrap_or(b'v'),
        strict: get(r, 19)?,
        security_definer: get(r, 20)?,
        leakproof: get(r, 21)?,
        parallel: char_col(r, 22)?.unwrap_or(b'u'),
        support: get(r, 23)?,
        arg_types: text_array(r, 24)?,
        arg_type_keys: schemas.into_iter().zip(names).collect(),
        extensions: text_array(r, 30)?,
        acl: Acl {
            acl: get(r, 27)?,
            default: text_array(r, 28)?,
            init: get(r, 29)?,
        },
    })
}

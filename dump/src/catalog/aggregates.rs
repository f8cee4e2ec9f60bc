//! Aggregates (`pg_proc` with prokind 'a', and `pg_aggregate`), as getAggregates and dumpAgg
//! read them, for all aggregates in one query.

use tokio_postgres::Client;

use super::user_objects::{TypeKey, pair, reg, user_rows};
use super::{char_col, get, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

/// A user aggregate. Support functions are `regproc` text, `None` when unset; types are
/// `regtype` text.
#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `format_type` of each argument type, for the TOC tag and GRANT.
    pub arg_types: Vec<String>,
    /// The same types for the sort.
    pub arg_keys: Vec<TypeKey>,
    /// `pg_get_function_arguments` (CREATE) and `pg_get_function_identity_arguments` (DROP,
    /// COMMENT): ordered-set aggregates say ORDER BY there.
    pub arguments: String,
    pub identity_arguments: String,
    /// 'n' normal, 'o' ordered-set, 'h' hypothetical-set.
    pub kind: u8,
    pub transfn: String,
    pub transtype: String,
    pub transspace: i32,
    pub initval: Option<String>,
    pub finalfn: Option<String>,
    pub finalextra: bool,
    /// 'r' read-only, 's' shareable, 'w' read-write.
    pub finalmodify: u8,
    pub combinefn: Option<String>,
    pub serialfn: Option<String>,
    pub deserialfn: Option<String>,
    pub mtransfn: Option<String>,
    pub minvtransfn: Option<String>,
    pub mtranstype: String,
    pub mtransspace: i32,
    pub minitval: Option<String>,
    pub mfinalfn: Option<String>,
    pub mfinalextra: bool,
    pub mfinalmodify: u8,
    /// (schema, name) of the sort operator.
    pub sortop: Option<(String, String)>,
    /// `proparallel`: 's' safe, 'r' restricted, 'u' unsafe.
    pub parallel: u8,
    /// getAggregates compares with `acldefault` only (no initial privileges).
    pub acl: Acl,
}

/// Reads the aggregates in user schemas that are not extension members.
pub async fn load_aggregates(client: &Client) -> Result<Vec<Aggregate>, DumpError> {
    let args = |expr: &str, join: &str| {
        format!(
            "ARRAY(SELECT {expr} FROM unnest(o.proargtypes) WITH ORDINALITY AS u(t, i) {join} \
                   ORDER BY u.i)::text[]"
        )
    };
    let types = "JOIN pg_catalog.pg_type ty ON ty.oid = u.t \
                 JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace";
    let select = format!(
        "SELECT o.oid, o.pronamespace, n.nspname::text, o.proname::text, \
                pg_catalog.pg_get_userbyid(o.proowner)::text, {}, {}, {}, \
                pg_catalog.pg_get_function_arguments(o.oid), \
                pg_catalog.pg_get_function_identity_arguments(o.oid), a.aggkind, \
                a.aggtransfn::text, a.aggtranstype::pg_catalog.regtype::text, a.aggtransspace, \
                a.agginitval, a.aggfinalfn::text, a.aggfinalextra, a.aggfinalmodify, \
                a.aggcombinefn::text, a.aggserialfn::text, a.aggdeserialfn::text, \
                a.aggmtransfn::text, a.aggminvtransfn::text, \
                a.aggmtranstype::pg_catalog.regtype::text, a.aggmtransspace, a.aggminitval, \
                a.aggmfinalfn::text, a.aggmfinalextra, a.aggmfinalmodify, \
                (SELECT sn.nspname::text FROM pg_catalog.pg_operator so \
                 JOIN pg_catalog.pg_namespace sn ON sn.oid = so.oprnamespace \
                 WHERE so.oid = a.aggsortop), \
                (SELECT so.oprname::text FROM pg_catalog.pg_operator so WHERE so.oid = a.aggsortop), \
                o.proparallel, o.proacl::text[], pg_catalog.acldefault('f', o.proowner)::text[] \
         FROM pg_catalog.pg_proc o JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = o.oid \
              AND o.prokind = 'a'",
        args("pg_catalog.format_type(u.t, NULL)", ""),
        args("tn.nspname::text", types),
        args("ty.typname::text", types),
    );
    let rows = user_rows(
        client,
        "reading aggregates",
        &select,
        "pg_proc",
        "pronamespace",
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Aggregate {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                arg_types: text_array(r, 5)?,
                arg_keys: text_array(r, 6)?
                    .into_iter()
                    .zip(text_array(r, 7)?)
                    .collect(),
                arguments: get::<Option<String>>(r, 8)?.unwrap_or_default(),
                identity_arguments: get::<Option<String>>(r, 9)?.unwrap_or_default(),
                kind: char_col(r, 10)?.unwrap_or(b'n'),
                transfn: get(r, 11)?,
                transtype: get(r, 12)?,
                transspace: get(r, 13)?,
                initval: get(r, 14)?,
                finalfn: reg(r, 15)?,
                finalextra: get(r, 16)?,
                finalmodify: char_col(r, 17)?.unwrap_or(b'r'),
                combinefn: reg(r, 18)?,
                serialfn: reg(r, 19)?,
                deserialfn: reg(r, 20)?,
                mtransfn: reg(r, 21)?,
                minvtransfn: reg(r, 22)?,
                mtranstype: get(r, 23)?,
                mtransspace: get(r, 24)?,
                minitval: get(r, 25)?,
                mfinalfn: reg(r, 26)?,
                mfinalextra: get(r, 27)?,
                mfinalmodify: char_col(r, 28)?.unwrap_or(b'r'),
                sortop: pair(r, 29)?,
                parallel: char_col(r, 31)?.unwrap_or(b'u'),
                acl: Acl {
                    acl: get(r, 32)?,
                    default: text_array(r, 33)?,
                    init: None,
                },
            })
        })
        .collect()
}

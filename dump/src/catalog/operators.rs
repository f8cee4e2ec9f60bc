//! Operators (`pg_operator`), operator classes (`pg_opclass`) and families (`pg_opfamily`)
//! with their members (`pg_amop`, `pg_amproc`), as getOperators/getOpclasses/getOpfamilies
//! and dumpOpr/dumpOpclass/dumpOpfamily read them: one query per catalog for all objects.

use std::collections::HashMap;

use tokio_postgres::Client;

use super::user_objects::{FIRST_NORMAL_OID, TypeKey, pair, reg, user_rows};
use super::{Catalog, get};
use crate::error::DumpError;

/// A `pg_operator` row.
#[derive(Debug, Clone, Default)]
pub struct Operator {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `oprkind`: 'b' infix, 'l' prefix, 'r' postfix (servers before 14 only).
    pub kind: u8,
    /// `oprleft`/`oprright` as `regtype` (`-` when absent).
    pub left: String,
    pub right: String,
    /// The same types for the sort; empty for an absent one.
    pub left_key: TypeKey,
    pub right_key: TypeKey,
    /// `oprcode` as `regprocedure`; `None` for a shell operator (made by a reference from
    /// COMMUTATOR or NEGATOR and never defined), which pg_dump does not print.
    pub function: Option<String>,
    /// (schema, name) of the commutator and negator.
    pub commutator: Option<(String, String)>,
    pub negator: Option<(String, String)>,
    /// `oprrest`/`oprjoin` as `regprocedure`, `None` when unset.
    pub restrict: Option<String>,
    pub join: Option<String>,
    pub merges: bool,
    pub hashes: bool,
}

/// A `pg_amop` row printed with its class or family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmOp {
    pub strategy: i16,
    /// `amopopr::regoperator`.
    pub operator: String,
    /// The btree family of an ordering operator (FOR ORDER BY): (schema, name).
    pub sort_family: Option<(String, String)>,
}

/// A `pg_amproc` row printed with its class or family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmProc {
    pub number: i16,
    /// `amproc::regprocedure`.
    pub function: String,
    /// `amproclefttype`/`amprocrighttype` as `regtype`.
    pub left: String,
    pub right: String,
}

/// The members tied to one class or family by pg_depend: a class prints those bound to it, a
/// family the loose ones (ALTER OPERATOR FAMILY ... ADD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    pub operators: Vec<AmOp>,
    pub functions: Vec<AmProc>,
}

/// A `pg_opclass` row.
#[derive(Debug, Clone, Default)]
pub struct OpClass {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// The access method's name.
    pub method: String,
    /// `opcintype::regtype`.
    pub input_type: String,
    /// `opckeytype::regtype`, when set.
    pub storage: Option<String>,
    pub default: bool,
    /// (schema, name) of its family.
    pub family: Option<(String, String)>,
    pub members: Members,
}

/// A `pg_opfamily` row.
#[derive(Debug, Clone, Default)]
pub struct OpFamily {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    pub method: String,
    pub members: Members,
}

/// Reads the operators, operator classes and families with their members.
pub async fn load_operators(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    cat.operators = load_operator_rows(client).await?;
    cat.opclasses = load_opclasses(client).await?;
    cat.opfamilies = load_opfamilies(client).await?;
    let mut owners: HashMap<(bool, u32), &mut Members> = HashMap::new();
    for c in &mut cat.opclasses {
        owners.insert((true, c.oid), &mut c.members);
    }
    for f in &mut cat.opfamilies {
        owners.insert((false, f.oid), &mut f.members);
    }
    // Only members tied to the class or family by pg_depend, and not through an ordering
    // operator's sort family (a dependency too): dumpOpclass/dumpOpfamily's member queries.
    // Those order by strategy or support number only; members that tie (cross-type ones of a
    // family) come as their plans read them: operators in pg_amop_fam_strat_index order
    // (left type, right type), functions in pg_depend's (pg_amproc OID). Upstream's sort
    // keeps that order for small sets only, so larger sets of ties may still differ.
    let ops = client
        .query(
            &format!(
                "SELECT d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass, d.refobjid, \
                        ao.amopstrategy, ao.amopopr::pg_catalog.regoperator::text, \
                        n.nspname::text, f.opfname::text \
                 FROM pg_catalog.pg_depend d \
                 LEFT JOIN pg_catalog.pg_opclass oc \
                      ON d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass \
                     AND oc.oid = d.refobjid \
                 JOIN pg_catalog.pg_amop ao ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass \
                      AND d.objid = ao.oid \
                 LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = ao.amopsortfamily \
                 LEFT JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace \
                 WHERE d.refobjid >= {FIRST_NORMAL_OID} \
                   AND ((oc.oid IS NOT NULL AND ao.amopfamily = oc.opcfamily) \
                        OR (d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass \
                            AND ao.amopfamily = d.refobjid)) \
                 ORDER BY 1, 2, ao.amopstrategy, ao.amoplefttype, ao.amoprighttype"
            ),
            &[],
        )
        .await
        .map_err(DumpError::query("reading operator class and family operators"))?;
    for r in &ops {
        if let Some(m) = owners.get_mut(&(get(r, 0)?, get(r, 1)?)) {
            m.operators.push(AmOp {
                strategy: get(r, 2)?,
                operator: get(r, 3)?,
                sort_family: pair(r, 4)?,
            });
        }
    }
    let procs = client
        .query(
            &format!(
            "SELECT d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass, d.refobjid, \
                    ap.amprocnum, ap.amproc::pg_catalog.regprocedure::text, \
                    ap.amproclefttype::pg_catalog.regtype::text, \
                    ap.amprocrighttype::pg_catalog.regtype::text \
             FROM pg_catalog.pg_depend d \
             JOIN pg_catalog.pg_amproc ap ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass \
                  AND d.objid = ap.oid \
             WHERE d.refclassid IN ('pg_catalog.pg_opclass'::pg_catalog.regclass, \
                                    'pg_catalog.pg_opfamily'::pg_catalog.regclass) \
               AND d.refobjid >= {FIRST_NORMAL_OID} \
             ORDER BY 1, 2, ap.amprocnum, ap.oid"),
            &[],
        )
        .await
        .map_err(DumpError::query("reading operator class and family functions"))?;
    for r in &procs {
        if let Some(m) = owners.get_mut(&(get(r, 0)?, get(r, 1)?)) {
            m.functions.push(AmProc {
                number: get(r, 2)?,
                function: get(r, 3)?,
                left: get(r, 4)?,
                right: get(r, 5)?,
            });
        }
    }
    Ok(())
}

async fn load_operator_rows(client: &Client) -> Result<Vec<Operator>, DumpError> {
    let type_key = |col: &str| {
        format!(
            "(SELECT tn.nspname::text FROM pg_catalog.pg_type t \
              JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace WHERE t.oid = o.{col}), \
             (SELECT t.typname::text FROM pg_catalog.pg_type t WHERE t.oid = o.{col})"
        )
    };
    let other = |col: &str| {
        format!(
            "(SELECT qn.nspname::text FROM pg_catalog.pg_operator q \
              JOIN pg_catalog.pg_namespace qn ON qn.oid = q.oprnamespace WHERE q.oid = o.{col}), \
             (SELECT q.oprname::text FROM pg_catalog.pg_operator q WHERE q.oid = o.{col})"
        )
    };
    let select = format!(
        "SELECT o.oid, o.oprnamespace, n.nspname::text, o.oprname::text, \
                pg_catalog.pg_get_userbyid(o.oprowner)::text, o.oprkind, \
                o.oprleft::pg_catalog.regtype::text, o.oprright::pg_catalog.regtype::text, \
                {}, {}, \
                o.oprcode::pg_catalog.regprocedure::text, {}, {}, \
                o.oprrest::pg_catalog.regprocedure::text, o.oprjoin::pg_catalog.regprocedure::text, \
                o.oprcanmerge, o.oprcanhash \
         FROM pg_catalog.pg_operator o",
        type_key("oprleft"),
        type_key("oprright"),
        other("oprcom"),
        other("oprnegate"),
    );
    let rows = user_rows(
        client,
        "reading operators",
        &select,
        "pg_operator",
        "oprnamespace",
    )
    .await?;
    rows.iter()
        .map(|r| {
            let key = |i| -> Result<TypeKey, DumpError> { Ok(pair(r, i)?.unwrap_or_default()) };
            Ok(Operator {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                kind: get::<i8>(r, 5)? as u8,
                left: get(r, 6)?,
                right: get(r, 7)?,
                left_key: key(8)?,
                right_key: key(10)?,
                function: reg(r, 12)?,
                commutator: pair(r, 13)?,
                negator: pair(r, 15)?,
                restrict: reg(r, 17)?,
                join: reg(r, 18)?,
                merges: get(r, 19)?,
                hashes: get(r, 20)?,
            })
        })
        .collect()
}

async fn load_opclasses(client: &Client) -> Result<Vec<OpClass>, DumpError> {
    let rows = user_rows(
        client,
        "reading operator classes",
        "SELECT o.oid, o.opcnamespace, n.nspname::text, o.opcname::text, \
                pg_catalog.pg_get_userbyid(o.opcowner)::text, a.amname::text, \
                o.opcintype::pg_catalog.regtype::text, o.opckeytype::pg_catalog.regtype::text, \
                o.opcdefault, fn.nspname::text, f.opfname::text \
         FROM pg_catalog.pg_opclass o JOIN pg_catalog.pg_am a ON a.oid = o.opcmethod \
         LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = o.opcfamily \
         LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace",
        "pg_opclass",
        "opcnamespace",
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpClass {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                method: get(r, 5)?,
                input_type: get(r, 6)?,
                storage: reg(r, 7)?,
                default: get(r, 8)?,
                family: pair(r, 9)?,
                members: Members::default(),
            })
        })
        .collect()
}

async fn load_opfamilies(client: &Client) -> Result<Vec<OpFamily>, DumpError> {
    let rows = user_rows(
        client,
        "reading operator families",
        "SELECT o.oid, o.opfnamespace, n.nspname::text, o.opfname::text, \
                pg_catalog.pg_get_userbyid(o.opfowner)::text, a.amname::text \
         FROM pg_catalog.pg_opfamily o JOIN pg_catalog.pg_am a ON a.oid = o.opfmethod",
        "pg_opfamily",
        "opfnamespace",
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpFamily {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                method: get(r, 5)?,
                members: Members::default(),
            })
        })
        .collect()
}

//! Row-level security: which tables have it enabled, and their policies (`pg_policy`), read as
//! pg_dump's getPolicies reads them.

use tokio_postgres::Client;

use super::{Relation, get, oid_array};
use crate::error::DumpError;

/// The commands a policy applies to (`polcmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// A `pg_policy` row.
#[derive(Debug, Clone)]
pub struct Policy {
    pub oid: u32,
    pub table_oid: u32,
    pub name: String,
    pub command: PolicyCommand,
    /// PERMISSIVE (the default) or RESTRICTIVE.
    pub permissive: bool,
    /// The roles, each quoted, joined by ", "; `None` for PUBLIC.
    pub roles: Option<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

/// Row security of the dumped tables: the OIDs of those with it enabled (in OID order) and
/// their policies.
#[derive(Debug, Default)]
pub struct RowSecurity {
    pub enabled_tables: Vec<u32>,
    pub policies: Vec<Policy>,
}

/// Reads row security for the tables and partitioned tables among `relations`.
pub async fn load_row_security(
    client: &Client,
    relations: &[Relation],
) -> Result<RowSecurity, DumpError> {
    let tables = oid_array(
        relations
            .iter()
            .filter(|r| matches!(r.relkind, b'r' | b'p'))
            .map(|r| r.oid),
    );
    let enabled = client
        .query(
            &format!(
                "SELECT c.oid FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
                 JOIN pg_catalog.pg_class c ON (c.oid = src.tbloid) \
                 WHERE c.relrowsecurity ORDER BY c.oid"
            ),
            &[],
        )
        .await
        .map_err(DumpError::query("reading row-level security"))?;
    // pg_dump's query text, without ORDER BY as upstream: the server returns the rows in the
    // same order, so dump ids are assigned alike.
    let rows = client
        .query(
            &format!(
                "SELECT pol.oid, pol.polrelid, pol.polname::text, pol.polcmd, pol.polpermissive, \
                 CASE WHEN pol.polroles = '{{0}}' THEN NULL ELSE \
                    pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(rolname) \
                    from pg_catalog.pg_roles WHERE oid = ANY(pol.polroles)), ', ') END AS polroles, \
                 pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS polqual, \
                 pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS polwithcheck \
                 FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid)\n\
                 JOIN pg_catalog.pg_policy pol ON (src.tbloid = pol.polrelid)"
            ),
            &[],
        )
        .await
        .map_err(DumpError::query("reading row-level security policies"))?;
    let policies = rows
        .iter()
        .map(|r| {
            let name: String = get(r, 2)?;
            let command = match get::<i8>(r, 3)? as u8 {
                b'*' => PolicyCommand::All,
                b'r' => PolicyCommand::Select,
                b'a' => PolicyCommand::Insert,
                b'w' => PolicyCommand::Update,
                b'd' => PolicyCommand::Delete,
                other => {
                    return Err(DumpError::Catalog(format!(
                        "unexpected policy command type: {} (policy {name})",
                        char::from(other)
                    )));
                }
            };
            Ok(Policy {
                oid: get(r, 0)?,
                table_oid: get(r, 1)?,
                name,
                command,
                permissive: get(r, 4)?,
                roles: get(r, 5)?,
                using: get(r, 6)?,
                with_check: get(r, 7)?,
            })
        })
        .collect::<Result<_, DumpError>>()?;
    Ok(RowSecurity {
        enabled_tables: enabled
            .iter()
            .map(|r| get(r, 0))
            .collect::<Result<_, _>>()?,
        policies,
    })
}

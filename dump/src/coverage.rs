//! What the database holds that tusk_dump cannot dump yet. A dump that silently leaves out a
//! view or a GRANT looks complete and is not; so tusk_dump counts such objects first and
//! refuses (or, with `--allow-incomplete`, warns).

use tokio_postgres::Client;

use crate::error::DumpError;

/// One row per kind of object present that tusk_dump does not dump: (what, how many), among
/// the schemas the selection options reach (`$1`). Each branch is a count over one catalog;
/// the whole check is one round trip.
fn query() -> String {
    let branches = [{
        // pg_dump also dumps privileges changed on pg_catalog's objects (compared with
        // their initial privileges, or the default when they have none); tusk_dump does
        // so for all but its types other than base types.
        let sys = "'pg_catalog'::pg_catalog.regnamespace";
        let default = "pg_catalog.acldefault('T', o.typowner)";
        format!(
            "SELECT 'privileges changed on pg_catalog objects', \
                    (SELECT count(*) FROM pg_catalog.pg_type o \
                      LEFT JOIN pg_catalog.pg_init_privs p ON p.objoid = o.oid \
                       AND p.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND p.objsubid = 0 \
                      WHERE o.typnamespace = {sys} AND o.typtype <> 'b' \
                        AND (o.typacl IS NOT NULL OR p.initprivs IS NOT NULL) AND NOT \
                        (coalesce(o.typacl, {default}) @> coalesce(p.initprivs, {default}) \
                         AND coalesce(p.initprivs, {default}) @> coalesce(o.typacl, {default})))"
        )
    }];
    let mut sql = String::from("SELECT what, n FROM (");
    sql.push_str(&branches.join(" UNION ALL "));
    // Only pg_catalog's privileges are left: they count when its ACLs are dumped.
    sql.push_str(
        ") AS k(what, n) WHERE n > 0 \
         AND 'pg_catalog'::pg_catalog.regnamespace::pg_catalog.oid = ANY($1::pg_catalog.oid[])",
    );
    sql
}

/// The kinds of objects present that tusk_dump leaves out, with their counts.
/// Schema-bound objects count only in `schemas`.
pub async fn unsupported_objects(
    client: &Client,
    schemas: &[u32],
) -> Result<Vec<(String, i64)>, DumpError> {
    let rows = client
        .query(&query(), &[&schemas])
        .await
        .map_err(DumpError::query(
            "checking which objects tusk_dump can dump",
        ))?;
    rows.iter()
        .map(|r| {
            let what: String = r
                .try_get(0)
                .map_err(|e| DumpError::Catalog(e.to_string()))?;
            let n: i64 = r
                .try_get(1)
                .map_err(|e| DumpError::Catalog(e.to_string()))?;
            Ok((what, n))
        })
        .collect()
}

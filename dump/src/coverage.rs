//! What the database holds that tusk_dump cannot dump yet. A dump that silently leaves out a
//! view or a GRANT looks complete and is not; so tusk_dump counts such objects first and
//! refuses (or, with `--allow-incomplete`, warns).

use tokio_postgres::Client;

use crate::error::DumpError;

/// User objects in schemas pg_dump would dump (not system schemas, not extension members),
/// among those the selection options reach (`$1`).
const USER_NAMESPACE: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
                              AND n.oid = ANY($1::pg_catalog.oid[])";

/// One row per kind of object present that tusk_dump does not dump: (what, how many).
/// Each branch is a count over one catalog; the whole check is one round trip.
fn query() -> String {
    let not_member = |classid: &str, oid: &str| {
        format!(
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '{classid}'::pg_catalog.regclass \
             AND e.objid = {oid} AND e.deptype = 'e')"
        )
    };
    let rel = not_member("pg_catalog.pg_class", "c.oid");
    let branches = [
        format!(
            "SELECT 'foreign tables', count(*) FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'f' AND {USER_NAMESPACE} AND {rel}"
        ),
        format!(
            "SELECT 'domain CHECK constraints', count(*) \
             FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace \
             WHERE k.contype = 'c' AND k.conrelid = 0 AND {USER_NAMESPACE}"
        ),
        format!(
            "SELECT 'aggregates', count(*) FROM pg_catalog.pg_proc p \
             JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.prokind = 'a' AND {USER_NAMESPACE} AND {}",
            not_member("pg_catalog.pg_proc", "p.oid")
        ),
        format!(
            "SELECT 'types or domains', count(*) FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE {USER_NAMESPACE} AND t.typelem = 0 AND t.typtype NOT IN ('b', 'p') AND \
               (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c') \
               AND {}",
            not_member("pg_catalog.pg_type", "t.oid")
        ),
        "SELECT 'extensions', count(*) FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql'".to_owned(),
        // Tables using one are dumped; the access method itself is not yet.
        format!(
            "SELECT 'access methods', count(*) FROM pg_catalog.pg_am a WHERE a.oid >= 16384 AND {}",
            not_member("pg_catalog.pg_am", "a.oid")
        ),
        format!(
            "SELECT 'collations, conversions, operators, operator classes or text search objects', \
               (SELECT count(*) FROM pg_catalog.pg_collation o JOIN pg_catalog.pg_namespace n ON n.oid = o.collnamespace WHERE {USER_NAMESPACE}) \
             + (SELECT count(*) FROM pg_catalog.pg_conversion o JOIN pg_catalog.pg_namespace n ON n.oid = o.connamespace WHERE {USER_NAMESPACE}) \
             + (SELECT count(*) FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE {USER_NAMESPACE}) \
             + (SELECT count(*) FROM pg_catalog.pg_opfamily o JOIN pg_catalog.pg_namespace n ON n.oid = o.opfnamespace WHERE {USER_NAMESPACE}) \
             + (SELECT count(*) FROM pg_catalog.pg_ts_config o JOIN pg_catalog.pg_namespace n ON n.oid = o.cfgnamespace WHERE {USER_NAMESPACE}) \
             + (SELECT count(*) FROM pg_catalog.pg_ts_dict o JOIN pg_catalog.pg_namespace n ON n.oid = o.dictnamespace WHERE {USER_NAMESPACE})"
        ),
        "SELECT 'foreign-data wrappers, servers, publications or subscriptions', \
           (SELECT count(*) FROM pg_catalog.pg_foreign_data_wrapper) \
         + (SELECT count(*) FROM pg_catalog.pg_foreign_server) \
         + (SELECT count(*) FROM pg_catalog.pg_publication) \
         + (SELECT count(*) FROM pg_catalog.pg_subscription s WHERE s.subdbid = \
              (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))"
            .to_owned(),
        "SELECT 'default privileges (ALTER DEFAULT PRIVILEGES)', count(*) FROM pg_catalog.pg_default_acl"
            .to_owned(),
        {
            // pg_dump also dumps privileges changed on pg_catalog's objects (compared with
            // their initial privileges, or the default when they have none); tusk_dump does
            // so for the schema itself, its functions and base types only.
            let changed = |catalog: &str, kind: &str, acl: &str, owner: &str, filter: &str| {
                format!(
                    "(SELECT count(*) FROM pg_catalog.{catalog} o \
                      LEFT JOIN pg_catalog.pg_init_privs p ON p.objoid = o.oid \
                       AND p.classoid = 'pg_catalog.{catalog}'::pg_catalog.regclass AND p.objsubid = 0 \
                      WHERE {filter} AND (o.{acl} IS NOT NULL OR p.initprivs IS NOT NULL) AND NOT \
                        (coalesce(o.{acl}, pg_catalog.acldefault({kind}, o.{owner})) \
                           @> coalesce(p.initprivs, pg_catalog.acldefault({kind}, o.{owner})) \
                         AND coalesce(p.initprivs, pg_catalog.acldefault({kind}, o.{owner})) \
                           @> coalesce(o.{acl}, pg_catalog.acldefault({kind}, o.{owner}))))"
                )
            };
            let sys = "'pg_catalog'::pg_catalog.regnamespace";
            format!(
                "SELECT 'privileges changed on pg_catalog objects', {} + {} + \
                   (SELECT count(*) FROM pg_catalog.pg_attribute a \
                    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                    LEFT JOIN pg_catalog.pg_init_privs p ON p.objoid = a.attrelid \
                     AND p.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND p.objsubid = a.attnum \
                    WHERE c.relnamespace = {sys} AND coalesce(a.attacl::text[], '{{}}') <> coalesce(p.initprivs::text[], '{{}}'))",
                changed(
                    "pg_class",
                    "CASE WHEN o.relkind = 'S' THEN 's'::\"char\" ELSE 'r'::\"char\" END",
                    "relacl",
                    "relowner",
                    &format!("o.relnamespace = {sys}"),
                ),
                changed("pg_type", "'T'", "typacl", "typowner", &format!("o.typnamespace = {sys} AND o.typtype <> 'b'")),
            )
        },
    ];
    let mut sql = String::from("SELECT what, n FROM (");
    sql.push_str(&branches.join(" UNION ALL "));
    sql.push_str(") AS k(what, n) WHERE n > 0");
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

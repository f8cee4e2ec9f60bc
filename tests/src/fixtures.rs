//! Databases the integration tests dump, built with upstream tools so they look like what
//! DBAs have.

use crate::harness::{Cluster, Result, run};

/// A pgbench database (`pgbench -i -s SCALE --foreign-keys`) plus a table with an identity
/// column, a serial column, a default and comments: the walking skeleton's object set.
pub fn pgbench(cluster: &Cluster, scale: u32) -> Result<String> {
    let db = cluster.new_database("bench")?;
    let mut init = cluster.upstream("pgbench");
    init.args(["-i", "-q", "-s", &scale.to_string(), "--foreign-keys", &db]);
    run("pgbench -i", &mut init, None)?;
    cluster.psql(
        &db,
        "CREATE TABLE extra (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, s serial, \
             note text NOT NULL DEFAULT 'x'); \
         COMMENT ON TABLE extra IS 'extra table'; \
         COMMENT ON COLUMN extra.note IS 'it''s a note'; \
         INSERT INTO extra (note) VALUES ('a'), ('b\tc'), (E'd\\\\e'), ('');",
    )?;
    Ok(db)
}

/// A database with large objects (empty, small, larger than one 16 kB write) and a comment
/// on one; with `grants`, also grants on two of them and on a table: the large-object and ACL
/// paths of dump and restore.
pub fn large_objects(cluster: &Cluster, grants: bool) -> Result<String> {
    let db = cluster.new_database("lo")?;
    // Roles are cluster-wide and tests share clusters: the loser of a concurrent CREATE ROLE
    // gets unique_violation, not duplicate_object.
    cluster.psql(
        &db,
        "DO $$BEGIN CREATE ROLE tusk_reader; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$; \
         SELECT lo_from_bytea(0, 'hello world'::bytea) AS a \\gset \n\
         SELECT lo_from_bytea(0, decode(repeat('ab', 20000), 'hex')) AS b \\gset \n\
         SELECT lo_from_bytea(0, ''::bytea) AS c \\gset \n\
         COMMENT ON LARGE OBJECT :a IS 'a blob'; \
         CREATE TABLE t (a int); INSERT INTO t VALUES (1);",
    )?;
    if grants {
        cluster.psql(
            &db,
            "SELECT oid AS b FROM pg_largeobject_metadata ORDER BY oid OFFSET 1 LIMIT 1 \\gset \n\
             SELECT oid AS c FROM pg_largeobject_metadata ORDER BY oid OFFSET 2 LIMIT 1 \\gset \n\
             GRANT SELECT ON LARGE OBJECT :b TO tusk_reader; \
             GRANT SELECT ON LARGE OBJECT :c TO tusk_reader; \
             GRANT SELECT ON t TO tusk_reader;",
        )?;
    }
    Ok(db)
}

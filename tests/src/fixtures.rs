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

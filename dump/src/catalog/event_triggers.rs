//! Event triggers (`pg_event_trigger`), read as pg_dump's getEventTriggers reads them.

use tokio_postgres::Client;

use super::{char_col, get};
use crate::error::DumpError;

#[derive(Debug, Clone, Default)]
pub struct EventTrigger {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    /// `evtevent`: `ddl_command_start`, `sql_drop`...
    pub event: String,
    /// `evttags`, each quoted as a literal, joined with ", " ("" when there are none).
    pub tags: String,
    /// The function as `regproc` prints it.
    pub function: String,
    /// `evtenabled`: 'O' on origin (the default), 'D' disabled, 'R' replica, 'A' always.
    pub enabled: u8,
}

/// Reads the event triggers that are not extension members, in OID order.
pub async fn load_event_triggers(client: &Client) -> Result<Vec<EventTrigger>, DumpError> {
    let rows = client
        .query(
            "SELECT e.oid, e.evtname::text, pg_catalog.pg_get_userbyid(e.evtowner)::text, \
                    e.evtevent::text, \
                    pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_literal(x) \
                        FROM unnest(e.evttags) AS t(x)), ', '), \
                    e.evtfoid::pg_catalog.regproc::text, e.evtenabled \
             FROM pg_catalog.pg_event_trigger e \
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
                 WHERE d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass \
                   AND d.objid = e.oid AND d.deptype = 'e') \
             ORDER BY e.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading event triggers"))?;
    rows.iter()
        .map(|r| {
            Ok(EventTrigger {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                owner: get(r, 2)?,
                event: get(r, 3)?,
                tags: get(r, 4)?,
                function: get(r, 5)?,
                enabled: char_col(r, 6)?.unwrap_or(b'O'),
            })
        })
        .collect()
}

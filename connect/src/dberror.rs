//! Server errors worded the way libpq prints them, so tusk's messages match upstream's.

/// `ERROR:  message` plus `DETAIL:`, `HINT:` and `CONTEXT:` lines, as `PQerrorMessage`
/// shows a server error at default verbosity (pqBuildErrorMessage3); other failures (I/O,
/// protocol) as their plain text. Not yet: the `LINE n:` cursor libpq draws under a statement
/// for an error with a position, and the `QUERY:` line of an internal query.
pub fn describe_db_error(err: &tokio_postgres::Error) -> String {
    let Some(db) = err.as_db_error() else {
        return match std::error::Error::source(err) {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        };
    };
    let mut s = format!("{}:  {}", db.severity(), db.message());
    if let Some(detail) = db.detail() {
        s.push_str(&format!("\nDETAIL:  {detail}"));
    }
    if let Some(hint) = db.hint() {
        s.push_str(&format!("\nHINT:  {hint}"));
    }
    if let Some(context) = db.where_() {
        s.push_str(&format!("\nCONTEXT:  {context}"));
    }
    s
}

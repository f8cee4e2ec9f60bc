//! Server errors worded the way libpq prints them, so tusk's messages match upstream's.

/// `ERROR:  message` plus `DETAIL:` and `HINT:` lines, as `PQerrorMessage` shows a server error;
/// other failures (I/O, protocol) as their plain text.
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
    s
}

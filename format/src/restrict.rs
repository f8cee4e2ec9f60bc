//! psql's `\restrict` keys, which a plain script is wrapped in so that no meta-command a
//! hostile source slipped into it runs (pg_dump 18.6, CVE-2025-8714).

/// Characters upstream allows in a key.
pub const KEY_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random key of 63 alphanumeric characters, as pg_dump, pg_dumpall and pg_restore make one.
pub fn generate_key() -> String {
    use rand::RngExt;
    let chars = KEY_CHARS.as_bytes();
    let mut rng = rand::rng();
    (0..63)
        .map(|_| char::from(chars[rng.random_range(0..chars.len())]))
        .collect()
}

/// `valid_restrict_key`: not empty, and only [`KEY_CHARS`].
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| KEY_CHARS.contains(c))
}

//! Object selection: `-n/-N/-t/-T` and their `--filter` file form, turned into regular
//! expressions by psql's pattern rules (`patternToSQLRegex` in src/fe_utils/string_utils.c),
//! matched by the server, then applied to the catalog as pg_dump's `selectDumpableNamespace`,
//! `selectDumpableTable` and `getOwnedSeqs` do.

use std::collections::{HashMap, HashSet};
use tokio_postgres::Client;
use tusk_format::filter::{FilterItem, FilterObject, NotAllowed};

use crate::catalog::Catalog;
use crate::error::DumpError;

/// The selection options in command-line order (pg_dump keeps one list per option; a filter
/// file appends to the same lists at its place on the command line).
#[derive(Debug, Clone, Default)]
pub struct ObjectFilter {
    pub include_schemas: Vec<String>,
    pub exclude_schemas: Vec<String>,
    pub include_tables: Vec<String>,
    pub include_tables_and_children: Vec<String>,
    pub exclude_tables: Vec<String>,
    pub exclude_tables_and_children: Vec<String>,
    pub exclude_table_data: Vec<String>,
    pub exclude_table_data_and_children: Vec<String>,
    pub strict_names: bool,
    /// `-b`: large objects even when an inclusion switch is used.
    pub large_objects: bool,
    /// `-B`: no large objects.
    pub no_large_objects: bool,
    pub no_unlogged_table_data: bool,
    /// `-e` and `--exclude-extension`, with their `--filter` form.
    pub include_extensions: Vec<String>,
    pub exclude_extensions: Vec<String>,
    /// `--include-foreign-data`, with its `--filter` form.
    pub include_foreign_data: Vec<String>,
    /// `-e` was given on the command line: unlike a filter file's `include extension`, it
    /// makes the dump no longer one of everything.
    pub extension_switch: bool,
}

impl ObjectFilter {
    /// pg_dump's `include_everything`: no inclusion switch was given.
    pub fn include_everything(&self) -> bool {
        self.include_schemas.is_empty()
            && self.include_tables.is_empty()
            && self.include_tables_and_children.is_empty()
            && !self.extension_switch
    }

    /// Whether large objects are dumped (when data is): by default in a dump of everything,
    /// with `-b` always, never with `-B` alone.
    pub fn large_objects(&self) -> bool {
        self.large_objects || (self.include_everything() && !self.no_large_objects)
    }
}

/// How a pattern constrains the schema of a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaMatch {
    /// No schema part: the relation must be visible in the default search path.
    Visible,
    /// A schema part of `*`: any schema.
    Any,
    Regex(String),
}

/// A pattern as regular expressions; `name` is `None` for `*` (anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    pub schema: SchemaMatch,
    pub name: Option<String>,
}

/// The parts of a pattern split on unquoted dots, each converted to an anchored regex, with the
/// literal text before the first dot (a database name when there are three parts).
struct Converted {
    parts: Vec<String>,
    first_literal: String,
    dots: usize,
}

/// `patternToSQLRegex`: quotes group and keep case, unquoted letters fold to lower case, `*`
/// and `?` are wildcards, unquoted dots separate at most `max_parts` parts (further dots are
/// kept as characters). `force_escape` quotes regex characters outside quotes too.
fn convert(pattern: &str, max_parts: usize, force_escape: bool) -> Converted {
    let mut parts = vec![String::from("^(")];
    let mut first_literal = String::new();
    let mut left = true;
    let mut in_quotes = false;
    let mut dots = 0;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let room = parts.len() < max_parts;
        let cur = parts.last_mut().expect("parts is never empty");
        if c == '"' {
            if in_quotes && chars.get(i + 1) == Some(&'"') {
                cur.push('"');
                if left {
                    first_literal.push('"');
                }
                i += 1;
            } else {
                in_quotes = !in_quotes;
            }
        } else if !in_quotes && c.is_ascii_uppercase() {
            cur.push(c.to_ascii_lowercase());
            if left {
                first_literal.push(c.to_ascii_lowercase());
            }
        } else if !in_quotes && c == '*' {
            cur.push_str(".*");
            if left {
                first_literal.push('*');
            }
        } else if !in_quotes && c == '?' {
            cur.push('.');
            if left {
                first_literal.push('?');
            }
        } else if !in_quotes && c == '.' {
            left = false;
            dots += 1;
            if room {
                cur.push_str(")$");
                parts.push(String::from("^("));
            } else {
                cur.push('.');
            }
        } else if c == '$' {
            // Anchored patterns leave `$` no regex use; it is an identifier character.
            cur.push_str("\\$");
            if left {
                first_literal.push('$');
            }
        } else {
            if ((in_quotes || force_escape) && "|*+?()[]{}.^$\\".contains(c))
                || (c == '[' && chars.get(i + 1) == Some(&']'))
            {
                cur.push('\\');
            }
            cur.push(c);
            if left {
                first_literal.push(c);
            }
        }
        i += 1;
    }
    parts
        .last_mut()
        .expect("parts is never empty")
        .push_str(")$");
    Converted {
        parts,
        first_literal,
        dots,
    }
}

const ANY: &str = "^(.*)$";

/// A `-n`/`-N` pattern (`expand_schema_name_patterns`): a single name; a dotted one is refused
/// as a cross-database reference, as upstream does.
pub fn schema_pattern(pattern: &str) -> Result<NamePattern, String> {
    let c = convert(pattern, 1, false);
    match c.dots {
        0 => {}
        1 => {
            return Err(format!(
                "cross-database references are not implemented: {pattern}"
            ));
        }
        _ => {
            return Err(format!(
                "improper qualified name (too many dotted names): {pattern}"
            ));
        }
    }
    let name = c.parts.into_iter().next().filter(|n| n != ANY);
    Ok(NamePattern {
        schema: SchemaMatch::Any,
        name,
    })
}

/// A pattern for a single-part name: `-e`/`--exclude-extension` (`expand_extension_name_patterns`),
/// `--include-foreign-data` (foreign servers), pg_dumpall's `--exclude-database`. `None` for
/// `*`.
pub fn single_name_pattern(pattern: &str) -> Result<Option<String>, String> {
    let c = convert(pattern, 1, false);
    if c.dots > 0 {
        return Err(format!(
            "improper qualified name (too many dotted names): {pattern}"
        ));
    }
    Ok(c.parts.into_iter().next().filter(|n| n != ANY))
}

/// A `-t`/`-T` pattern (`expand_table_name_patterns`): `[[database.]schema.]table`, regex
/// characters always quoted; a database part must name the connected database.
pub fn table_pattern(pattern: &str, dbname: &str) -> Result<NamePattern, String> {
    let c = convert(pattern, 3, true);
    if c.dots > 2 {
        return Err(format!(
            "improper relation name (too many dotted names): {pattern}"
        ));
    }
    if c.dots == 2 && c.first_literal != dbname {
        return Err(format!(
            "cross-database references are not implemented: {pattern}"
        ));
    }
    let mut parts = c.parts;
    let name = parts.pop().filter(|n| n != ANY);
    let schema = match parts.pop() {
        None => SchemaMatch::Visible,
        Some(s) if s == ANY => SchemaMatch::Any,
        Some(s) => SchemaMatch::Regex(s),
    };
    Ok(NamePattern { schema, name })
}

/// The OIDs the patterns matched.
#[derive(Debug, Default)]
pub struct Matched {
    /// `None` when no `-n` was given.
    pub include_schemas: Option<HashSet<u32>>,
    pub exclude_schemas: HashSet<u32>,
    /// `None` when no `-t` / `--table-and-children` was given.
    pub include_tables: Option<HashSet<u32>>,
    pub exclude_tables: HashSet<u32>,
    pub exclude_table_data: HashSet<u32>,
    /// Servers named by `--include-foreign-data`.
    pub foreign_data_servers: HashSet<u32>,
    /// `None` when no `-e` was given.
    pub include_extensions: Option<HashSet<u32>>,
    pub exclude_extensions: HashSet<u32>,
}

/// Which list a table pattern belongs to, in the order pg_dump expands them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TableList {
    Include,
    Exclude,
    ExcludeData,
}

/// Matches every pattern against the server: one query for the schema patterns, one for the
/// table patterns, whatever their number. Errors are those pg_dump reports, in its order:
/// a malformed pattern or (with `--strict-names`) an unmatched inclusion pattern stops at the
/// first such pattern, then an inclusion that matched nothing at all.
pub async fn expand(
    client: &Client,
    filter: &ObjectFilter,
    dbname: &str,
) -> Result<Matched, DumpError> {
    let fatal = DumpError::Selection;
    // Schema patterns: includes, then excludes (never strict).
    let schema_lists = [
        (&filter.include_schemas, filter.strict_names),
        (&filter.exclude_schemas, false),
    ];
    let mut schema_patterns = Vec::new();
    for (list, _) in &schema_lists {
        for p in list.iter() {
            schema_patterns.push(schema_pattern(p));
        }
    }
    let schema_names: Vec<_> = schema_patterns
        .iter()
        .map(|p| p.as_ref().map(|p| p.name.clone()).map_err(Clone::clone))
        .collect();
    let schema_hits = match_names(client, NameCatalog::Schema, &schema_names).await?;

    let table_lists = [
        (&filter.include_tables, false, TableList::Include),
        (
            &filter.include_tables_and_children,
            true,
            TableList::Include,
        ),
        (&filter.exclude_tables, false, TableList::Exclude),
        (
            &filter.exclude_tables_and_children,
            true,
            TableList::Exclude,
        ),
        (&filter.exclude_table_data, false, TableList::ExcludeData),
        (
            &filter.exclude_table_data_and_children,
            true,
            TableList::ExcludeData,
        ),
    ];
    let mut table_patterns = Vec::new();
    for (list, children, _) in &table_lists {
        for p in list.iter() {
            table_patterns.push((table_pattern(p, dbname), *children));
        }
    }

    let mut m = Matched::default();
    let mut n = 0;
    for (k, (list, strict)) in schema_lists.iter().enumerate() {
        let mut oids = HashSet::new();
        for p in list.iter() {
            if let Err(e) = &schema_patterns[n] {
                return Err(fatal(e.clone()));
            }
            let hits = schema_hits.get(&n).map(Vec::as_slice).unwrap_or_default();
            if *strict && hits.is_empty() {
                return Err(fatal(format!(
                    "no matching schemas were found for pattern \"{p}\""
                )));
            }
            if k == 0 {
                refuse_system(p, hits)?;
            }
            oids.extend(hits.iter().map(|h| h.oid));
            n += 1;
        }
        if k == 0 {
            if !list.is_empty() && oids.is_empty() {
                return Err(fatal("no matching schemas were found".into()));
            }
            m.include_schemas = (!list.is_empty()).then_some(oids);
        } else {
            m.exclude_schemas = oids;
        }
    }

    // Only the patterns before the first malformed one are ever looked at.
    let valid = table_patterns
        .iter()
        .position(|(p, _)| p.is_err())
        .unwrap_or(table_patterns.len());
    let table_hits = match_tables(client, &table_patterns[..valid]).await?;
    let mut n = 0;
    let mut include: Option<HashSet<u32>> = None;
    for (k, (list, _, which)) in table_lists.iter().enumerate() {
        for p in list.iter() {
            if let Err(e) = &table_patterns[n].0 {
                return Err(fatal(e.clone()));
            }
            let hits = table_hits.get(&n).map(Vec::as_slice).unwrap_or_default();
            match which {
                TableList::Include => {
                    if filter.strict_names && hits.is_empty() {
                        return Err(fatal(format!(
                            "no matching tables were found for pattern \"{p}\""
                        )));
                    }
                    refuse_system(p, hits)?;
                    include
                        .get_or_insert_with(HashSet::new)
                        .extend(hits.iter().map(|h| h.oid));
                }
                TableList::Exclude => m.exclude_tables.extend(hits.iter().map(|h| h.oid)),
                TableList::ExcludeData => m.exclude_table_data.extend(hits.iter().map(|h| h.oid)),
            }
            n += 1;
        }
        // After both inclusion lists: one of them given, nothing matched.
        if k == 1 && include.as_ref().is_some_and(HashSet::is_empty) {
            return Err(fatal("no matching tables were found".into()));
        }
    }
    m.include_tables = include;
    // Every server pattern must match something.
    let patterns: Vec<_> = filter
        .include_foreign_data
        .iter()
        .map(|p| single_name_pattern(p))
        .collect();
    let hits = match_names(client, NameCatalog::ForeignServer, &patterns).await?;
    for (n, p) in filter.include_foreign_data.iter().enumerate() {
        if let Err(e) = &patterns[n] {
            return Err(fatal(e.clone()));
        }
        let found = hits.get(&n).map(Vec::as_slice).unwrap_or_default();
        if found.is_empty() {
            return Err(fatal(format!(
                "no matching foreign servers were found for pattern \"{p}\""
            )));
        }
        m.foreign_data_servers.extend(found.iter().map(|h| h.oid));
    }
    expand_extensions(client, filter, &mut m).await?;
    Ok(m)
}

/// The extension patterns: includes (strict with `--strict-names`, and one must match), then
/// excludes.
async fn expand_extensions(
    client: &Client,
    filter: &ObjectFilter,
    m: &mut Matched,
) -> Result<(), DumpError> {
    let lists = [&filter.include_extensions, &filter.exclude_extensions];
    let patterns: Vec<_> = lists
        .iter()
        .flat_map(|l| l.iter().map(|p| single_name_pattern(p)))
        .collect();
    let hits = match_names(client, NameCatalog::Extension, &patterns).await?;
    let mut n = 0;
    for (k, list) in lists.iter().enumerate() {
        let mut oids = HashSet::new();
        for p in list.iter() {
            if let Err(e) = &patterns[n] {
                return Err(DumpError::Selection(e.clone()));
            }
            let found = hits.get(&n).map(Vec::as_slice).unwrap_or_default();
            if k == 0 && filter.strict_names && found.is_empty() {
                return Err(DumpError::Selection(format!(
                    "no matching extensions were found for pattern \"{p}\""
                )));
            }
            oids.extend(found.iter().map(|h| h.oid));
            n += 1;
        }
        if k == 0 {
            if !list.is_empty() && oids.is_empty() {
                return Err(DumpError::Selection(
                    "no matching extensions were found".into(),
                ));
            }
            m.include_extensions = (!list.is_empty()).then_some(oids);
        } else {
            m.exclude_extensions = oids;
        }
    }
    Ok(())
}

/// Catalogs whose objects are matched by a bare name pattern.
#[derive(Clone, Copy)]
enum NameCatalog {
    Schema,
    Extension,
    ForeignServer,
}

/// Schema or extension OIDs matched by name regexes (`None`: anything), by pattern position
/// (malformed patterns match nothing). An extension's hit carries its schema.
async fn match_names(
    client: &Client,
    catalog: NameCatalog,
    patterns: &[Result<Option<String>, String>],
) -> Result<HashMap<usize, Vec<Hit>>, DumpError> {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        if let Ok(p) = p {
            ids.push(i32::try_from(i).unwrap_or(i32::MAX));
            names.push(p.clone());
        }
    }
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (from, column, schema, what) = match catalog {
        NameCatalog::Schema => (
            "pg_catalog.pg_namespace o",
            "o.nspname",
            "o.nspname",
            "matching schema patterns",
        ),
        NameCatalog::Extension => (
            "pg_catalog.pg_extension o JOIN pg_catalog.pg_namespace s \
                 ON s.oid OPERATOR(pg_catalog.=) o.extnamespace",
            "o.extname",
            "s.nspname",
            "matching extension patterns",
        ),
        NameCatalog::ForeignServer => (
            "pg_catalog.pg_foreign_server o",
            "o.srvname",
            "''",
            "matching foreign server patterns",
        ),
    };
    let sql = format!(
        "SELECT p.n, o.oid, {schema}::pg_catalog.text FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int4[]), \
            pg_catalog.unnest($2::pg_catalog.text[])) AS p(n, name_re) \
         JOIN {from} ON p.name_re IS NULL \
            OR {column} OPERATOR(pg_catalog.~) p.name_re COLLATE pg_catalog.default \
         ORDER BY p.n, o.oid"
    );
    let rows = client
        .query(&sql, &[&ids, &names])
        .await
        .map_err(DumpError::query(what))?;
    collect_hits(&rows)
}

/// Relation OIDs matched, by pattern position, children included for the `-and-children`
/// patterns. Patterns without a schema part match what the default search path shows, as
/// pg_dump does by resetting `search_path` around the query.
async fn match_tables(
    client: &Client,
    patterns: &[(Result<NamePattern, String>, bool)],
) -> Result<HashMap<usize, Vec<Hit>>, DumpError> {
    let (mut ids, mut schemas, mut names, mut visible, mut children) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, (p, with_children)) in patterns.iter().enumerate() {
        let Ok(p) = p else { continue };
        ids.push(i32::try_from(i).unwrap_or(i32::MAX));
        schemas.push(match &p.schema {
            SchemaMatch::Regex(r) => Some(r.clone()),
            _ => None,
        });
        names.push(p.name.clone());
        visible.push(p.schema == SchemaMatch::Visible);
        children.push(*with_children);
    }
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Every name is qualified: the query runs under the default search path.
    let sql = "WITH RECURSIVE pat(n, schema_re, name_re, visible, children) AS ( \
           SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int4[]), \
               pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.text[]), \
               pg_catalog.unnest($4::pg_catalog.bool[]), pg_catalog.unnest($5::pg_catalog.bool[]))), \
         tree(n, relid, children) AS ( \
           SELECT p.n, c.oid, p.children FROM pat p \
           JOIN pg_catalog.pg_class c ON c.relkind OPERATOR(pg_catalog.=) ANY \
               (array['r', 'S', 'v', 'm', 'f', 'p']::pg_catalog.\"char\"[]) \
           LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace \
           WHERE (p.name_re IS NULL \
                  OR c.relname OPERATOR(pg_catalog.~) p.name_re COLLATE pg_catalog.default) \
             AND (p.schema_re IS NULL \
                  OR n.nspname OPERATOR(pg_catalog.~) p.schema_re COLLATE pg_catalog.default) \
             AND (NOT p.visible OR pg_catalog.pg_table_is_visible(c.oid)) \
           UNION \
           SELECT t.n, i.inhrelid, t.children FROM tree t \
           JOIN pg_catalog.pg_inherits i ON i.inhparent OPERATOR(pg_catalog.=) t.relid \
           WHERE t.children) \
         SELECT t.n, t.relid, s.nspname::pg_catalog.text FROM tree t \
         JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid \
         JOIN pg_catalog.pg_namespace s ON s.oid OPERATOR(pg_catalog.=) c.relnamespace \
         ORDER BY t.n, t.relid";
    client
        .batch_execute("RESET search_path")
        .await
        .map_err(DumpError::query("matching table patterns"))?;
    let rows = client
        .query(sql, &[&ids, &schemas, &names, &visible, &children])
        .await
        .map_err(DumpError::query("matching table patterns"))?;
    client
        .batch_execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await
        .map_err(DumpError::query("matching table patterns"))?;
    collect_hits(&rows)
}

/// An object a pattern matched, with its schema.
#[derive(Debug)]
struct Hit {
    oid: u32,
    schema: String,
}

/// pg_dump would dump system catalogs an inclusion pattern matches (`-n pg_catalog`, or
/// `-t '*'`, which sees pg_catalog's tables); tusk_dump does not read them, so it says so
/// rather than leave them out silently.
fn refuse_system(pattern: &str, hits: &[Hit]) -> Result<(), DumpError> {
    match hits
        .iter()
        .find(|h| h.schema.starts_with("pg_") || h.schema == "information_schema")
    {
        Some(h) => Err(DumpError::Unsupported(format!(
            "pattern \"{pattern}\" matches objects of system schema \"{}\", which tusk_dump \
             does not dump",
            h.schema
        ))),
        None => Ok(()),
    }
}

fn collect_hits(rows: &[tokio_postgres::Row]) -> Result<HashMap<usize, Vec<Hit>>, DumpError> {
    let mut hits: HashMap<usize, Vec<Hit>> = HashMap::new();
    for r in rows {
        let n: i32 = r
            .try_get(0)
            .map_err(|e| DumpError::Catalog(e.to_string()))?;
        let oid: u32 = r
            .try_get(1)
            .map_err(|e| DumpError::Catalog(e.to_string()))?;
        let schema: String = r
            .try_get(2)
            .map_err(|e| DumpError::Catalog(e.to_string()))?;
        hits.entry(usize::try_from(n).unwrap_or_default())
            .or_default()
            .push(Hit { oid, schema });
    }
    Ok(hits)
}

/// Marks what is dumped (`selectDumpableNamespace`, `selectDumpableTable`, `getOwnedSeqs`)
/// and whose data is left out.
pub fn apply(cat: &mut Catalog, m: &Matched, filter: &ObjectFilter) {
    cat.include_everything = filter.include_everything();
    let mut contents: HashMap<String, bool> = HashMap::new();
    for ns in &mut cat.namespaces {
        let mut dump = if m.include_tables.is_some() {
            false
        } else if let Some(include) = &m.include_schemas {
            include.contains(&ns.oid)
        } else {
            !(ns.name.starts_with("pg_") || ns.name == "information_schema")
        };
        if m.exclude_schemas.contains(&ns.oid) {
            dump = false;
        }
        contents.insert(ns.name.clone(), dump);
        // pg_catalog itself is dumped for its changed privileges only (pg_dump's
        // DUMP_COMPONENT_ACL), unless the selection names schemas or tables; never its
        // contents.
        ns.selected = if ns.name == "pg_catalog" {
            m.include_tables.is_none()
                && m.include_schemas.is_none()
                && !m.exclude_schemas.contains(&ns.oid)
        } else {
            dump
        };
        ns.create =
            ns.name != "public" || m.include_tables.is_some() || m.include_schemas.is_some();
    }
    for rel in &mut cat.relations {
        let dump = match &m.include_tables {
            Some(include) => include.contains(&rel.oid),
            None => contents.get(&rel.schema).copied().unwrap_or(false),
        };
        rel.selected = dump && !m.exclude_tables.contains(&rel.oid);
    }
    // Owned sequences go with their table: an identity sequence exactly, a serial one in
    // addition to its own selection.
    let owner_selected: Vec<Option<bool>> = cat
        .relations
        .iter()
        .map(|r| {
            r.owned_by
                .map(|(tab, _, _)| cat.relation(tab).is_some_and(|t| t.selected))
        })
        .collect();
    for (rel, owner) in cat.relations.iter_mut().zip(owner_selected) {
        if let (Some(owner), Some((_, _, identity))) = (owner, rel.owned_by) {
            rel.selected = if identity {
                owner
            } else {
                rel.selected || owner
            };
        }
    }
    for ext in &mut cat.extensions {
        let included = match &m.include_extensions {
            Some(include) => include.contains(&ext.oid),
            None => filter.include_everything(),
        };
        ext.selected = !ext.builtin() && included && !m.exclude_extensions.contains(&ext.oid);
    }
    select_extension_data(cat, m, &contents);
    cat.foreign_data_servers = m.foreign_data_servers.clone();
    // selectDumpableObject for objects outside schemas: in a dump of everything; an
    // extension's (for its privileges) with the extension.
    let extension_selected = |ext: Option<u32>| match ext {
        Some(e) => cat.extensions.iter().any(|x| x.oid == e && x.selected),
        None => filter.include_everything(),
    };
    for w in &mut cat.foreign_data_wrappers {
        w.selected = extension_selected(w.extension);
    }
    for s in &mut cat.foreign_servers {
        s.selected = extension_selected(s.extension);
    }
    cat.data_excluded = m.exclude_table_data.clone();
    if filter.no_unlogged_table_data {
        cat.data_excluded.extend(
            cat.relations
                .iter()
                .filter(|r| r.persistence == b'u')
                .map(|r| r.oid),
        );
    }
}

/// `processExtensionTables`: an extension's configuration tables are never dumped themselves
/// (as none of its relations are),
/// but their rows are, when the extension is, or when the table or its schema is asked for
/// (and neither is excluded). An extension left out by `-e` or `--exclude-extension` takes
/// its rows with it.
fn select_extension_data(cat: &mut Catalog, m: &Matched, contents: &HashMap<String, bool>) {
    let schema_oid: HashMap<&str, u32> = cat
        .namespaces
        .iter()
        .map(|n| (n.name.as_str(), n.oid))
        .collect();
    let mut data = HashMap::new();
    for ext in &cat.extensions {
        if m.include_extensions
            .as_ref()
            .is_some_and(|i| !i.contains(&ext.oid))
            || m.exclude_extensions.contains(&ext.oid)
        {
            continue;
        }
        for (oid, condition) in &ext.config {
            let Some(rel) = cat.relation(*oid) else {
                continue;
            };
            let asked = m.include_tables.as_ref().is_some_and(|t| t.contains(oid))
                || contents.get(&rel.schema).copied().unwrap_or(false);
            let excluded = m.exclude_tables.contains(oid)
                || schema_oid
                    .get(rel.schema.as_str())
                    .is_some_and(|s| m.exclude_schemas.contains(s));
            if (ext.selected || asked) && !excluded {
                data.insert(*oid, condition.clone());
            }
        }
    }
    // Members come with their extension; of pg_catalog's relations only privileges are
    // dumped.
    let catalog_acls = cat
        .namespaces
        .iter()
        .any(|n| n.name == "pg_catalog" && n.selected);
    for rel in &mut cat.relations {
        if rel.schema == "pg_catalog" {
            rel.selected = false;
            if catalog_acls && !m.exclude_tables.contains(&rel.oid) {
                cat.catalog_privileges.insert(rel.oid);
            }
        } else if cat.member_relations.contains_key(&rel.oid) {
            rel.selected = false;
        }
    }
    cat.extension_data = data;
}

/// `read_dump_filters`: appends the patterns of a filter file (`-` for standard input) to the
/// lists of `filter`, refusing what pg_dump refuses.
pub fn read_filter_file(path: &str, filter: &mut ObjectFilter) -> Result<(), String> {
    tusk_format::filter::read_filter_file(path, |item| take_filter_item(filter, item))
}

fn take_filter_item(filter: &mut ObjectFilter, item: FilterItem) -> Result<(), NotAllowed> {
    let list = match (item.include, item.object) {
        (true, FilterObject::Schema) => &mut filter.include_schemas,
        (true, FilterObject::Table) => &mut filter.include_tables,
        (true, FilterObject::TableAndChildren) => &mut filter.include_tables_and_children,
        (false, FilterObject::Schema) => &mut filter.exclude_schemas,
        (false, FilterObject::Table) => &mut filter.exclude_tables,
        (false, FilterObject::TableAndChildren) => &mut filter.exclude_tables_and_children,
        (false, FilterObject::TableData) => &mut filter.exclude_table_data,
        (false, FilterObject::TableDataAndChildren) => &mut filter.exclude_table_data_and_children,
        (true, FilterObject::Extension) => &mut filter.include_extensions,
        (false, FilterObject::Extension) => &mut filter.exclude_extensions,
        (true, FilterObject::ForeignData) => &mut filter.include_foreign_data,
        _ => return Err(NotAllowed::Item),
    };
    list.push(item.pattern);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(p: &str) -> NamePattern {
        table_pattern(p, "db").unwrap()
    }

    #[test]
    fn schema_patterns_follow_psql() {
        let name = |p: &str| schema_pattern(p).unwrap().name;
        assert_eq!(name("Sales"), Some("^(sales)$".into()));
        assert_eq!(name("\"Sales\""), Some("^(Sales)$".into()));
        assert_eq!(name("s*"), Some("^(s.*)$".into()));
        assert_eq!(name("*"), None);
        assert_eq!(name("a|b"), Some("^(a|b)$".into()));
        assert_eq!(name("\"a|b\""), Some("^(a\\|b)$".into()));
        assert_eq!(name("\"we\"\"ird\""), Some("^(we\"ird)$".into()));
        assert_eq!(name("x$"), Some("^(x\\$)$".into()));
        assert_eq!(
            schema_pattern("db.s").unwrap_err(),
            "cross-database references are not implemented: db.s"
        );
        assert_eq!(
            schema_pattern("a.b.c").unwrap_err(),
            "improper qualified name (too many dotted names): a.b.c"
        );
    }

    #[test]
    fn table_patterns_follow_psql() {
        assert_eq!(
            table("T?"),
            NamePattern {
                schema: SchemaMatch::Visible,
                name: Some("^(t.)$".into())
            }
        );
        assert_eq!(
            table("S.\"T\""),
            NamePattern {
                schema: SchemaMatch::Regex("^(s)$".into()),
                name: Some("^(T)$".into())
            }
        );
        assert_eq!(
            table("*.*"),
            NamePattern {
                schema: SchemaMatch::Any,
                name: None
            }
        );
        assert_eq!(table("a|b").name, Some("^(a\\|b)$".into()));
        assert_eq!(table("\"a.b\"").name, Some("^(a\\.b)$".into()));
        assert_eq!(table("ü").name, Some("^(ü)$".into()));
        assert_eq!(table("DB.s.t").schema, SchemaMatch::Regex("^(s)$".into()));
        assert_eq!(
            table_pattern("x.s.t", "db").unwrap_err(),
            "cross-database references are not implemented: x.s.t"
        );
        assert_eq!(
            table_pattern("a.b.c.d", "db").unwrap_err(),
            "improper relation name (too many dotted names): a.b.c.d"
        );
    }

    #[test]
    fn extension_patterns_are_bare_names() {
        assert_eq!(single_name_pattern("Hs*"), Ok(Some("^(hs.*)$".into())));
        assert_eq!(
            single_name_pattern("\"uuid-ossp\""),
            Ok(Some("^(uuid-ossp)$".into()))
        );
        assert_eq!(single_name_pattern("*"), Ok(None));
        assert_eq!(
            single_name_pattern("public.hstore"),
            Err("improper qualified name (too many dotted names): public.hstore".into())
        );
    }

    #[test]
    fn only_the_switch_narrows_the_dump() {
        let f = parse_filter("include extension hstore\nexclude extension cube\n").unwrap();
        assert_eq!(f.include_extensions, ["hstore"]);
        assert_eq!(f.exclude_extensions, ["cube"]);
        assert!(f.include_everything());
        let f = ObjectFilter {
            extension_switch: true,
            ..f
        };
        assert!(!f.include_everything() && !f.large_objects());
    }

    fn parse_filter(text: &str) -> Result<ObjectFilter, String> {
        let mut f = ObjectFilter::default();
        tusk_format::filter::parse_filter(text.as_bytes(), Some("F".into()), |item| {
            take_filter_item(&mut f, item)
        })
        .map(|()| f)
    }

    #[test]
    fn filter_files() {
        let f = parse_filter(
            "# comment\n\n  include table  public . \"My  Table\"  # trailing\n\
             EXCLUDE Schema a b\nexclude table_data \"multi\nline\"\n",
        )
        .unwrap();
        // Upstream keeps the blank before a quote that follows a dot.
        assert_eq!(f.include_tables, ["public. \"My  Table\""]);
        assert_eq!(f.exclude_schemas, ["a b"]);
        assert_eq!(f.exclude_table_data, ["\"multi\nline\""]);
        let err = |t: &str| parse_filter(t).unwrap_err();
        assert_eq!(
            err("include table_data t\n"),
            "invalid format in filter read from file \"F\" on line 1: include filter for \
             \"table data\" is not allowed"
        );
    }
}

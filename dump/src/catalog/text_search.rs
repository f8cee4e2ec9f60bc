//! Text search parsers, templates, dictionaries and configurations with their mappings, as
//! getTSParsers/getTSTemplates/getTSDictionaries/getTSConfigurations and their dumpXxx read
//! them; and user access methods (getAccessMethods). One query per catalog.

use tokio_postgres::Client;

use super::user_objects::{FIRST_NORMAL_OID, pair, reg, user_rows};
use super::{Catalog, char_col, get, text_array};
use crate::error::DumpError;

/// Support functions are `regproc` text (`convertTSFunction`).
#[derive(Debug, Clone, Default)]
pub struct TsParser {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub start: String,
    pub token: String,
    pub end: String,
    pub headline: Option<String>,
    pub lextypes: String,
}

#[derive(Debug, Clone, Default)]
pub struct TsTemplate {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub init: Option<String>,
    pub lexize: String,
}

#[derive(Debug, Clone, Default)]
pub struct TsDict {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// (schema, name) of its template.
    pub template: (String, String),
    /// `dictinitoption`: the options as CREATE wrote them, printed as they are.
    pub init_option: Option<String>,
}

/// One `ADD MAPPING`: a token type's alias and its dictionaries (`regdictionary` text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TsMapping {
    pub token: String,
    pub dictionaries: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TsConfig {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// (schema, name) of its parser.
    pub parser: (String, String),
    /// In token type order, dictionaries in `mapseqno` order.
    pub mappings: Vec<TsMapping>,
}

/// A user access method (`pg_am`). Access methods have no owner and no schema.
#[derive(Debug, Clone, Default)]
pub struct AccessMethod {
    pub oid: u32,
    pub name: String,
    /// `amtype`: 'i' index, 't' table.
    pub kind: u8,
    /// `amhandler::regproc`.
    pub handler: String,
}

/// Reads the text search objects and the user access methods.
pub async fn load_text_search(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    let rows = user_rows(
        client,
        "reading text search parsers",
        "SELECT o.oid, o.prsnamespace, n.nspname::text, o.prsname::text, o.prsstart::text, \
                o.prstoken::text, o.prsend::text, o.prsheadline::text, o.prslextype::text \
         FROM pg_catalog.pg_ts_parser o",
        "pg_ts_parser",
        "prsnamespace",
    )
    .await?;
    cat.ts_parsers = rows
        .iter()
        .map(|r| {
            Ok(TsParser {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                start: get(r, 4)?,
                token: get(r, 5)?,
                end: get(r, 6)?,
                headline: reg(r, 7)?,
                lextypes: get(r, 8)?,
            })
        })
        .collect::<Result<_, DumpError>>()?;
    let rows = user_rows(
        client,
        "reading text search templates",
        "SELECT o.oid, o.tmplnamespace, n.nspname::text, o.tmplname::text, o.tmplinit::text, \
                o.tmpllexize::text \
         FROM pg_catalog.pg_ts_template o",
        "pg_ts_template",
        "tmplnamespace",
    )
    .await?;
    cat.ts_templates = rows
        .iter()
        .map(|r| {
            Ok(TsTemplate {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                init: reg(r, 4)?,
                lexize: get(r, 5)?,
            })
        })
        .collect::<Result<_, DumpError>>()?;
    let rows = user_rows(
        client,
        "reading text search dictionaries",
        "SELECT o.oid, o.dictnamespace, n.nspname::text, o.dictname::text, \
                pg_catalog.pg_get_userbyid(o.dictowner)::text, tn.nspname::text, t.tmplname::text, \
                o.dictinitoption \
         FROM pg_catalog.pg_ts_dict o \
         JOIN pg_catalog.pg_ts_template t ON t.oid = o.dicttemplate \
         JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace",
        "pg_ts_dict",
        "dictnamespace",
    )
    .await?;
    cat.ts_dicts = rows
        .iter()
        .map(|r| {
            Ok(TsDict {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                template: pair(r, 5)?.unwrap_or_default(),
                init_option: get(r, 7)?,
            })
        })
        .collect::<Result<_, DumpError>>()?;
    let rows = user_rows(
        client,
        "reading text search configurations",
        &format!(
            "SELECT o.oid, o.cfgnamespace, n.nspname::text, o.cfgname::text, \
                pg_catalog.pg_get_userbyid(o.cfgowner)::text, pn.nspname::text, p.prsname::text, \
                {}, {} \
         FROM pg_catalog.pg_ts_config o \
         JOIN pg_catalog.pg_ts_parser p ON p.oid = o.cfgparser \
         JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace",
            mapping(
                "coalesce((SELECT t.alias FROM pg_catalog.ts_token_type(o.cfgparser) AS t \
                               WHERE t.tokid = m.maptokentype), '')"
            ),
            mapping("m.mapdict::pg_catalog.regdictionary::text"),
        ),
        "pg_ts_config",
        "cfgnamespace",
    )
    .await?;
    cat.ts_configs = rows
        .iter()
        .map(|r| {
            Ok(TsConfig {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                parser: pair(r, 5)?.unwrap_or_default(),
                mappings: group_mappings(text_array(r, 7)?, text_array(r, 8)?),
            })
        })
        .collect::<Result<_, DumpError>>()?;
    cat.access_methods = load_access_methods(client).await?;
    Ok(())
}

/// One column of dumpTSConfig's mapping query, as an array per configuration: token types
/// in order, each one's dictionaries in `mapseqno` order.
fn mapping(expr: &str) -> String {
    format!(
        "ARRAY(SELECT {expr} FROM pg_catalog.pg_ts_config_map m WHERE m.mapcfg = o.oid \
               ORDER BY m.maptokentype, m.mapseqno)::text[]"
    )
}

/// Consecutive (token, dictionary) pairs of one token make one mapping.
fn group_mappings(tokens: Vec<String>, dictionaries: Vec<String>) -> Vec<TsMapping> {
    let mut out: Vec<TsMapping> = Vec::new();
    for (token, dict) in tokens.into_iter().zip(dictionaries) {
        match out.last_mut() {
            Some(m) if m.token == token => m.dictionaries.push(dict),
            _ => out.push(TsMapping {
                token,
                dictionaries: vec![dict],
            }),
        }
    }
    out
}

/// Access methods made by users (initdb's are never dumped), not by extensions.
async fn load_access_methods(client: &Client) -> Result<Vec<AccessMethod>, DumpError> {
    let rows = client
        .query(
            &format!(
                "SELECT a.oid, a.amname::text, a.amtype, a.amhandler::pg_catalog.regproc::text \
                 FROM pg_catalog.pg_am a \
                 WHERE a.oid >= {FIRST_NORMAL_OID} AND NOT EXISTS (SELECT 1 \
                     FROM pg_catalog.pg_depend e \
                     WHERE e.classid = 'pg_catalog.pg_am'::pg_catalog.regclass \
                       AND e.objid = a.oid AND e.deptype = 'e') \
                 ORDER BY a.oid"
            ),
            &[],
        )
        .await
        .map_err(DumpError::query("reading access methods"))?;
    rows.iter()
        .map(|r| {
            Ok(AccessMethod {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                kind: char_col(r, 2)?.unwrap_or(0),
                handler: get(r, 3)?,
            })
        })
        .collect()
}

//! Merging snapshots: many accounts' and regions' snapshots (`ecslint collect` writes one per
//! account and region) into one document that `check` reads like any other snapshot.
//!
//! Elements are copied as raw JSON text, never rebuilt, so a merge costs about one read of the
//! inputs and keeps every field as the API returned it. Account settings are regional and would
//! contradict each other in one `settings` list: they go to `regionalSettings`, one entry per
//! account and region.

use crate::model::ResourceKind;
use crate::model::kinds::collections;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};

/// Bumped when a member of the snapshot format changes meaning (docs/snapshot-format.md).
pub const SNAPSHOT_VERSION: u32 = 1;

/// The members of a snapshot that hold resources, in the order they are written, with the field
/// that identifies an element (a resource read in several snapshots is kept once).
fn resource_members() -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
    collections().map(|(spec, key)| (key, spec.unique))
}

/// Whether a parsed document is an ecslint snapshot.
pub fn is_snapshot(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "ecslintSnapshot")]
        meta: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Probe>(text).is_ok_and(|p| p.meta.is_some())
}

/// One merged snapshot from `inputs` (display path, text). Errors name the file, line and column.
pub fn merge(inputs: &[(String, String)]) -> Result<String, String> {
    let mut parts = Vec::new();
    let mut calls: BTreeMap<String, u64> = BTreeMap::new();
    let mut reused: Option<u64> = None;
    let mut errors = Vec::new();
    let mut regional = Vec::new();
    let known: Vec<_> = resource_members().collect();
    let mut collections: Vec<(String, Vec<&RawValue>)> = known
        .iter()
        .map(|(key, _)| (key.to_string(), Vec::new()))
        .collect();
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    let shared = |meta: &Map<String, Value>, key: &str, acc: &mut Option<Option<Value>>| {
        let value = meta.get(key).cloned().unwrap_or(Value::Null);
        *acc = match acc.take() {
            None => Some(Some(value)),
            Some(Some(same)) if same == value => Some(Some(same)),
            Some(_) => Some(None),
        };
    };
    let (mut account, mut region, mut name) = (None, None, None);
    for (path, text) in inputs {
        let located = |e: serde_json::Error| {
            format!(
                "{path}:{}:{}: not an ecslint snapshot: {}",
                e.line(),
                e.column(),
                crate::sources::json_reason(&e)
            )
        };
        let mut members: BTreeMap<String, &RawValue> =
            serde_json::from_str(text).map_err(located)?;
        let member = |members: &mut BTreeMap<String, &RawValue>, key: &str| {
            members
                .remove(key)
                .map(|raw| serde_json::from_str::<Value>(raw.get()))
                .transpose()
                .map_err(|e| format!("{path}: \"{key}\": {e}"))
        };
        let meta = match member(&mut members, "ecslintSnapshot")? {
            Some(Value::Object(meta)) => meta,
            _ => {
                return Err(format!(
                    "{path}: not an ecslint snapshot (no \"ecslintSnapshot\" object; merge snapshots or reports, not both)"
                ));
            }
        };
        let array = |value: Option<Value>| match value {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        // Present and empty still says "read, nothing set": kept apart from "not read".
        let settings = member(&mut members, "settings")?.map(|v| array(Some(v)));
        let regional_settings = array(member(&mut members, "regionalSettings")?);
        let meta = &meta;
        shared(meta, "account", &mut account);
        shared(meta, "region", &mut region);
        shared(meta, "accountName", &mut name);
        let field = |key: &str| meta.get(key).cloned().unwrap_or(Value::Null);
        // A merged snapshot merged again: its parts are listed, not itself.
        match meta.get("parts").and_then(Value::as_array) {
            Some(inner) => parts.extend(inner.iter().cloned()),
            None => parts.push(json!({
                "file": path,
                "account": field("account"),
                "accountName": field("accountName"),
                "region": field("region"),
                "role": field("role"),
                "tool": field("tool"),
            })),
        }
        if let Some(n) = meta.get("reusedTaskDefinitions").and_then(Value::as_u64) {
            *reused.get_or_insert(0) += n;
        }
        if let Some(Value::Object(counted)) = meta.get("calls") {
            for (call, n) in counted {
                *calls.entry(call.clone()).or_default() += n.as_u64().unwrap_or(0);
            }
        }
        for error in meta
            .get("collectionErrors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut error = error.clone();
            if let Value::Object(map) = &mut error {
                for key in ["account", "region"] {
                    if !map.contains_key(key) {
                        map.insert(key.into(), field(key));
                    }
                }
                // Which account and region left it unread, in the words `check` prints.
                if let (Some(Value::String(unread)), Some(account), Some(region)) = (
                    map.get("unread").cloned(),
                    map.get("account")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    map.get("region")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ) && !unread.contains(&account)
                {
                    map.insert(
                        "unread".into(),
                        json!(format!("{unread} ({account} {region})")),
                    );
                }
            }
            errors.push(error);
        }
        if let Some(settings) = settings {
            regional.push(json!({
                "account": field("account"),
                "region": field("region"),
                "settings": settings,
            }));
        }
        regional.extend(regional_settings);
        for (key, raw) in &members {
            let position = match collections.iter().position(|(k, _)| k == key) {
                Some(position) => position,
                None if key.chars().next().is_some_and(char::is_alphabetic) => {
                    collections.push((key.to_string(), Vec::new()));
                    collections.len() - 1
                }
                None => continue,
            };
            let items: Vec<&RawValue> = serde_json::from_str(raw.get())
                .map_err(|e| format!("{path}: \"{key}\" should be an array of objects: {e}"))?;
            let identity = known.get(position).and_then(|(_, field)| *field);
            for item in items {
                let id = identity.and_then(|field| identify(item, field));
                let id = id.unwrap_or_else(|| item.get().to_string());
                if seen.insert((position, id)) {
                    collections[position].1.push(item);
                }
            }
        }
    }
    let mut meta = Map::new();
    meta.insert("version".into(), json!(SNAPSHOT_VERSION));
    meta.insert("tool".into(), json!(tool()));
    for (key, value) in [
        ("account", account),
        ("accountName", name),
        ("region", region),
    ] {
        meta.insert(key.into(), value.flatten().unwrap_or(Value::Null));
    }
    meta.insert("calls".into(), json!(calls));
    if let Some(reused) = reused {
        meta.insert("reusedTaskDefinitions".into(), json!(reused));
    }
    meta.insert("collectionErrors".into(), Value::Array(errors));
    meta.insert("parts".into(), Value::Array(parts));

    let mut out = String::with_capacity(inputs.iter().map(|(_, t)| t.len()).sum());
    out.push_str("{\n\"ecslintSnapshot\": ");
    out.push_str(&serde_json::to_string_pretty(&meta).unwrap_or_default());
    for (key, items) in &collections {
        out.push_str(",\n");
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
        out.push_str(": [");
        for (i, item) in items.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(item.get());
        }
        out.push_str(if items.is_empty() { "]" } else { "\n]" });
    }
    out.push_str(",\n\"regionalSettings\": ");
    out.push_str(&serde_json::to_string_pretty(&regional).unwrap_or_default());
    out.push_str("\n}\n");
    Ok(out)
}

/// The value of the string field `field` of a raw object, without building the object.
fn identify(item: &RawValue, field: &str) -> Option<String> {
    let object: BTreeMap<&str, &RawValue> = serde_json::from_str(item.get()).ok()?;
    serde_json::from_str::<String>(object.get(field)?.get()).ok()
}

fn tool() -> String {
    format!("ecslint {}", env!("CARGO_PKG_VERSION"))
}

/// Who and where a live snapshot was read.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub account: Option<String>,
    pub account_name: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    /// Calls made, by operation (`ecs:ListServices`).
    pub calls: BTreeMap<&'static str, usize>,
    /// In an incremental scan (`--since`), the task definitions taken from the earlier
    /// snapshots: a DescribeTaskDefinition call saved each.
    pub reused: Option<usize>,
    /// `{call, error, unread}` for each call that failed.
    pub collection_errors: Vec<Value>,
}

/// One account and region's snapshot: the header, each kind's resources under its collection
/// member (every member present, empty when nothing was read) and the account settings.
pub fn write(
    header: Header,
    mut resources: BTreeMap<ResourceKind, Vec<Value>>,
    settings: Vec<Value>,
) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "ecslintSnapshot".into(),
        json!({
            "version": SNAPSHOT_VERSION,
            "tool": tool(),
            "account": header.account,
            "accountName": header.account_name,
            "role": header.role,
            "region": header.region,
            "calls": header.calls,
            "collectionErrors": header.collection_errors,
        }),
    );
    if let (Some(reused), Some(Value::Object(meta))) =
        (header.reused, doc.get_mut("ecslintSnapshot"))
    {
        meta.insert("reusedTaskDefinitions".into(), json!(reused));
    }
    let mut settings = Some(settings);
    for (spec, key) in collections() {
        let items = resources.remove(&spec.kind).unwrap_or_default();
        doc.insert(key.into(), Value::Array(items));
        // Account settings have always followed capacity providers in a snapshot.
        if spec.kind == ResourceKind::CapacityProvider {
            let settings = settings.take().unwrap_or_default();
            doc.insert("settings".into(), Value::Array(settings));
        }
    }
    Value::Object(doc)
}

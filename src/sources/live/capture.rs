//! Response bodies kept as received, and what a region's scan collected.

use super::xml;
use crate::model::ResourceKind;
use crate::model::kinds::kind_spec;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One EC2 describe call whose XML body goes into the collections of `kinds`; a failure is recorded.
macro_rules! described {
    ($out:expr, $call:literal, $request:expr, $kinds:expr, $unread:expr) => {{
        let capture = Capture::default();
        $out.called($call);
        match $request
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
        {
            Ok(_) => take_xml($out, $call, &capture, $kinds),
            Err(e) => $out.failed($call, &short_error(&e), $unread),
        }
    }};
}

/// Every page of an XML describe call (`$request` is built again for each page), each page's
/// lists moved into the collections of `$kinds`; a failed page is recorded and ends it.
macro_rules! described_pages {
    ($out:expr, $call:literal, $request:expr, $kinds:expr, $unread:expr) => {{
        let mut token: Option<String> = None;
        loop {
            let capture = Capture::default();
            $out.called($call);
            let result = $request
                .set_next_token(token.clone())
                .customize()
                .interceptor(capture.clone())
                .send()
                .await;
            match result {
                Ok(page) => {
                    take_xml($out, $call, &capture, $kinds);
                    token = page.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                Err(e) => {
                    $out.failed($call, &short_error(&e), $unread);
                    break;
                }
            }
        }
    }};
}

/// Every item of a paginated list call, one page per call; a failed page is recorded and ends it.
/// (A macro: each operation's paginator is its own type.)
macro_rules! paged {
    ($out:expr, $call:literal, $request:expr, $items:ident, $unread:expr) => {{
        let mut items = Vec::new();
        let mut pages = $request.into_paginator().send();
        while let Some(page) = pages.next().await {
            $out.called($call);
            match page {
                Ok(page) => items.extend(page.$items().iter().cloned()),
                Err(e) => {
                    $out.failed($call, &short_error(&e), $unread);
                    break;
                }
            }
        }
        items
    }};
}

/// Keeps the body of the last successful response of one call.
#[derive(Debug, Clone, Default)]
pub(super) struct Capture(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "ecslint-raw-response"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if response.status().is_success()
            && let Some(bytes) = response.body().bytes()
            && let Ok(mut slot) = self.0.lock()
        {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}

impl Capture {
    pub fn bytes(&self) -> Option<Vec<u8>> {
        self.0.lock().ok()?.take()
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.bytes()?).ok()
    }
}

/// What one region's scan read, and what it could not.
#[derive(Debug, Default)]
pub(super) struct Collected {
    /// On stderr when it is a terminal (indicatif hides it otherwise, as in CI).
    pub progress: Option<indicatif::ProgressBar>,
    /// Each kind's resources, as the API returned them.
    pub resources: BTreeMap<ResourceKind, Vec<Value>>,
    /// Account settings (ListAccountSettings).
    pub settings: Vec<Value>,
    /// `{call, error, unread}` for each failed call.
    pub errors: Vec<Value>,
    pub calls: BTreeMap<&'static str, usize>,
    /// Task definitions taken from the `--since` snapshots instead of described.
    pub reused: usize,
}

impl Collected {
    pub fn failed(&mut self, call: &str, error: &dyn std::fmt::Display, missing: &str) {
        self.errors
            .push(json!({ "call": call, "error": error.to_string(), "unread": missing }));
    }

    pub fn called(&mut self, call: &'static str) {
        *self.calls.entry(call).or_default() += 1;
        if let Some(progress) = &self.progress {
            progress.set_message(format!(
                "{} calls; {} clusters, {} services, {} task definitions read",
                self.calls.values().sum::<usize>(),
                self.of(ResourceKind::Cluster).len(),
                self.of(ResourceKind::Service).len(),
                self.of(ResourceKind::TaskDefinition).len()
            ));
            progress.tick();
        }
    }

    /// The resources of `kind` read so far.
    pub fn of(&self, kind: ResourceKind) -> &[Value] {
        self.resources.get(&kind).map_or(&[], Vec::as_slice)
    }

    pub fn push(&mut self, kind: ResourceKind, resource: Value) {
        self.resources.entry(kind).or_default().push(resource);
    }

    /// Moves the list `key` of a captured body into the resources of `kind`.
    pub fn take_list(&mut self, mut body: Option<Value>, key: &str, kind: ResourceKind) {
        let items = body.as_mut().map_or_else(Vec::new, |b| member_list(b, key));
        self.resources.entry(kind).or_default().extend(items);
    }
}

/// The elements of the array member `key` of a response body, moved out of it.
pub(super) fn member_list(body: &mut Value, key: &str) -> Vec<Value> {
    match body.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// Converts a captured XML body and moves the lists of `kinds` (under their collection members,
/// `Subnets` for subnets) into the collections.
pub(super) fn take_xml(
    out: &mut Collected,
    operation: &str,
    capture: &Capture,
    kinds: &[ResourceKind],
) {
    let Some(bytes) = capture.bytes() else { return };
    match xml::to_json(operation, &bytes) {
        Ok(mut json) => {
            for &kind in kinds {
                let key = kind_spec(kind).collection.unwrap_or_default();
                let items = member_list(&mut json, key);
                out.resources.entry(kind).or_default().extend(items);
            }
        }
        Err(reason) => out.failed(operation, &reason, "its response"),
    }
}

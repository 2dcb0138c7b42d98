//! Derived facts: what JSONPath cannot say well (IAM semantics, routes, AZ spread, Fargate sizes)
//! is computed once here and stored under `_facts` in each resource document, where rules query it.
//!
//! A fact that points at evidence carries `_origin: {resource, path}`; the location mapper uses it
//! to report the finding at that evidence (a policy statement, a route, a subnet reference).

use super::iam;
use super::link::{Index, LinkState, Links, strategy_providers};
use super::{Estate, ResourceKind, str_field};
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// An `_origin` marker: the evidence is at `path` inside resource `resource`.
pub fn origin(resource: usize, path: &[Value]) -> Value {
    json!({ "resource": resource, "path": path })
}

fn p(step: impl Into<Value>) -> Value {
    step.into()
}

/// Computes `_facts` for every resource and stores them in the documents.
pub fn derive(estate: &mut Estate, index: &Index) {
    // Each resource's facts read the estate only: computed on every core.
    let computed: Vec<Option<Value>> = (0..estate.resources.len())
        .into_par_iter()
        .map(|i| match estate.resources[i].deferred {
            true => None,
            false => of(estate, index, i, &estate.resources[i].doc),
        })
        .collect();
    // Put in on every core too: each insertion may grow the document's root map.
    estate
        .resources
        .par_iter_mut()
        .zip(computed)
        .for_each(|(resource, facts)| {
            if let (Some(facts), Value::Object(map)) = (facts, &mut resource.doc) {
                map.insert("_facts".into(), facts);
            }
        });
}

/// The facts of resource `i` were its document `doc` (its own, or the same with a value tried
/// in place of one its source could not decide).
pub fn of(estate: &Estate, index: &Index, i: usize, doc: &Value) -> Option<Value> {
    let links = &estate.links[i];
    match estate.resources[i].kind {
        ResourceKind::IamRole => Some(role_facts(estate, index, i, doc)),
        ResourceKind::TaskDefinition => Some(task_definition_facts(estate, links, doc, i)),
        ResourceKind::Service => Some(service_facts(estate, index, links, i, doc)),
        ResourceKind::Cluster => Some(cluster_facts(estate, links, doc)),
        _ => None,
    }
}

/// Every Allow statement a role grants, from inline and managed policies, normalized.
fn role_facts(estate: &Estate, index: &Index, role: usize, doc: &Value) -> Value {
    let mut allow = Vec::new();
    let mut collect =
        |owner: usize, document_path: Vec<Value>, document: &Value, policy_name: &str| {
            let Some(decoded) = iam::decode_document(document) else {
                return;
            };
            let raw_object = document.is_object();
            for (statement_index, statement) in iam::statements(&decoded) {
                let Some(mut facts) = iam::normalize_statement(statement) else {
                    continue;
                };
                let mut path = document_path.clone();
                // A string document cannot be located inside; point at the string.
                if raw_object {
                    path.push(p("Statement"));
                    if let Some(i) = statement_index {
                        path.push(p(i));
                    }
                }
                facts["policyName"] = json!(policy_name);
                facts["_origin"] = origin(owner, &path);
                allow.push(facts);
            }
        };
    for (i, inline) in doc
        .get("RolePolicyList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(document) = inline.get("PolicyDocument") {
            let name = str_field(inline, "PolicyName").unwrap_or("inline");
            collect(
                role,
                vec![p("RolePolicyList"), p(i), p("PolicyDocument")],
                document,
                name,
            );
        }
    }
    if let Some(role_name) = str_field(doc, "RoleName") {
        for &policy in index.inline_policies(role_name) {
            let policy_doc = &estate.resources[policy].doc;
            if let Some(document) = policy_doc.get("PolicyDocument") {
                let name = str_field(policy_doc, "PolicyName").unwrap_or("inline");
                collect(policy, vec![p("PolicyDocument")], document, name);
            }
        }
    }
    for arn in iam::attached_policy_arns(doc) {
        if let Some((policy, path, document, name)) =
            iam::managed_policy_document(estate, index, &arn)
        {
            collect(policy, path, document, name);
        }
    }
    let mut open_trust = Vec::new();
    if let Some(trust) = doc
        .get("AssumeRolePolicyDocument")
        .and_then(iam::decode_document)
    {
        let is_object = doc["AssumeRolePolicyDocument"].is_object();
        for (statement_index, statement) in iam::statements(&trust) {
            if iam::trust_lacks_source_condition(statement) {
                let mut path = vec![p("AssumeRolePolicyDocument")];
                if is_object {
                    path.push(p("Statement"));
                    if let Some(i) = statement_index {
                        path.push(p(i));
                    }
                }
                open_trust.push(json!({ "_origin": origin(role, &path) }));
            }
        }
    }
    json!({ "allowStatements": allow, "trustWithoutSourceCondition": open_trust })
}

/// Fargate CPU units and the memory sizes (MiB) each allows.
/// One row of `data/fargate-sizes.toml`.
#[derive(serde::Deserialize)]
struct FargateSize {
    cpu: u64,
    #[serde(default)]
    memory: Vec<u64>,
    memory_range: Option<MemoryRange>,
}

#[derive(serde::Deserialize)]
struct MemoryRange {
    from: u64,
    to: u64,
    step: u64,
}

/// The Fargate size table, compiled in from `data/fargate-sizes.toml` (a data file, checked by a
/// unit test, so a bad edit fails the tests rather than a run).
fn fargate_sizes() -> &'static [FargateSize] {
    #[derive(serde::Deserialize)]
    struct Table {
        size: Vec<FargateSize>,
    }
    static SIZES: std::sync::OnceLock<Vec<FargateSize>> = std::sync::OnceLock::new();
    SIZES.get_or_init(|| {
        toml::from_str::<Table>(include_str!("../../data/fargate-sizes.toml"))
            .map(|table| table.size)
            .unwrap_or_default()
    })
}

fn fargate_size_valid(cpu: u64, memory: u64) -> bool {
    fargate_sizes().iter().any(|size| {
        size.cpu == cpu
            && (size.memory.contains(&memory)
                || size.memory_range.as_ref().is_some_and(|r| {
                    memory >= r.from && memory <= r.to && (memory - r.from).is_multiple_of(r.step)
                }))
    })
}

/// Task sizes come as numbers, numeric strings, or "1 vCPU" / "2 GB".
fn parse_size(value: Option<&Value>, unit_suffixes: &[&str]) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let lower = s.trim().to_ascii_lowercase();
            if let Ok(n) = lower.parse::<u64>() {
                return Some(n);
            }
            let suffix = unit_suffixes.iter().find(|u| lower.ends_with(*u))?;
            let number: f64 = lower.trim_end_matches(suffix).trim().parse().ok()?;
            Some((number * 1024.0).round() as u64)
        }
        _ => None,
    }
}

fn account_setting<'a>(estate: &'a Estate, links: &Links, name: &str) -> Option<&'a str> {
    let LinkState::Resolved(found) = links.get("account")? else {
        return None;
    };
    let account = &estate.resources[*found.first()?].doc;
    account
        .get("settings")
        .and_then(Value::as_array)?
        .iter()
        .find(|s| str_field(s, "name") == Some(name))
        .and_then(|s| str_field(s, "value"))
}

/// Facts of a task definition document (`td` is its index, for `_origin` markers).
pub fn task_definition_facts(estate: &Estate, links: &Links, doc: &Value, td: usize) -> Value {
    let mut facts = Map::new();
    let account_id = ["taskDefinitionArn", "executionRoleArn", "taskRoleArn"]
        .iter()
        .filter_map(|k| str_field(doc, k))
        .find_map(|arn| super::arn_account_id(arn).map(str::to_string));
    if let Some(account) = &account_id {
        facts.insert("accountId".into(), json!(account));
    }
    let fargate = doc
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|v| v == "FARGATE"));
    if fargate {
        let cpu = parse_size(doc.get("cpu"), &["vcpu"]);
        let memory = parse_size(doc.get("memory"), &["gb"]);
        if let (Some(cpu), Some(memory)) = (cpu, memory) {
            let valid = fargate_size_valid(cpu, memory);
            facts.insert(
                "fargateSize".into(),
                json!({ "cpu": cpu, "memory": memory, "valid": valid }),
            );
            if !valid {
                facts.insert(
                    "invalidFargateSize".into(),
                    json!({ "_origin": origin(td, &[p("memory")]) }),
                );
            }
        }
    }
    let mut cross_account = Vec::new();
    for (c, container) in doc
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (s, secret) in container
            .get("secrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let secret_account = str_field(secret, "valueFrom").and_then(super::arn_account_id);
            if let (Some(theirs), Some(ours)) = (secret_account, &account_id)
                && theirs != ours
            {
                cross_account.push(json!({
                    "container": str_field(container, "name"),
                    "secret": str_field(secret, "name"),
                    "account": theirs,
                    "_origin": origin(td, &[p("containerDefinitions"), p(c), p("secrets"), p(s), p("valueFrom")]),
                }));
            }
        }
    }
    facts.insert("crossAccountSecrets".into(), Value::Array(cross_account));
    // Since 25 June 2025 the default mode, when neither the container nor the account setting
    // names one, is non-blocking; without the account settings in the input it stays unknown.
    let account_known = matches!(links.get("account"), Some(LinkState::Resolved(_)));
    let mode = account_setting(estate, links, "defaultLogDriverMode")
        .or(account_known.then_some("non-blocking"));
    if let Some(mode) = mode {
        facts.insert("accountDefaultLogDriverMode".into(), json!(mode));
    }
    Value::Object(facts)
}

fn is_spot_provider(name: &str) -> bool {
    name == "FARGATE_SPOT" || name.to_ascii_lowercase().contains("spot")
}

/// Spot usage of a capacity provider strategy: (uses spot at all, runs only on spot).
fn spot_usage(strategy: &[Value]) -> (bool, bool) {
    let weighted: Vec<&Value> = strategy
        .iter()
        .filter(|s| {
            s.get("weight").and_then(Value::as_u64).unwrap_or(0) > 0
                || s.get("base").and_then(Value::as_u64).unwrap_or(0) > 0
        })
        .collect();
    let spot = |s: &&Value| str_field(s, "capacityProvider").is_some_and(is_spot_provider);
    let uses = weighted.iter().any(spot);
    let only = !weighted.is_empty() && weighted.iter().all(spot);
    (uses, only)
}

fn service_facts(
    estate: &Estate,
    index: &Index,
    links: &Links,
    service: usize,
    doc: &Value,
) -> Value {
    let mut facts = Map::new();
    let cluster = links
        .get("cluster")
        .and_then(|l| l.targets().first().copied());
    let own_strategy = doc
        .get("capacityProviderStrategy")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty());
    let strategy: Vec<Value> = match (own_strategy, doc.get("launchType"), cluster) {
        (Some(s), _, _) => s.clone(),
        (None, None, Some(c)) => estate.resources[c]
            .doc
            .get("defaultCapacityProviderStrategy")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let providers = strategy_providers(Some(&Value::Array(strategy.clone())));
    // Capacity is known from the service itself, or from its cluster's default strategy; with
    // neither, the launch type and Spot usage stay absent so rules say NotEvaluated.
    let capacity_known =
        own_strategy.is_some() || doc.get("launchType").is_some() || cluster.is_some();
    if capacity_known {
        let launch_type = match str_field(doc, "launchType") {
            Some(t) => t.to_string(),
            None if providers.iter().any(|p| p.starts_with("FARGATE")) => "FARGATE".into(),
            // Without a strategy anywhere, ECS defaults to the EC2 launch type.
            None => "EC2".into(),
        };
        let (uses_spot, only_spot) = spot_usage(&strategy);
        facts.insert("launchType".into(), json!(launch_type));
        facts.insert("capacityProviders".into(), json!(providers));
        facts.insert("usesSpot".into(), json!(uses_spot));
        facts.insert("onlySpot".into(), json!(only_spot));
    }

    // Member by member: a JSON pointer allocates each of its tokens (every service, every run).
    let subnet_refs = doc
        .get("networkConfiguration")
        .and_then(|n| n.get("awsvpcConfiguration"))
        .and_then(|a| a.get("subnets"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut subnets = Vec::new();
    let mut zones = BTreeSet::new();
    for (i, subnet_ref) in subnet_refs.iter().enumerate() {
        let Some(id) = subnet_ref.as_str() else {
            continue;
        };
        let Some(subnet) = index.find(ResourceKind::Subnet, id) else {
            continue;
        };
        let subnet_doc = &estate.resources[subnet].doc;
        let zone = str_field(subnet_doc, "AvailabilityZone")
            .or_else(|| str_field(subnet_doc, "AvailabilityZoneId"));
        if let Some(zone) = zone {
            zones.insert(zone.to_string());
        }
        let mut entry = json!({
            "id": id,
            "availabilityZone": zone,
            "_origin": origin(service, &[p("networkConfiguration"), p("awsvpcConfiguration"), p("subnets"), p(i)]),
        });
        match index.route_table_for(id, str_field(subnet_doc, "VpcId")) {
            Some(table) => {
                let is_internet_gateway = |gateway: &str| {
                    gateway.starts_with("igw-")
                        || index.find(ResourceKind::InternetGateway, gateway).is_some()
                };
                let route = internet_route(&estate.resources[table].doc, &is_internet_gateway);
                entry["routeTableKnown"] = json!(true);
                entry["public"] = json!(route.is_some());
                if let Some((r, destination, gateway)) = route {
                    entry["internetRoute"] = json!({
                        "destination": destination,
                        "gatewayId": gateway,
                        "_origin": origin(table, &[p("Routes"), p(r)]),
                    });
                }
            }
            None => entry["routeTableKnown"] = json!(false),
        }
        subnets.push(entry);
    }
    facts.insert("availabilityZoneCount".into(), json!(zones.len()));
    facts.insert("subnets".into(), Value::Array(subnets));

    let mut open = Vec::new();
    for &group in links
        .get("securityGroups")
        .map(LinkState::targets)
        .unwrap_or(&[])
    {
        let group_doc = &estate.resources[group].doc;
        for (i, permission) in group_doc
            .get("IpPermissions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (ranges, key, world) in [
                ("IpRanges", "CidrIp", "0.0.0.0/0"),
                ("Ipv6Ranges", "CidrIpv6", "::/0"),
            ] {
                for (r, range) in permission
                    .get(ranges)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if str_field(range, key) == Some(world) {
                        open.push(json!({
                            "groupId": str_field(group_doc, "GroupId"),
                            "protocol": permission.get("IpProtocol"),
                            "fromPort": permission.get("FromPort"),
                            "toPort": permission.get("ToPort"),
                            "cidr": world,
                            "_origin": origin(group, &[p("IpPermissions"), p(i), p(ranges), p(r)]),
                        }));
                    }
                }
            }
        }
    }
    facts.insert("openIngress".into(), Value::Array(open));
    Value::Object(facts)
}

/// The table's first active route sending all traffic (IPv4 or IPv6) to an internet gateway (by
/// its `igw-` id, or a gateway of the estate: a template's).
fn internet_route(
    table: &Value,
    is_internet_gateway: &dyn Fn(&str) -> bool,
) -> Option<(usize, String, String)> {
    table
        .get("Routes")
        .and_then(Value::as_array)?
        .iter()
        .enumerate()
        .find_map(|(i, route)| {
            let destination = str_field(route, "DestinationCidrBlock")
                .or_else(|| str_field(route, "DestinationIpv6CidrBlock"))?;
            let gateway = str_field(route, "GatewayId")?;
            let to_internet =
                matches!(destination, "0.0.0.0/0" | "::/0") && is_internet_gateway(gateway);
            let active = str_field(route, "State") != Some("blackhole");
            (to_internet && active).then(|| (i, destination.to_string(), gateway.to_string()))
        })
}

fn cluster_facts(estate: &Estate, links: &Links, doc: &Value) -> Value {
    let setting = doc
        .get("settings")
        .and_then(Value::as_array)
        .and_then(|s| {
            s.iter()
                .find(|s| str_field(s, "name") == Some("containerInsights"))
        })
        .and_then(|s| str_field(s, "value"));
    // The cluster's own setting, else the account default; an account whose settings are in
    // the input but say nothing has the AWS default, disabled. Unknown otherwise: rules say
    // not evaluated.
    let account_known = matches!(links.get("account"), Some(LinkState::Resolved(_)));
    let effective = setting
        .or_else(|| account_setting(estate, links, "containerInsights"))
        .or(account_known.then_some("disabled"));
    let mut providers = strategy_providers(doc.get("defaultCapacityProviderStrategy"));
    providers.extend(
        doc.get("capacityProviders")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string)),
    );
    let mut facts = json!({
        "spotCapacityAvailable": providers.iter().any(|p| is_spot_provider(p)),
    });
    if let Some(effective) = effective {
        facts["containerInsights"] = json!(effective);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes_follow_the_published_table() {
        // The data file parses, with every CPU value Fargate offers.
        let cpus: Vec<u64> = fargate_sizes().iter().map(|s| s.cpu).collect();
        assert_eq!(cpus, [256, 512, 1024, 2048, 4096, 8192, 16384]);
        assert!(fargate_size_valid(256, 512));
        assert!(!fargate_size_valid(256, 4096));
        assert!(fargate_size_valid(1024, 3072));
        assert!(!fargate_size_valid(1024, 1024));
        assert!(fargate_size_valid(8192, 20480));
        assert!(!fargate_size_valid(8192, 18432));
        assert!(!fargate_size_valid(300, 1024));
    }

    #[test]
    fn sizes_parse_units() {
        assert_eq!(parse_size(Some(&json!("1 vCPU")), &["vcpu"]), Some(1024));
        assert_eq!(parse_size(Some(&json!("0.5 GB")), &["gb"]), Some(512));
        assert_eq!(parse_size(Some(&json!("2048")), &["gb"]), Some(2048));
        assert_eq!(parse_size(Some(&json!(256)), &["vcpu"]), Some(256));
        assert_eq!(parse_size(Some(&json!("lots")), &["vcpu"]), None);
    }

    #[test]
    fn spot_usage_ignores_zero_weight_entries() {
        let strategy = vec![
            json!({"capacityProvider": "FARGATE", "weight": 0}),
            json!({"capacityProvider": "FARGATE_SPOT", "weight": 1}),
        ];
        assert_eq!(spot_usage(&strategy), (true, true));
        let mixed = vec![
            json!({"capacityProvider": "FARGATE", "base": 1, "weight": 1}),
            json!({"capacityProvider": "FARGATE_SPOT", "weight": 3}),
        ];
        assert_eq!(spot_usage(&mixed), (true, false));
        assert_eq!(spot_usage(&[]), (false, false));
    }

    #[test]
    fn internet_routes_are_decided_by_target_not_name() {
        let public = json!({"Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
            {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1"}]});
        assert_eq!(
            internet_route(&public, &|g| g.starts_with("igw-")).map(|r| r.0),
            Some(1)
        );
        let private =
            json!({"Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}]});
        assert!(internet_route(&private, &|g| g.starts_with("igw-")).is_none());
        let blackhole = json!({"Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "blackhole"}]});
        assert!(internet_route(&blackhole, &|g| g.starts_with("igw-")).is_none());
    }
}

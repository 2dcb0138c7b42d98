//! Waivers: from the config and from `ecslint:ignore` tags on resources; which findings they
//! cover, and which are expired or unused.

use super::{RunResult, WaiverProblem};
use crate::model::{Estate, IGNORE_TAG};

/// A waiver from the config file.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id (or prefix, or pillar) the waiver covers.
    pub rule: String,
    /// Glob over the resource id or name (`*` matches any run of characters, `?` one).
    pub resource: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver stops applying after that day.
    #[serde(default)]
    pub expires: Option<String>,
    /// Set for waivers read from an `ecslint:ignore` tag on the resource itself.
    #[serde(skip)]
    pub from_tag: bool,
}

/// Waivers from `ecslint:ignore` tags on the resources.
pub fn tag_waivers(estate: &Estate) -> Vec<Waiver> {
    estate
        .resources
        .iter()
        .flat_map(|resource| {
            resource.ignore.iter().map(move |rule| Waiver {
                rule: rule.clone(),
                resource: resource.id.clone(),
                reason: format!("{IGNORE_TAG} tag on {} {}", resource.kind, resource.name),
                expires: None,
                from_tag: true,
            })
        })
        .collect()
}

/// Marks findings covered by a live waiver (from the config, or an `ecslint:ignore` tag on the
/// resource); reports expired and unused config waivers.
pub fn apply_waivers(run: &mut RunResult<'_>) {
    let today = today();
    let configured = run.waivers.len();
    run.waivers.extend(tag_waivers(run.estate));
    let mut used = vec![false; run.waivers.len()];
    for (e, evaluation) in run.evaluations.iter().enumerate() {
        for (f, finding) in evaluation.findings.iter().enumerate() {
            let rule = &run.rules[finding.rule];
            let resource = &run.estate.resources[finding.resource];
            for (w, waiver) in run.waivers.iter().enumerate() {
                let covers = rule.selected_by(&waiver.rule)
                    && (glob_match(&waiver.resource, &resource.id)
                        || glob_match(&waiver.resource, &resource.name));
                if !covers {
                    continue;
                }
                used[w] = true;
                let expired = waiver
                    .expires
                    .as_deref()
                    .is_some_and(|day| day < today.as_str());
                if !expired {
                    run.waived.insert((e, f), w);
                    break;
                }
            }
        }
    }
    for (w, waiver) in run.waivers.iter().enumerate().take(configured) {
        if let Some(day) = waiver
            .expires
            .as_deref()
            .filter(|day| *day < today.as_str())
        {
            run.waiver_problems.push(WaiverProblem::Expired {
                rule: waiver.rule.clone(),
                resource: waiver.resource.clone(),
                day: day.to_string(),
                reason: waiver.reason.clone(),
            });
        } else if !used[w] {
            run.waiver_problems.push(WaiverProblem::Unused {
                rule: waiver.rule.clone(),
                resource: waiver.resource.clone(),
            });
        }
    }
}

/// Today's date as `YYYY-MM-DD` (UTC), for waiver expiry. Nothing in the environment changes
/// it: a gate's expiry check must not be switched off from outside.
pub fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    civil_date(seconds.div_euclid(86_400))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whether a waiver's glob matches a resource id or name: `*` any run of characters, `?` any one
/// (as in IAM; neither occurs in ARNs or ECS names, so nothing needs escaping).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    crate::model::iam::wildcard_match(pattern, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_517), "2026-03-05");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "arn:aws:ecs:*:service/prod/*",
            "arn:aws:ecs:eu-west-1:1:service/prod/web"
        ));
        assert!(!glob_match("web", "web-2"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("web-?", "web-2"));
        assert!(!glob_match("web-?", "web-22"));
        assert!(glob_match("api:?", "api:7") && !glob_match("api:?", "api:"));
    }
}

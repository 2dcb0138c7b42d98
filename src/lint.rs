//! The one pipeline: inputs and settings in, a judged run out. The CLI, `test-rules`, the
//! tests, the benches and the fuzz targets all lint through [`lint`] and judge through
//! [`Linted::judge`]; the verdict is then [`RunResult::verdict`].
//!
//! sources (discover, load) → model (link, facts) → engine (evaluate) → findings (severities,
//! waivers, baseline).

use crate::engine::catalog::{Rule, Severity};
use crate::findings::baseline::Baseline;
use crate::findings::{self, Counts, Evaluation, RunResult, Waiver};
use crate::model::Estate;
use crate::sources::{self, Discovered, InputError, InputOptions, Skipped};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What to read.
#[derive(Debug)]
pub enum Inputs {
    /// Files and folders, found as `ecslint check PATHS` finds them (`-` is stdin).
    Paths(Vec<PathBuf>),
    /// Files already found by [`sources::discover`].
    Discovered(Discovered),
    /// In-memory documents (display name, text).
    Texts(Vec<(String, String)>),
    /// Resources already read: a source's own test, or a caller with its own reader.
    Loaded(Box<sources::Loaded>),
}

/// How to lint and judge. Resolving a config file and rule folders into these is the caller's
/// part (the CLI's `resolve_for`); `lint` reads no config.
#[derive(Debug, Default)]
pub struct Settings {
    /// The rules to run, already selected (shared: a fuzz target lints millions of times).
    pub rules: Arc<[Rule]>,
    pub input: InputOptions,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
    pub waivers: Vec<Waiver>,
    pub baseline: Option<Baseline>,
    /// The config file the settings came from, for reports.
    pub config_path: Option<String>,
    /// Keep every evaluation, passes and not-applicable ones too (rule tests); otherwise only
    /// failed and not-evaluated ones are kept and the rest counted.
    pub keep_every_outcome: bool,
    /// Release the texts of files of task definitions once they are evaluated (they are read
    /// again if a report quotes them): for a run that does not edit its files.
    pub release_texts: bool,
}

impl Settings {
    /// The given rules with default options: no waiver, no baseline, default discovery.
    pub fn with_rules(rules: impl Into<Arc<[Rule]>>) -> Settings {
        Settings {
            rules: rules.into(),
            ..Settings::default()
        }
    }
}

/// A lint run before judging: owns the rules, the estate and the outcomes.
#[derive(Debug)]
pub struct Linted {
    pub settings: Settings,
    pub estate: Estate,
    /// Failed and not-evaluated evaluations (passes are only counted, unless
    /// `keep_every_outcome`).
    pub evaluations: Vec<Evaluation>,
    pub counts: Vec<Counts>,
    pub input_errors: Vec<InputError>,
    pub skipped: Vec<Skipped>,
}

/// Phases timed for `ECSLINT_TIMINGS` (the CLI prints them).
pub type Lap<'a> = &'a dyn Fn(&str);

/// Reads the inputs, links the estate and evaluates every rule on every resource. `Err` only
/// when the inputs cannot be listed at all (an `--include` glob that does not parse); a file
/// that cannot be read or parsed is an input error of the run, and the others are linted.
pub fn lint(inputs: Inputs, settings: Settings) -> Result<Linted, String> {
    lint_timed(inputs, settings, &|_| {})
}

/// [`lint`], calling `lap` after each phase.
pub fn lint_timed(inputs: Inputs, settings: Settings, lap: Lap<'_>) -> Result<Linted, String> {
    let preloaded = matches!(inputs, Inputs::Loaded(_));
    let loaded = match inputs {
        Inputs::Paths(paths) => {
            let discovered = sources::discover(&paths, &settings.input)?;
            lap("discover");
            sources::load_discovered(discovered, &settings.input)
        }
        Inputs::Discovered(discovered) => sources::load_discovered(discovered, &settings.input),
        Inputs::Texts(texts) => sources::load_texts(texts, &settings.input),
        // Read before, and timed by, the caller.
        Inputs::Loaded(loaded) => *loaded,
    };
    if !preloaded {
        lap("load");
    }
    let sources::Loaded {
        mut estate,
        errors: input_errors,
        skipped,
    } = loaded;
    link_estate(&mut estate);
    lap("link");
    let (evaluations, counts) = if settings.keep_every_outcome {
        let evaluations = crate::engine::eval::evaluate(&settings.rules, &estate);
        let mut counts = vec![Counts::default(); settings.rules.len()];
        for evaluation in &evaluations {
            counts[evaluation.rule].add(evaluation);
        }
        (evaluations, counts)
    } else {
        crate::engine::eval::evaluate_counted(&settings.rules, &estate, settings.release_texts)
    };
    lap("evaluate");
    Ok(Linted {
        settings,
        estate,
        evaluations,
        counts,
        input_errors,
        skipped,
    })
}

/// Links the resources of an estate and derives the facts rules query.
pub fn link_estate(estate: &mut Estate) {
    let index = crate::model::link::Index::build(estate);
    estate.links = crate::model::link::link(estate, &index);
    crate::model::facts::derive(estate, &index);
    estate.index = Some(index);
}

impl Linted {
    /// The judged run: effective severities, waivers (config and `ecslint:ignore` tags, expired
    /// and unused ones reported) and the baseline comparison. Moves the outcomes into the run:
    /// judge once.
    pub fn judge(&mut self) -> RunResult<'_> {
        let settings = &self.settings;
        let severities = settings
            .rules
            .iter()
            .map(|rule| {
                settings
                    .severity
                    .get(rule.id())
                    .copied()
                    .unwrap_or(rule.severity)
            })
            .collect();
        let mut run = RunResult {
            skipped: std::mem::take(&mut self.skipped),
            config_path: settings.config_path.clone(),
            waivers: settings.waivers.clone(),
            severities,
            ..RunResult::new(
                &settings.rules,
                &self.estate,
                std::mem::take(&mut self.evaluations),
                std::mem::take(&mut self.counts),
                std::mem::take(&mut self.input_errors),
            )
        };
        findings::apply_waivers(&mut run);
        if let Some(baseline) = &settings.baseline {
            run.baseline = Some(findings::compare_with_baseline(&run, baseline));
        }
        run
    }
}

/// Plans the fixes of the findings in templates and Terraform files (those in API JSON are
/// planned from the finding when asked), for reports that carry them (SARIF).
pub fn plan_fixes(run: &mut RunResult<'_>) {
    let templates = sources::template::ParsedFiles::default();
    let mut planned = std::collections::BTreeMap::new();
    for (e, evaluation) in run.evaluations.iter().enumerate() {
        for (f, finding) in evaluation.findings.iter().enumerate() {
            // A node placed in API JSON (`node`) is fixed there, planned when asked.
            let fixable = run.rules[finding.rule].file.fix.is_some();
            if fixable && finding.node.is_none() {
                planned.extend(fix_edit(run, finding, &templates).map(|edit| ((e, f), edit)));
            }
        }
    }
    run.planned_fixes = planned;
}

/// The edit that fixes a finding, when its rule has a fix: in API JSON under the violating node,
/// in a template (JSON or YAML) at the property the node was translated from. `templates` keeps
/// the templates parsed for the fixes of one run.
pub fn fix_edit(
    run: &RunResult<'_>,
    finding: &findings::Finding,
    templates: &sources::template::ParsedFiles,
) -> Option<findings::fix::Edit> {
    if let Some(edit) = findings::fix::edit_for(run, finding) {
        return Some(edit);
    }
    let spec = run.rules[finding.rule].file.fix.as_ref()?;
    let (owner, node) = finding.violating.as_deref()?;
    let violating = (*owner, node.as_slice());
    if let Some((file, start, end, text)) =
        sources::terraform::fix_edit(run.estate, violating, &spec.path, &spec.value)
    {
        let description = spec.description.clone();
        return Some(findings::fix::Edit {
            file,
            start,
            end,
            text,
            description,
        });
    }
    let target =
        sources::template::fix_target(run.estate, templates, violating, &spec.path, &spec.value)?;
    let held = run.estate.files[target.file].text();
    let text = held.as_str();
    let parsed = templates.get(target.file, text, target.yaml)?;
    let (node, keys) = (&target.node, &target.keys);
    let (start, end, replacement) = match target.yaml {
        true => sources::template::plan_yaml_in(&parsed, text, node, keys, &target.value),
        false => findings::fix::plan(text, parsed.json_start(text, node)?, keys, &target.value),
    }?;
    Some(findings::fix::Edit {
        file: target.file,
        start,
        end,
        text: replacement,
        description: spec.description.clone(),
    })
}

//! The command line's contract, command by command: each command runs the binary in a fresh
//! temporary folder with a cleared environment (only `PATH` and a `HOME` inside the folder), and
//! its exit code, stdout and stderr are one snapshot. A change to what a user sees shows up here.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary folder holding copies of repository files, where the binary runs.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// `files`: (path in the sandbox, path in the repository).
    fn with(files: &[(&str, &str)]) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for (to, from) in files {
            let to = dir.path().join(to);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(repo.join(from), &to).unwrap();
        }
        Sandbox { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `$ ecslint ARGS`, the exit code, stdout and stderr, with the sandbox's path and the
    /// version written as placeholders.
    fn run(&self, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_ecslint"))
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .args(args)
            .output()
            .unwrap();
        let shown = |bytes: &[u8]| {
            String::from_utf8_lossy(bytes)
                .replace(&self.path().display().to_string(), "[sandbox]")
                .replace(env!("CARGO_PKG_VERSION"), "[version]")
        };
        format!(
            "$ ecslint {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            output
                .status
                .code()
                .map_or("signal".to_string(), |c| c.to_string()),
            shown(&output.stdout),
            shown(&output.stderr),
        )
    }
}

/// A small repository: a task definition in `.aws/` (where the deploy actions look), a service,
/// and files that are not ECS documents.
fn small_repository() -> Sandbox {
    let sandbox = Sandbox::with(&[
        (
            ".aws/task-definition.json",
            "fixtures/SEC101-privileged-container/fail.json",
        ),
        (
            "deploy/service.json",
            "fixtures/REL203-minimum-healthy-percent-low/fail.json",
        ),
    ]);
    std::fs::write(sandbox.path().join("package.json"), "{\"name\": \"app\"}\n").unwrap();
    sandbox
}

#[test]
fn check_in_every_format() {
    let repo = small_repository();
    for (name, args) in [
        ("check_pretty", vec!["check"]),
        ("check_verbose", vec!["check", "--verbose"]),
        ("check_json", vec!["check", "--format", "json"]),
        ("check_github", vec!["check", "--format", "github"]),
        // Two rules: SARIF carries the help of every rule run.
        (
            "check_sarif",
            vec![
                "check", "--format", "sarif", "--select", "SEC101", "--select", "REL203",
            ],
        ),
        (
            "check_fail_on_critical",
            vec!["check", "--fail-on", "critical"],
        ),
        ("check_select", vec!["check", "--select", "SEC101"]),
    ] {
        insta::assert_snapshot!(name, repo.run(&args));
    }
}

#[test]
fn check_without_documents_and_with_a_broken_one() {
    let empty = Sandbox::with(&[]);
    std::fs::write(empty.path().join("main.tf"), "resource \"x\" \"y\" {}\n").unwrap();
    insta::assert_snapshot!("check_nothing_to_read", empty.run(&["check"]));
    // A CDK app before `cdk synth` (or with cdk.out ignored): the way to its templates.
    let cdk = Sandbox::with(&[]);
    std::fs::write(
        cdk.path().join("cdk.json"),
        "{\"app\": \"npx ts-node bin/app.ts\"}\n",
    )
    .unwrap();
    insta::assert_snapshot!("check_cdk_app", cdk.run(&["check", "--fail-on", "high"]));
    let broken = small_repository();
    std::fs::write(
        broken.path().join("deploy/broken.json"),
        "{\"containerDefinitions\": [\n  {\"name\": \"app\",}\n]}\n",
    )
    .unwrap();
    insta::assert_snapshot!("check_broken_file", broken.run(&["check"]));
}

/// What the pre-commit hook runs: every changed file named, ours or not.
#[test]
fn check_of_the_files_a_commit_changed() {
    let repo = small_repository();
    std::fs::create_dir_all(repo.path().join(".github/workflows")).unwrap();
    std::fs::write(
        repo.path().join(".github/workflows/ci.yml"),
        "on: [push]\njobs: {}\n",
    )
    .unwrap();
    // The hook's own command, as .pre-commit-hooks.yaml declares it.
    let declared = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let entry = declared
        .lines()
        .find_map(|line| line.trim().strip_prefix("entry: ecslint "))
        .unwrap();
    let hook: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(hook, ["check", "--fail-on", "high", "--skip-unrecognized"]);
    let unrelated = ["package.json", ".github/workflows/ci.yml"];
    // Named without the flag, a file that is not ours is an error.
    let strict = repo.run(&[&hook[..3], &unrelated[..]].concat());
    let nothing_of_ours = repo.run(&[&hook[..], &unrelated[..]].concat());
    let with_ours = repo.run(&[&hook[..], &unrelated[..], &[".aws/task-definition.json"]].concat());
    insta::assert_snapshot!(
        "check_changed_files",
        format!("{strict}\n{nothing_of_ours}\n{with_ours}")
    );
}

#[test]
fn baseline_then_check_against_it() {
    let repo = small_repository();
    let recorded = repo.run(&["baseline", "-o", "baseline.json"]);
    let checked = repo.run(&["check", "--baseline", "baseline.json"]);
    insta::assert_snapshot!("baseline_then_check", format!("{recorded}\n{checked}"));
}

#[test]
fn fix_previews_then_applies() {
    let repo = Sandbox::with(&[(
        "service.json",
        "fixtures/SEC201-service-public-ip/fail.json",
    )]);
    let preview = repo.run(&["fix", "--diff", "--select", "SEC201"]);
    let applied = repo.run(&["fix", "--select", "SEC201"]);
    let again = repo.run(&["fix", "--select", "SEC201"]);
    insta::assert_snapshot!("fix", format!("{preview}\n{applied}\n{again}"));
}

#[test]
fn catalog_commands() {
    let repo = Sandbox::with(&[
        (
            "team-rules/OPS901-image-outside-our-registry.toml",
            "examples/team-rules/OPS901-image-outside-our-registry.toml",
        ),
        (
            "team-rules/OPS901-image-outside-our-registry/fail.json",
            "examples/team-rules/OPS901-image-outside-our-registry/fail.json",
        ),
        (
            "team-rules/OPS901-image-outside-our-registry/pass.json",
            "examples/team-rules/OPS901-image-outside-our-registry/pass.json",
        ),
    ]);
    for (name, args) in [
        (
            "rules_security_critical",
            vec!["rules", "--pillar", "security", "--severity", "critical"],
        ),
        ("explain", vec!["explain", "SEC101"]),
        ("explain_unknown", vec!["explain", "SEC999"]),
        ("test_rules", vec!["test-rules", "team-rules"]),
    ] {
        insta::assert_snapshot!(name, repo.run(&args));
    }
}

#[test]
fn diff_and_merge_of_reports() {
    let repo = small_repository();
    repo.run(&["check", "--format", "json", "-o", "before.json"]);
    let service = repo.path().join("deploy/service.json");
    let fixed = std::fs::read_to_string(&service).unwrap().replace(
        "\"minimumHealthyPercent\": 0",
        "\"minimumHealthyPercent\": 100",
    );
    std::fs::write(&service, fixed).unwrap();
    repo.run(&["check", "--format", "json", "-o", "after.json"]);
    insta::assert_snapshot!("diff", repo.run(&["diff", "before.json", "after.json"]));
    insta::assert_snapshot!(
        "diff_json",
        repo.run(&["diff", "before.json", "after.json", "--format", "json"])
    );
    insta::assert_snapshot!("merge", repo.run(&["merge", "before.json", "after.json"]));
}

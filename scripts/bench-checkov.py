#!/usr/bin/env python3
"""Side-by-side timing of ecslint and Checkov on the same task definitions.

Usage: scripts/bench-checkov.py [N]   (default 1000; run `cargo bench --bench scale -- N` first so
target/bench-estates/files-N exists, and `cargo build --release`)

Checkov is installed in its own virtual environment (target/checkov-venv) and run with the network
cut (`unshare -n`), CKV_SKIP_PACKAGE_UPDATE_CHECK=true and --skip-download. The task definitions are
wrapped as one CloudFormation template (property names in CloudFormation's PascalCase). Never part of
the tests. Writes target/bench-checkov.md.
"""
import json, os, pathlib, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ESTATE = ROOT / "target" / "bench-estates" / f"files-{N}" / "taskdefs"
VENV = ROOT / "target" / "checkov-venv"
# Maps whose keys are data, not property names.
FREE_FORM = {"options", "dockerLabels", "systemControls"}


def pascal(value, key=None):
    if isinstance(value, dict):
        if key in FREE_FORM:
            return value
        return {k[:1].upper() + k[1:]: pascal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v, key) for v in value]
    return value


def template(out):
    resources = {}
    for i, path in enumerate(sorted(ESTATE.glob("*.json"))):
        td = json.loads(path.read_text())
        td.pop("tags", None)
        resources[f"TaskDefinition{i}"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": pascal(td)}
    out.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    return len(resources)


def timed(cmd, env=None):
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, result


def main():
    if not ESTATE.is_dir():
        sys.exit(f"{ESTATE} is missing: run `cargo bench --bench scale -- {N}` first")
    checkov = VENV / "bin" / "checkov"
    if not checkov.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "checkov"], check=True)
    version = subprocess.run([str(checkov), "--version"], capture_output=True, text=True,
                             env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}).stdout.strip()
    cfn = ROOT / "target" / f"checkov-template-{N}.json"
    count = template(cfn)
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    cut = ["unshare", "-n"] if subprocess.run(["unshare", "-n", "true"]).returncode == 0 else []
    ckv_time, ckv = timed(cut + [str(checkov), "-f", str(cfn), "--framework", "cloudformation",
                                 "--skip-download", "--quiet", "--compact", "-o", "json"], env)
    if ckv.returncode not in (0, 1):
        sys.exit(f"checkov failed ({ckv.returncode}): {ckv.stderr[-2000:]}")
    summary = json.loads(ckv.stdout)
    summary = (summary[0] if isinstance(summary, list) else summary).get("summary", {})
    ecslint = ROOT / "target" / "release" / "ecslint"
    runs = [timed([str(ecslint), "check", "--no-config", "-f", "json", "-o", "/dev/null", str(ESTATE)])[0] for _ in range(3)]
    ecs_time = min(runs)
    report = (f"# ecslint and Checkov on {count} task definitions\n\n"
              f"| tool | seconds |\n|---|---|\n| Checkov {version} (CloudFormation template, network cut; "
              f"{summary.get('passed', '?')} passed, {summary.get('failed', '?')} failed checks) | {ckv_time:.2f} |\n"
              f"| ecslint (release, best of 3) | {ecs_time:.3f} |\n\necslint is {ckv_time / ecs_time:.0f}x faster.\n")
    print(report)
    (ROOT / "target" / "bench-checkov.md").write_text(report)


main()

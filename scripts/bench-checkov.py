#!/usr/bin/env python3
"""ecslint and Checkov side by side on the same CloudFormation template (issue 15: ecslint's
throughput at least 200x Checkov's at 1,000 task definitions).

Usage: scripts/bench-checkov.py [N]   (default 1000; run `cargo build --release` first)

The template holds N task definitions taken from the first folder of target/bench-estates that
has that many: `density-*` (made by `cargo bench --bench density` from the real public task
definitions, about 9 findings each) before `files-*` (`cargo bench --bench scale`, synthetic).
API field names become CloudFormation's by upper-casing the first letter, except where
../shared/ref/cloudformation/name-exceptions.tsv (read in place when present) says otherwise;
fields the task definition's resource schema lacks (ARN, revision, status...) are left out. The
template is written with real UTF-8: Checkov cannot read `\\uD83D`-style escaped surrogate pairs.

Checkov (pinned, in its own virtual environment target/checkov-venv) runs with the network cut
(`unshare -n` where allowed), CKV_SKIP_PACKAGE_UPDATE_CHECK=true and --skip-download; ecslint runs
`check -f json -o FILE` on the same file (its report, about 10 MB at 1,000 task definitions, goes
to a file as in CI rather than through a pipe to this script; Checkov's is small). Medians of
3 runs of Checkov, then of 21 of ecslint after one not counted (ecslint's runs are short, and a
burst of the host's other work moved a median of 9 by 10 ms). Never part of the tests.
Writes target/bench-checkov.md.
"""
import csv, json, os, pathlib, re, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
CHECKOV_ROUNDS = 3
ECSLINT_ROUNDS = 21  # ecslint's runs are cheap
CHECKOV = "3.3.30"
VENV = ROOT / "target" / "checkov-venv"
REF = ROOT.parent / "shared" / "ref" / "cloudformation"
# Maps whose keys are data, not property names.
FREE_FORM = {"options", "dockerLabels", "systemControls", "labels", "driverOpts", "secretOptions"}


def estate():
    root = ROOT / "target" / "bench-estates"
    for pattern in ("density-*", "files-*"):
        for folder in sorted(root.glob(pattern), key=lambda p: int(p.name.split("-")[1])):
            files = sorted((folder / "taskdefs").glob("*.json"))
            if len(files) >= N:
                return folder.name, files[:N]
    sys.exit(f"no estate of {N} task definitions in {root}: run `cargo bench --bench density -- {N}`")


def exceptions():
    """API path (`volumes[*].efsVolumeConfiguration`) -> CloudFormation name of its last step."""
    table = REF / "name-exceptions.tsv"
    if not table.exists():
        return {}
    with table.open() as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["cfn_type"] == "AWS::ECS::TaskDefinition"]
    return {r["api_path"]: r["cfn_path"].rsplit(".", 1)[-1] for r in rows}


def schema_properties():
    schema = REF / "aws-ecs-taskdefinition.json"
    if schema.exists():
        return set(json.loads(schema.read_text())["properties"])
    return None


def to_cfn(value, renames, path=""):
    if isinstance(value, list):
        return [to_cfn(v, renames, path + "[*]") for v in value]
    if not isinstance(value, dict) or re.search(r"(^|\.)(%s)$" % "|".join(FREE_FORM), path):
        return value
    out = {}
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        name = renames.get(child, key[:1].upper() + key[1:])
        out[name] = to_cfn(item, renames, child)
    return out


def template(files, out):
    renames, allowed = exceptions(), schema_properties()
    resources = {}
    for i, path in enumerate(files):
        props = to_cfn(json.loads(path.read_text()), renames)
        if allowed is not None:
            props = {k: v for k, v in props.items() if k in allowed}
        else:
            for key in ("TaskDefinitionArn", "Revision", "Status", "RequiresAttributes", "Compatibilities",
                        "RegisteredAt", "RegisteredBy", "DeregisteredAt"):
                props.pop(key, None)
        resources[f"TaskDefinition{i}"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": props}
    doc = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(resources)


def timed(cmd, env=None):
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, result


def main():
    name, files = estate()
    checkov = VENV / "bin" / "checkov"
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    version = subprocess.run([str(checkov), "--version"], capture_output=True, text=True, env=env).stdout.strip() \
        if checkov.exists() else ""
    if version != CHECKOV:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV}"], check=True)
        version = CHECKOV
    cfn = ROOT / "target" / f"checkov-template-{N}.json"
    count = template(files, cfn)
    cut = ["unshare", "-n"] if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0 else []
    ecslint = ROOT / "target" / "release" / "ecslint"
    ckv_times, ecs_times, summary = [], [], {}
    for _ in range(CHECKOV_ROUNDS):
        seconds, ckv = timed(cut + [str(checkov), "-f", str(cfn), "--framework", "cloudformation",
                                    "--skip-download", "--quiet", "--compact", "-o", "json"], env)
        if ckv.returncode not in (0, 1):
            sys.exit(f"checkov failed ({ckv.returncode}): {ckv.stderr[-2000:]}")
        result = json.loads(ckv.stdout)
        summary = (result[0] if isinstance(result, list) else result).get("summary", {})
        ckv_times.append(seconds)
    # ecslint's rounds after Checkov's, after one run not counted: run straight after Checkov
    # frees its memory, ecslint took twice its usual time (the kernel zeroing pages for it).
    ecslint_report = ROOT / "target" / f"checkov-template-{N}.ecslint.json"
    for round in range(ECSLINT_ROUNDS + 1):
        seconds, run = timed([str(ecslint), "check", "--no-config", "-f", "json", "-o", str(ecslint_report), str(cfn)])
        if run.returncode not in (0, 1):
            sys.exit(f"ecslint failed ({run.returncode}): {run.stderr[-2000:]}")
        if round:
            ecs_times.append(seconds)
    findings = len(json.loads(ecslint_report.read_text())["findings"])
    ckv_time, ecs_time = statistics.median(ckv_times), statistics.median(ecs_times)
    mb = cfn.stat().st_size / 1e6
    report = (
        f"# ecslint and Checkov on one CloudFormation template of {count} task definitions\n\n"
        f"From `target/bench-estates/{name}`, {mb:.1f} MB; {os.cpu_count()} CPUs; medians of {CHECKOV_ROUNDS} "
        f"runs of Checkov, then of {ECSLINT_ROUNDS} of ecslint (after one not counted).\n\n"
        f"| tool | seconds (runs) | result |\n|---|---|---|\n"
        f"| Checkov {version} (network cut: {'yes' if cut else 'no'}) | {ckv_time:.2f} "
        f"({', '.join(f'{t:.2f}' for t in ckv_times)}) | {summary.get('passed', '?')} passed, "
        f"{summary.get('failed', '?')} failed checks |\n"
        f"| ecslint (release) | {ecs_time:.3f} ({', '.join(f'{t:.3f}' for t in ecs_times)}) | "
        f"{findings} findings |\n\n"
        f"ecslint's throughput: {ckv_time / ecs_time:.0f}x Checkov's (target: at least 200x).\n")
    print(report)
    (ROOT / "target" / "bench-checkov.md").write_text(report)


main()

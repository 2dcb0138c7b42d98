#!/usr/bin/env python3
"""Live-scan benchmark against moto's server on 127.0.0.1.

Usage: scripts/bench-scan.py N [CONCURRENCY]   (N task definitions as N/5 families of 5 revisions,
N/10 services; --concurrency, default 8). Then scans again with `--since` the first scan's snapshot
(nothing changed) and reports the calls of that incremental scan.

Seeds moto through boto3, puts the call-counting proxy (tests/live/faults.py, no faults) in front,
times `ecslint scan` (the newer of target/release and target/debug) with /usr/bin/time,
and reads the calls per action from the proxy. Needs the venv .ci/run makes (moto[server], boto3).
Writes target/bench-scan-N.md. Prowler 5.46's figures for the same estate at N=5000 (from the issue):
about 68 s and 5,525 calls on a 2-core machine.
"""
import json, os, pathlib, socket, subprocess, sys, time, urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
CONCURRENCY = sys.argv[2] if len(sys.argv) > 2 else "8"
PYTHON = os.environ.get("ECSLINT_TEST_PYTHON", str(pathlib.Path.home() / ".cache/ecslint-venv/bin/python"))
# The most recently built binary (a release build of the SDK takes ~9 minutes).
BINARY = max((p for p in (ROOT / "target/release/ecslint", ROOT / "target/debug/ecslint") if p.exists()),
             key=lambda p: p.stat().st_mtime)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


SEED = r'''
import boto3, sys
n = int(sys.argv[2])
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
ecs = boto3.client("ecs", **kw)
for c in range(5):
    ecs.create_cluster(clusterName=f"cluster-{c}")
for i in range(n):
    family = f"svc-{i // 5:05}"
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "app", "image": f"app:{i}", "memory": 256,
        "environment": [{"name": f"SETTING_{k}", "value": str(k)} for k in range(8)]}])
for s in range(n // 10):
    ecs.create_service(cluster=f"cluster-{s % 5}", serviceName=f"service-{s:05}", taskDefinition=f"svc-{s * 2:05}",
                       desiredCount=2, launchType="EC2")
'''


def timed_scan(endpoint, report, *extra):
    """`ecslint scan` of us-east-1 at `endpoint` into `report`, under /usr/bin/time: (wall s, peak RSS KB)."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint}
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", str(BINARY), "scan", "--no-config", "--region", "us-east-1",
                             "--concurrency", CONCURRENCY, *extra, "-f", "json", "-o", str(report)],
                            env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"ecslint scan {' '.join(extra)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stderr.strip().splitlines()[-1].split()


def main():
    moto_port, proxy_port = free_port(), free_port()
    moto = subprocess.Popen([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = None
    try:
        wait(moto_port)
        upstream = f"http://127.0.0.1:{moto_port}"
        start = time.perf_counter()
        subprocess.run([PYTHON, "-c", SEED, upstream, str(N)], check=True)
        seeding = time.perf_counter() - start
        proxy = subprocess.Popen([PYTHON, str(ROOT / "tests/live/faults.py"), upstream, str(proxy_port)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(proxy_port)
        out = ROOT / "target" / f"bench-scan-{N}"
        out.mkdir(parents=True, exist_ok=True)
        proxied = f"http://127.0.0.1:{proxy_port}"
        wall, rss_kb = timed_scan(proxied, out / "report.json")
        calls = json.loads(urllib.request.urlopen(f"{proxied}/__calls").read())
        max_in_flight = calls.pop("__max_in_flight", None)
        # The same scan straight to moto: the counting proxy is itself a Python server on the path.
        direct_wall, _ = timed_scan(upstream, out / "direct.json")
        snapshot = json.loads((out / "report.snapshot.json").read_text())
        # Nothing changed since: an incremental scan from the full scan's snapshot, counted by the proxy.
        since_wall, since_rss_kb = timed_scan(proxied, out / "incremental.json", "--since", str(out / "report.snapshot.json"))
        counted = json.loads(urllib.request.urlopen(f"{proxied}/__calls").read())
        counted.pop("__max_in_flight", None)
        since_calls = {a: n - calls.get(a, 0) for a, n in counted.items() if n - calls.get(a, 0)}
        since_snapshot = json.loads((out / "incremental.snapshot.json").read_text())
        same = all(since_snapshot[k] == snapshot[k] for k in snapshot if k != "ecslintSnapshot")
    finally:
        for process in (proxy, moto):
            if process:
                process.kill()
    total = sum(calls.values())
    rows = "\n".join(f"| {action} | {count} |" for action, count in sorted(calls.items()))
    report = (f"# Live scan: {N} task definitions ({N // 5} families x 5 revisions), {N // 10} services, 5 clusters\n\n"
              f"moto on 127.0.0.1 (seeded in {seeding:.0f} s), {BINARY.relative_to(ROOT)}, --concurrency {CONCURRENCY}.\n\n"
              f"| measure | value |\n|---|---|\n| wall time, through the counting proxy | {float(wall):.2f} s |\n"
              f"| wall time, straight to moto | {float(direct_wall):.2f} s |\n| API calls | {total} |\n| most calls in flight | {max_in_flight} |\n"
              f"| peak RSS | {int(rss_kb) / 1024:.0f} MB |\n| task definitions read | {len(snapshot['taskDefinitions'])} |\n"
              f"| services read | {len(snapshot['services'])} |\n\n| action | calls |\n|---|---|\n{rows}\n")
    since_total = sum(since_calls.values())
    since_rows = "\n".join(f"| {action} | {count} |" for action, count in sorted(since_calls.items()))
    report += (f"\n## Unchanged incremental scan (`--since` the full scan's snapshot)\n\n"
               f"| measure | value |\n|---|---|\n| wall time, through the counting proxy | {float(since_wall):.2f} s |\n"
               f"| API calls | {since_total} ({since_total / total:.3f}x the full scan's; target <= 0.1x) |\n"
               f"| task definitions taken from the snapshot | {since_snapshot['ecslintSnapshot'].get('reusedTaskDefinitions')} |\n"
               f"| peak RSS | {int(since_rss_kb) / 1024:.0f} MB |\n| resources identical to the full scan's | {same} |\n\n"
               f"| action | calls |\n|---|---|\n{since_rows}\n")
    if N == 5000:
        report += (f"\nProwler 5.46 on this estate (issue figures): ~68 s, 5,525 calls. ecslint: "
                   f"{float(direct_wall) / 68:.1%} of the time (straight to moto; {float(wall) / 68:.1%} through the proxy), "
                   f"{total / 5525:.0%} of the calls. The servers here are Python (moto, the proxy); "
                   f"most of the wall time is theirs.\n")
    print(report)
    (ROOT / "target" / f"bench-scan-{N}.md").write_text(report)


main()

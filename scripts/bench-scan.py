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
import json, sys, urllib.request

from moto_estate import BINARY, ROOT, start_moto, start_proxy, timed_scan

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
CONCURRENCY = sys.argv[2] if len(sys.argv) > 2 else "8"


def main():
    moto, upstream, seeding = start_moto(N)
    proxy = None
    try:
        proxy, proxied = start_proxy(upstream)
        out = ROOT / "target" / f"bench-scan-{N}"
        out.mkdir(parents=True, exist_ok=True)
        full = timed_scan(proxied, out / "report.json", CONCURRENCY)
        calls = json.loads(urllib.request.urlopen(f"{proxied}/__calls").read())
        max_in_flight = calls.pop("__max_in_flight", None)
        calls.pop("__throttled", None)
        # The same scan straight to moto: the counting proxy is itself a Python server on the path.
        direct = timed_scan(upstream, out / "direct.json", CONCURRENCY)
        snapshot = json.loads((out / "report.snapshot.json").read_text())
        # Nothing changed since: an incremental scan from the full scan's snapshot, counted by the proxy.
        incremental = timed_scan(proxied, out / "incremental.json", CONCURRENCY,
                                 "--since", str(out / "report.snapshot.json"))
        counted = json.loads(urllib.request.urlopen(f"{proxied}/__calls").read())
        counted = {a: n for a, n in counted.items() if not a.startswith("__")}
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
              f"| measure | value |\n|---|---|\n| wall time, through the counting proxy | {full.wall:.2f} s |\n"
              f"| wall time, straight to moto | {direct.wall:.2f} s |\n| ecslint's CPU time (user + system) | {full.cpu:.2f} s |\n| API calls | {total} |\n| most calls in flight | {max_in_flight} |\n"
              f"| peak RSS | {full.rss_kb / 1024:.0f} MB |\n| task definitions read | {len(snapshot['taskDefinitions'])} |\n"
              f"| services read | {len(snapshot['services'])} |\n\n| action | calls |\n|---|---|\n{rows}\n")
    since_total = sum(since_calls.values())
    since_rows = "\n".join(f"| {action} | {count} |" for action, count in sorted(since_calls.items()))
    report += (f"\n## Unchanged incremental scan (`--since` the full scan's snapshot)\n\n"
               f"| measure | value |\n|---|---|\n| wall time, through the counting proxy | {incremental.wall:.2f} s |\n"
               f"| API calls | {since_total} ({since_total / total:.3f}x the full scan's; target <= 0.1x) |\n"
               f"| task definitions taken from the snapshot | {since_snapshot['ecslintSnapshot'].get('reusedTaskDefinitions')} |\n"
               f"| peak RSS | {incremental.rss_kb / 1024:.0f} MB |\n| resources identical to the full scan's | {same} |\n\n"
               f"| action | calls |\n|---|---|\n{since_rows}\n")
    if N == 5000:
        report += (f"\nProwler 5.46 on this estate (issue figures): ~68 s, 5,525 calls. ecslint: "
                   f"{direct.wall / 68:.1%} of the time (straight to moto; {full.wall / 68:.1%} through the proxy), "
                   f"{total / 5525:.0%} of the calls. The servers here are Python (moto, the proxy); "
                   f"most of the wall time is theirs.\n")
    print(report)
    (ROOT / "target" / f"bench-scan-{N}.md").write_text(report)


main()

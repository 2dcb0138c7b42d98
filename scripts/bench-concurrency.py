#!/usr/bin/env python3
"""`--concurrency` against AWS's published throttling rates (issue 15: tune the default by
measurement against the throttling proxy).

Usage: scripts/bench-concurrency.py [--latency-ms MS] N [CONCURRENCY...]
       (default 2000; 1 2 4 8 16 32; latency 0)

Seeds the moto estate of scripts/bench-scan.py (N task definitions, N/5 families, N/10 services),
puts tests/live/faults.py in front with --aws-rates (ECS's token buckets, e.g. task definition
reads 50 burst / 20 a second; EC2's 100/20 per action), and scans once per concurrency, each time
through a fresh proxy (full buckets, as after a quiet spell). moto on the same host answers in a
few milliseconds; --latency-ms holds each answer back as a remote endpoint's round trip would. Reports wall time, calls, the
throttling errors answered, whether the scan was complete (no call given up), and the floor the
buckets set for those calls: the largest (calls in a bucket - burst) / refill. Never part of the
tests. Writes target/bench-concurrency-N-MSms.md.
"""
import argparse, json, sys, urllib.request

from moto_estate import BINARY, ROOT, start_moto, start_proxy, timed_scan

sys.path.insert(0, str(ROOT / "tests" / "live"))
from aws_rates import bucket_of  # noqa: E402  (after the path it is found on)

parser = argparse.ArgumentParser()
parser.add_argument("--latency-ms", type=float, default=0)
parser.add_argument("n", type=int, nargs="?", default=2000)
parser.add_argument("levels", type=int, nargs="*")
ARGS = parser.parse_args()
N, LATENCY = ARGS.n, ARGS.latency_ms
LEVELS = ARGS.levels or [1, 2, 4, 8, 16, 32]
def floor(calls):
    """The least time AWS's buckets allow for `calls`, and the bucket that sets it."""
    drawn = {}
    for action, n in calls.items():
        bucket = bucket_of(action)
        if bucket:
            drawn[bucket] = drawn.get(bucket, 0) + n
    return max(((max(0, n - burst) / refill, name) for (name, burst, refill), n in drawn.items()),
               default=(0.0, "none"))


def main():
    moto, upstream, seeding = start_moto(N)
    rows = []
    try:
        for level in LEVELS:
            proxy, proxied = start_proxy(upstream, "--aws-rates", "--latency-ms", str(LATENCY))
            try:
                out = ROOT / "target" / f"bench-concurrency-{N}"
                out.mkdir(parents=True, exist_ok=True)
                scan = timed_scan(proxied, out / f"c{level}-{LATENCY:g}ms.json", level)
                counted = json.loads(urllib.request.urlopen(f"{proxied}/__calls").read())
            finally:
                proxy.kill()
            throttled = counted.pop("__throttled", {})
            in_flight = counted.pop("__max_in_flight", None)
            answered = {a: n - throttled.get(a, 0) for a, n in counted.items()}
            least, bucket = floor(answered)
            snapshot = json.loads((out / f"c{level}-{LATENCY:g}ms.snapshot.json").read_text())
            complete = scan.code != 3 and len(snapshot["taskDefinitions"]) == N // 5
            rows.append(f"| {level} | {scan.wall:.1f} | {least:.1f} ({bucket}) | {sum(answered.values())} | "
                        f"{sum(throttled.values())} | {in_flight} | {'yes' if complete else 'NO (exit ' + str(scan.code) + ')'} | "
                        f"{scan.rss_kb / 1024:.0f} |")
            print(rows[-1], flush=True)
    finally:
        moto.kill()
    report = (f"# `--concurrency` against AWS's published throttling rates: {N} task definitions "
              f"({N // 5} families), {N // 10} services\n\n"
              f"moto on 127.0.0.1 (seeded in {seeding:.0f} s) behind tests/live/faults.py --aws-rates --latency-ms {LATENCY:g}, a fresh proxy "
              f"(full buckets) per scan; {BINARY.relative_to(ROOT)}.\n\n"
              f"| --concurrency | wall s | floor s (bucket) | calls answered | throttling errors | most in flight | "
              f"complete | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
    print(report)
    (ROOT / "target" / f"bench-concurrency-{N}-{LATENCY:g}ms.md").write_text(report)


main()

#!/usr/bin/env bash
# The HTML report in a real headless browser (Debian's chromium): it renders, logs no console
# errors, shows the same numbers as the JSON report, and stays readable in a narrow window.
# Screenshots are kept as artifacts. Usage: tests/browser.sh ECSLINT_BINARY [OUT_DIR]
set -euo pipefail
ecslint="$1"
out="${2:-target/browser}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
"$ecslint" check --no-config fixtures/demo -f html -o "$out/report.html" || [ $? -eq 1 ]
"$ecslint" check --no-config fixtures/demo -f json -o "$out/report.json" || [ $? -eq 1 ]
# Flags that keep Chromium off the network and quiet on a closed machine.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)")
url="file://$out/report.html"
chromium "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" > "$out/dom.html" 2> "$out/chromium.log"
chromium "${flags[@]}" --window-size=1280,2600 --screenshot="$out/report.png" "$url" 2>/dev/null
chromium "${flags[@]}" --window-size=390,3000 --screenshot="$out/report-narrow.png" "$url" 2>/dev/null
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
dom = open(f"{out}/dom.html").read()
report = json.load(open(f"{out}/report.json"))
log = open(f"{out}/chromium.log").read()
console = [line for line in log.splitlines() if "CONSOLE" in line]
assert not console, f"console messages: {console}"
assert "Scorecard by pillar" in dom, "the page did not render"
body = dom.split('<tbody id="pillars">')[1].split("</tbody>")[0]
pillars = ["security", "reliability", "cost-optimization", "performance-efficiency", "operational-excellence", "sustainability"]
for row, pillar in zip(body.split("<tr>")[1:], pillars):
    numbers = [int(n) for n in re.findall(r'data-(?:pass|fail|not-applicable|not-evaluated|findings)="(\d+)"', row)]
    counts = report["summary"]["by_pillar"][pillar]
    expected = [counts[k] for k in ("pass", "fail", "not_applicable", "not_evaluated", "findings")]
    assert numbers == expected, f"{pillar}: {numbers} != {expected}"
print(f"browser: rendered, no console messages, numbers match the JSON report; screenshots in {out}")
PY

# The audit-to-audit comparison page: the demo against a changed copy.
rm -rf "$out/changed" && cp -r fixtures/demo "$out/changed"
sed -i 's/"privileged": true/"privileged": false/' "$out/changed/task-definitions/log-agent.json"
sed -i 's/"minimumHealthyPercent": 0/"minimumHealthyPercent": 100/' "$out/changed/services.json"
"$ecslint" diff --no-config fixtures/demo "$out/changed" -f html -o "$out/diff.html"
"$ecslint" diff --no-config fixtures/demo "$out/changed" -f json -o "$out/diff.json"
chromium "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$out/diff.html" > "$out/diff-dom.html" 2> "$out/chromium-diff.log"
chromium "${flags[@]}" --window-size=1280,1800 --screenshot="$out/diff.png" "file://$out/diff.html" 2>/dev/null
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
dom = open(f"{out}/diff-dom.html").read()
diff = json.load(open(f"{out}/diff.json"))
console = [line for line in open(f"{out}/chromium-diff.log").read().splitlines() if "CONSOLE" in line]
assert not console, f"console messages: {console}"
assert "What changed between two audits" in dom, "the diff page did not render"
for state in ("new", "fixed", "unchanged", "unverified"):
    shown = int(re.search(rf'data-total-{state}="(\d+)"', dom).group(1))
    assert shown == diff["summary"]["total"][state], f"{state}: {shown}"
assert diff["summary"]["total"]["fixed"] >= 1, diff["summary"]["total"]
print(f"browser: diff page rendered, totals match the JSON diff; screenshot {out}/diff.png")
PY

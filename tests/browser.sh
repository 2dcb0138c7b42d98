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

#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml runs it; .ci/run runs it locally the same way).
# Inputs come as environment variables, never spliced into the script, so paths cannot inject shell.
#   ECSLINT         the ecslint binary
#   INPUT_PATHS     space-separated files or folders (default ".")
#   INPUT_FAIL_ON   severity threshold (default "high")
#   INPUT_BASELINE  baseline file, optional
#   INPUT_SARIF     where to write the SARIF for code scanning (default "ecslint.sarif")
#   GITHUB_OUTPUT   file receiving `sarif=` and `exit-code=`
set -uo pipefail
ecslint="${ECSLINT:-ecslint}"
read -r -a paths <<< "${INPUT_PATHS:-.}"
sarif="${INPUT_SARIF:-ecslint.sarif}"
args=(--fail-on "${INPUT_FAIL_ON:-high}")
if [ -n "${INPUT_BASELINE:-}" ]; then
  args+=(--baseline "$INPUT_BASELINE")
fi

# The SARIF for upload leaves waived results out (GitHub would open alerts for them).
"$ecslint" check "${paths[@]}" "${args[@]}" --format sarif-github -o "$sarif"
status=$?
# Annotations on the pull request for new, unwaived findings.
"$ecslint" check "${paths[@]}" "${args[@]}" --format github || true

echo "sarif=$sarif" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "exit-code=$status" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "ecslint exit code: $status (0 clean, 1 findings at or above the threshold, 2 errors)"
exit 0

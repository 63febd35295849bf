#!/usr/bin/env bash
# Checks what a passing run of the action left: outputs, a new master, the report, the artifact.
set -euo pipefail
fail() { echo "::error::$*"; exit 1; }
[[ $RESULT == passed ]] || fail "result is '$RESULT', expected passed"
[[ -n $BEFORE && -n $AFTER && $BEFORE != "$AFTER" ]] || fail "master-before '$BEFORE' and master-after '$AFTER' should name two different nodes"
# act's artifact server does not speak @actions/artifact 6 (README): there the upload is proven
# by artifact-upload.itg.ts instead, and this check says so rather than passing silently.
if [[ -n ${ACT:-} ]]; then echo "act: artifact upload not checked here (artifact-upload.itg.ts proves it)"
else [[ -n $ARTIFACT_ID ]] || fail "no artifact-id: the report was not uploaded"; fi
for f in report.json timeline.json junit.xml events.txt; do [[ -s $REPORT_DIR/$f ]] || fail "$REPORT_DIR/$f is missing"; done
jq -e --argjson n "${ROUNDS:?the job says how many rounds it asked for}" '.verdict == "passed" and (.rounds | length) == $n' "$REPORT_DIR/report.json" >/dev/null ||
  fail "report.json does not record $ROUNDS passing round(s)"
echo "passed: $BEFORE -> $AFTER, artifact $ARTIFACT_ID"

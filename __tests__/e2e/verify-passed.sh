#!/usr/bin/env bash
# Checks what a passing run of the action left: outputs, a new master, the report, the artifact.
set -euo pipefail
fail() { echo "::error::$*"; exit 1; }
[[ $RESULT == passed ]] || fail "result is '$RESULT', expected passed"
[[ -n $BEFORE && -n $AFTER && $BEFORE != "$AFTER" ]] || fail "master-before '$BEFORE' and master-after '$AFTER' should name two different nodes"
[[ -n $ARTIFACT_ID ]] || fail "no artifact-id: the report was not uploaded"
for f in report.json timeline.json junit.xml events.txt; do [[ -s $REPORT_DIR/$f ]] || fail "$REPORT_DIR/$f is missing"; done
jq -e '.verdict == "passed" and (.rounds | length) == 2' "$REPORT_DIR/report.json" >/dev/null || fail "report.json does not record two passing rounds"
echo "passed: $BEFORE -> $AFTER, artifact $ARTIFACT_ID"

#!/usr/bin/env bash
# Checks that a run on a broken manifest failed, said why, and still uploaded its report.
set -euo pipefail
fail() { echo "::error::$*"; exit 1; }
[[ $OUTCOME == failure ]] || fail "the step's outcome is '$OUTCOME', expected failure"
[[ $RESULT == failed ]] || fail "result is '$RESULT', expected failed"
if [[ -n ${ACT:-} ]]; then echo "act: artifact upload not checked here (artifact-upload.itg.ts proves it)"
else [[ -n $ARTIFACT_ID ]] || fail "no artifact-id: the report of the failed run was not uploaded"; fi
jq -e '.error.phase == "form"' "$REPORT_DIR/report.json" >/dev/null || fail "report.json does not say formation failed"
jq -r '.error.message' "$REPORT_DIR/report.json" | grep -q 'master not discovered yet' || fail "the failure does not carry the engine's own complaint"
echo "failed as expected: $(jq -r '.error.message' "$REPORT_DIR/report.json" | head -c 300)"

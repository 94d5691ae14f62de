#!/usr/bin/env bash
# Lint every CloudFormation template the CDK app synthesizes (Census stack and the audit-role StackSet template)
# with cfn-lint from the project virtualenv. Usage: scripts/cfn-lint.sh [cdk.out directory]
# Exit status is non-zero on any error or warning except W3005: CDK adds an explicit DependsOn from each Lambda
# function to its role (so the role's policy exists before the function), which W3005 calls redundant.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/cdk.out}"
CFN_LINT="${CENSUS_CFN_LINT:-${CENSUS_STACK_DIR:-$ROOT/.stack}/venv/bin/cfn-lint}"

[ -x "$CFN_LINT" ] || { echo "cfn-lint: $CFN_LINT not found; run 'npm run setup' (installs scripts/requirements.txt)" >&2; exit 2; }
shopt -s nullglob
templates=("$OUT"/*.template.json)
[ "${#templates[@]}" -gt 0 ] || { echo "cfn-lint: no templates in $OUT; run 'npm run synth' first" >&2; exit 2; }

echo "cfn-lint $("$CFN_LINT" --version | awk '{print $2}'): ${templates[*]##*/}" >&2
"$CFN_LINT" --ignore-checks W3005 -- "${templates[@]}"

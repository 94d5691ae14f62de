"""Netflix policyuniverse's reading of policies, for Census's differential test (test/integration/policy-differential.test.ts).

Reads NDJSON on stdin, one {"id": ..., "policy": {...}} per line; writes NDJSON on stdout, one
{"id": ..., "public": bool, "statements": [bool, ...]} per line: whether policyuniverse finds the policy,
and each statement on its own, internet accessible. A line it cannot read gets {"id": ..., "error": "..."}.
"""
import json
import sys

from policyuniverse.policy import Policy
from policyuniverse.statement import Statement


def main() -> int:
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            policy = item["policy"]
            out = {
                "id": item["id"],
                "public": bool(Policy(policy).is_internet_accessible()),
                "statements": [bool(Statement(s).is_internet_accessible()) for s in policy.get("Statement", [])],
            }
        except Exception as err:  # one bad line is reported with its position, the rest goes on
            out = {"id": item.get("id") if isinstance(item, dict) else None, "error": f"line {n}: {type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

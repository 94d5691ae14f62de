"""Baseline for `npm run bench`: the same scorecard workbooks written with openpyxl (write-only mode).

Reads the scorecard input (scores, non-compliant resources, accounts, requirements) as JSON and writes one
workbook per owner and the enterprise workbook with the same sheets and rows as Census's exceljs writer.
"""
import json
import resource
import re
import sys
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook


def main(src: str, out_dir: str) -> None:
    data = json.loads(Path(src).read_text())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reqs = data["requirements"]
    req_by_id = {r["id"]: r for r in reqs}
    names = {a["accountId"]: a for a in data["accounts"]}
    cells, accounts, owners, executives, enterprise = {}, [], [], [], None
    for s in data["scores"]:
        scope = s["scope"]
        if scope == "account-requirement":
            cells[(s["accountId"], s["requirementId"])] = s
        elif scope == "account":
            accounts.append(s)
        elif scope == "owner":
            owners.append(s)
        elif scope == "executive":
            executives.append(s)
        elif scope == "enterprise":
            enterprise = s
    accounts.sort(key=lambda s: s["accountId"])
    failures = defaultdict(list)
    for f in data["nonCompliant"]:
        failures[f["accountId"]].append(f)

    def owner_of(acc):
        return acc.get("owner") or names.get(acc["accountId"], {}).get("owner") or "(no owner)"

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Account x requirement")
    ws.append(["Account", "Name"] + [r["id"] for r in reqs])
    for a in accounts:
        ws.append([a["accountId"], names.get(a["accountId"], {}).get("name")] + [
            (cells.get((a["accountId"], r["id"])) or {}).get("score") for r in reqs])
    ws = wb.create_sheet("Accounts")
    ws.append(["Account", "Name", "Owner", "Executive", "Score", "Monthly spend"])
    for a in accounts:
        n = names.get(a["accountId"], {})
        ws.append([a["accountId"], n.get("name"), owner_of(a), n.get("executive"), a["score"], n.get("spend")])
    ws = wb.create_sheet("Executives")
    ws.append(["Executive", "Score"])
    for e in executives:
        ws.append([e["executive"], e["score"]])
    wb.save(out / f"enterprise-{data['asOf']}.xlsx")

    for o in owners:
        mine = [a for a in accounts if owner_of(a) == o["owner"]]
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Summary")
        ws.append(["Owner", o["owner"]])
        ws.append(["Score", o["score"]])
        ws.append([])
        ws.append(["Account", "Name", "Score"] + [r["id"] for r in reqs])
        for a in mine:
            ws.append([a["accountId"], names.get(a["accountId"], {}).get("name"), a["score"]] + [
                (cells.get((a["accountId"], r["id"])) or {}).get("score") for r in reqs])
        for a in mine:
            ws = wb.create_sheet(a["accountId"])
            # the same columns as Census's account sheets: title and remediation text included
            ws.append(["Severity", "Requirement", "Title", "Resource", "Region", "Status", "Evidence", "Remediation",
                       "Exception", "Reason", "Approved by", "Expires", "Active"])
            for f in failures.get(a["accountId"], []):
                ex = f.get("exception") or {}
                r = req_by_id.get(f["requirementId"], {})
                ws.append([r.get("severity"), f["requirementId"], r.get("title"), f.get("resourceArn") or f["resourceId"], f["region"],
                           "excepted" if f.get("excepted") else "failing", f["evidence"], r.get("remediation"),
                           ex.get("exceptionId"), ex.get("reason"), ex.get("approvedBy"), ex.get("expiresAt"), ex.get("active")])
        slug = re.sub(r"[^A-Za-z0-9@._-]+", "_", o["owner"])[:60]
        wb.save(out / f"owner-{slug}-{data['asOf']}.xlsx")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    # peak resident set size in KiB, for the bench table
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)

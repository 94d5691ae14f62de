"""Validate findings Census exports against the formats' own models.

  ASFF: botocore's parameter validator on the Security Hub BatchImportFindings request shape
        (the file is one request body: {"Findings": [...]}, at most 100 findings).
  OCSF: py-ocsf-models ComplianceFinding (class 2003), plus its Cloud object for the cloud profile.

Usage: .stack/venv/bin/python scripts/validate-findings.py [--asff FILE] [--ocsf FILE]
Prints {"asff": {"count": n, "errors": [...]}, "ocsf": {...}} and exits 1 when anything is invalid.
"""
import argparse
import json
import sys

import botocore.session
from botocore.validate import ParamValidator


def validate_asff(path):
    body = json.load(open(path))
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate(body, shape)
    errors = [report.generate_report()] if report.has_errors() else []
    if len(body.get("Findings", [])) > 100:
        errors.append(f"{len(body['Findings'])} findings in one request (BatchImportFindings takes at most 100)")
    return {"count": len(body.get("Findings", [])), "errors": errors}


def validate_ocsf(path):
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.objects.cloud import Cloud
    from pydantic import ValidationError

    events = json.load(open(path))
    errors = []
    for i, event in enumerate(events):
        try:
            model = ComplianceFinding.model_validate(event)
            if int(model.class_uid) != 2003:
                errors.append(f"[{i}]: class_uid {model.class_uid} is not 2003")
            if "cloud" in event:
                Cloud.model_validate(event["cloud"])
        except ValidationError as err:
            errors.append(f"[{i}]: {err}")
    return {"count": len(events), "errors": errors}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--asff")
    parser.add_argument("--ocsf")
    args = parser.parse_args()
    result = {}
    if args.asff:
        result["asff"] = validate_asff(args.asff)
    if args.ocsf:
        result["ocsf"] = validate_ocsf(args.ocsf)
    print(json.dumps(result, indent=2))
    sys.exit(1 if any(r["errors"] for r in result.values()) else 0)


if __name__ == "__main__":
    main()

"""Read a Security Lake custom-source folder as a consumer would and validate every row.

  Reader: pyarrow (independent of the JavaScript writer), one file at a time.
  Layout: <root>/ext/<source>/region=<region>/accountId=<12 digits>/eventDay=<YYYYMMDD>/<name>.parquet, as
          Security Lake documents for custom sources; every row of a file must be of one OCSF class and lie in
          the file's partition (its account, its region or the --home-region for global ones, its day by `time`).
  Schema: py-ocsf-models. Class 2003 with its ComplianceFinding model (plus Cloud for the cloud profile).
          py-ocsf-models has no class 5023 (Cloud Resources Inventory Info), so it is checked as OCSF 1.5
          defines it on the library's own building blocks: BaseEvent, Metadata, Cloud, ResourceDetails.
          Class 5019 (Device Config State Change) is not in py-ocsf-models either: checked as OCSF 1.5 defines it,
          with the library's BaseEvent, Metadata and Cloud. Its `device` is checked against OCSF 1.5's Device
          attributes Census fills (type_id required, its enum from the library's DeviceType): the library's own
          Device model also requires hostname, ip, name and region, which OCSF only recommends and a cloud
          resource (an S3 bucket, an IAM role) does not have.
  Columns of OCSF type json (`unmapped`, `resources[].data`) are JSON text in Parquet and decoded first.

Usage: .stack/venv/bin/python scripts/validate-ocsf-parquet.py DIR [--home-region us-east-1] [--dump rows.ndjson]
Prints {"files": n, "rows": n, "classes": {...}, "errors": [...]} and exits 1 when anything is invalid.
"""
import argparse
import datetime
import json
import os
import re
import sys

import pyarrow.parquet as pq
from pydantic import ValidationError
from py_ocsf_models.events.base_event import BaseEvent
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.device import DeviceType
from pydantic import BaseModel
from py_ocsf_models.objects.resource_details import ResourceDetails

PATH = re.compile(r"^ext/(?P<source>[A-Za-z0-9_-]+)/region=(?P<region>[a-z0-9-]+)/accountId=(?P<account>\d{12})/eventDay=(?P<day>\d{8})/[^/]+\.parquet$")


class DiscoveryEvent(BaseEvent):
    """The classification and time attributes every OCSF 1.5 Discovery class Census writes carries."""

    activity_id: int
    activity_name: str | None = None
    category_uid: int
    category_name: str | None = None
    class_uid: int
    class_name: str | None = None
    type_uid: int
    type_name: str | None = None
    time: int
    time_dt: datetime.datetime | None = None


class CloudResourcesInventoryInfo(DiscoveryEvent):
    """OCSF 1.5 class 5023 (Discovery category): the attributes it adds to the base event."""

    cloud: Cloud
    resources: list[ResourceDetails]


class ChangedDevice(BaseModel):
    """OCSF 1.5 `device` as class 5019 carries a cloud resource: type_id is required, the rest recommended."""

    uid: str
    name: str | None = None
    type: str | None = None
    type_id: DeviceType
    region: str | None = None


class DeviceConfigStateChange(DiscoveryEvent):
    """OCSF 1.5 class 5019 (Discovery category): the attributes Census fills."""

    device: ChangedDevice
    cloud: Cloud


def decode(row):
    if isinstance(row.get("unmapped"), str):
        row["unmapped"] = json.loads(row["unmapped"])
    for r in row.get("resources") or []:
        if isinstance(r.get("data"), str):
            r["data"] = json.loads(r["data"])
    # pyarrow gives every column of the fixed schema; an attribute the event did not have reads back as null
    return prune(row)


def prune(v):
    if isinstance(v, dict):
        return {k: prune(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [prune(x) for x in v]
    return v


# the Discovery classes Census writes: same classification rules, each its own attributes
DISCOVERY_MODELS = {5023: CloudResourcesInventoryInfo, 5019: DeviceConfigStateChange}


def check_row(cls, row, where):
    errors = []
    try:
        if cls == 2003:
            ComplianceFinding.model_validate(row)
            Cloud.model_validate(row["cloud"])
        elif cls in DISCOVERY_MODELS:
            DISCOVERY_MODELS[cls].model_validate(row)
            if row["category_uid"] != 5 or row["type_uid"] != cls * 100 + row["activity_id"]:
                errors.append(f"{where}: category_uid/type_uid do not match class {cls}")
            if row["activity_id"] not in (0, 1, 2, 99):
                errors.append(f"{where}: activity_id {row['activity_id']} is not defined for class {cls}")
            if cls == 5023 and not row["resources"]:
                errors.append(f"{where}: resources is empty")
        else:
            errors.append(f"{where}: class_uid {cls} is not expected")
    except ValidationError as err:
        errors.append(f"{where}: {err}")
    return errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--home-region", default="us-east-1")
    parser.add_argument("--dump", help="also write every decoded row here as JSON lines, with its file")
    args = parser.parse_args()
    errors, classes, files, rows_total = [], {}, 0, 0
    dump = open(args.dump, "w") if args.dump else None
    for base, _, names in os.walk(args.dir):
        for name in sorted(names):
            path = os.path.join(base, name)
            rel = os.path.relpath(path, args.dir).replace(os.sep, "/")
            m = PATH.match(rel)
            if not m:
                errors.append(f"{rel}: not in Security Lake's ext/<source>/region=/accountId=/eventDay= layout")
                continue
            files += 1
            table = pq.read_table(path, partitioning=None)
            rows = table.to_pylist()
            rows_total += len(rows)
            uids = {r["class_uid"] for r in rows}
            if len(uids) != 1:
                errors.append(f"{rel}: {len(uids)} OCSF classes in one object ({sorted(uids)})")
            previous = None
            for i, row in enumerate(rows):
                where = f"{rel} row {i}"
                row = decode(row)
                if dump:
                    dump.write(json.dumps({"file": rel, "row": row}, default=str) + "\n")
                cls = row.get("class_uid")
                classes[str(cls)] = classes.get(str(cls), 0) + 1
                errors += check_row(cls, row, where)
                day = datetime.datetime.fromtimestamp(row["time"] / 1000, datetime.timezone.utc).strftime("%Y%m%d")
                region = (row.get("cloud") or {}).get("region") or args.home_region
                account = ((row.get("cloud") or {}).get("account") or {}).get("uid")
                if (region, account, day) != (m["region"], m["account"], m["day"]):
                    errors.append(f"{where}: region/account/day {region}/{account}/{day} outside its partition {m['region']}/{m['account']}/{m['day']}")
                if previous is not None and row["time"] < previous:
                    errors.append(f"{where}: not sorted by time")
                previous = row["time"]
    print(json.dumps({"files": files, "rows": rows_total, "classes": classes, "errors": errors[:50], "errorCount": len(errors)}, indent=2))
    sys.exit(1 if errors or not files else 0)


if __name__ == "__main__":
    main()

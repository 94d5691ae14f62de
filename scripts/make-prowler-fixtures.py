"""Run the real Prowler (PyPI) against moto and keep its OCSF JSON and ASFF output as test fixtures.

Prowler is big, so it lives in a throwaway virtualenv, not in scripts/requirements.txt:
    python3 -m venv /tmp/prowler-venv && /tmp/prowler-venv/bin/pip install prowler==5.46.0
    /tmp/prowler-venv/bin/pip install moto[all]==5.2.5
    /tmp/prowler-venv/bin/python scripts/make-prowler-fixtures.py [--server http://127.0.0.1:5055]

It plants a few resources that fail and pass well-known checks, then runs Prowler's own CLI entry point.
By default moto runs in-process (`mock_aws`, as Prowler's own test-suite does: pip install moto==5.2.5 into the
same venv); with --server URL it assumes a role into a fresh account of a moto server instead and points
`prowler aws` at it with AWS_ENDPOINT_URL.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

MOTO = sys.argv[sys.argv.index("--server") + 1] if "--server" in sys.argv else "http://127.0.0.1:5055"
ACCOUNT = os.environ.get("FIXTURE_ACCOUNT", "555566667777")
REGION = "us-east-1"
OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "standard"
CHECKS = [
    "s3_bucket_public_access",
    "s3_bucket_default_encryption",
    "s3_bucket_level_public_access_block",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
    "ec2_ebs_default_encryption",
    "iam_user_mfa_enabled_console_access",
    "iam_rotate_access_key_90_days",
    "iam_no_root_access_key",
    "guardduty_is_enabled",
    "accessanalyzer_enabled",
    "kms_cmk_rotation_enabled",
    "sqs_queues_not_publicly_accessible",
    "secretsmanager_automatic_rotation_enabled",
    "vpc_flow_logs_enabled",
]


def plant(c) -> None:

    s3 = c("s3")
    for name in ("census-fixture-public", "census-fixture-private"):
        try:
            s3.create_bucket(Bucket=name)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
    s3.put_bucket_policy(
        Bucket="census-fixture-public",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::census-fixture-public/*"}]}),
    )
    s3.put_public_access_block(Bucket="census-fixture-private", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})

    ec2 = c("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="census-fixture-ssh", Description="open ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    iam = c("iam")
    try:
        iam.create_user(UserName="census-fixture-console")
        iam.create_login_profile(UserName="census-fixture-console", Password="Sup3r-secret-pw!")
        iam.create_access_key(UserName="census-fixture-console")
    except iam.exceptions.EntityAlreadyExistsException:
        pass

    kms = c("kms")
    kms.create_key(Description="census fixture key without rotation")
    sqs = c("sqs")
    q = sqs.create_queue(QueueName="census-fixture-queue")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=q, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]})})
    c("secretsmanager").create_secret(Name="census-fixture-secret", SecretString="s3cr3t")


TMP = Path("/tmp/census-prowler-out")
ARGS = ["aws", "--region", REGION, "--output-formats", "json-ocsf", "json-asff", "--output-directory", str(TMP),
        "--output-filename", "prowler-moto", "--no-banner", "--checks", *CHECKS]


def run_in_process() -> None:
    from moto import mock_aws

    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION})
    with mock_aws():
        plant(lambda svc: boto3.client(svc, region_name=REGION))
        from prowler.__main__ import prowler

        sys.argv = ["prowler", *ARGS]
        try:
            prowler()
        except SystemExit as done:
            # prowler exits 3 when some checks fail: that is the point here
            if done.code not in (0, 3, None):
                sys.exit(f"prowler exited {done.code}")


def run_against_server() -> None:
    base = dict(endpoint_url=MOTO, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = boto3.client("sts", **base).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ProwlerAudit", RoleSessionName="census-prowler-fixture"
    )["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name=REGION)
    plant(lambda svc: session.client(svc, endpoint_url=MOTO))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
           "AWS_SESSION_TOKEN": creds["SessionToken"], "AWS_ENDPOINT_URL": MOTO, "AWS_DEFAULT_REGION": REGION}
    rc = subprocess.run([str(Path(sys.executable).parent / "prowler"), *ARGS], env=env).returncode
    if rc not in (0, 3):
        sys.exit(f"prowler exited {rc}")


def main() -> None:
    TMP.mkdir(exist_ok=True)
    # prowler appends to an existing output file of the same name
    for old in TMP.glob("prowler-moto.*"):
        old.unlink()
    if "--server" in sys.argv:
        run_against_server()
    else:
        run_in_process()
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("ocsf.json", "asff.json"):
        data = json.loads((TMP / f"prowler-moto.{suffix}").read_text())
        (OUT / f"prowler-moto.{suffix}").write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {len(data)} Prowler findings to {OUT / f'prowler-moto.{suffix}'}", file=sys.stderr)


if __name__ == "__main__":
    main()

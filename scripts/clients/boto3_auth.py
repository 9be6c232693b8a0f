#!/usr/bin/python3
"""Secure-mode flow through boto3 (Debian's /usr/bin/python3): tags, signer
errors and refused credentials, with access keys from an accounts file.

Environment: STREAMFRONT_ENDPOINT; KEY_A/SECRET_A (account A, all actions),
KEY_RO/SECRET_RO (account A, cloudfront:Get* and cloudfront:List*),
KEY_B/SECRET_B (account B), ACCOUNT_A, ACCOUNT_B. Exits non-zero on the
first failed check.
"""
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["STREAMFRONT_ENDPOINT"]
ACCOUNT_A, ACCOUNT_B = os.environ["ACCOUNT_A"], os.environ["ACCOUNT_B"]
passed = 0


def client(key, secret):
    return boto3.client(
        "cloudfront", endpoint_url=ENDPOINT, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}))


def check(cond, what):
    global passed
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    passed += 1


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, "want %s, got %s: %s" % (code, got, e))
        return
    check(False, "want %s, call succeeded" % code)


def config(ref, signers=()):
    return {
        "CallerReference": ref,
        "S3Origin": {"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": ""},
        "Comment": "boto3 auth flow",
        "TrustedSigners": {"Enabled": bool(signers), "Quantity": len(signers), "Items": list(signers)},
        "Enabled": True,
    }


a = client(os.environ["KEY_A"], os.environ["SECRET_A"])
b = client(os.environ["KEY_B"], os.environ["SECRET_B"])
ro = client(os.environ["KEY_RO"], os.environ["SECRET_RO"])

# Create with tags, list tags, untag.
out = a.create_streaming_distribution_with_tags(StreamingDistributionConfigWithTags={
    "StreamingDistributionConfig": config("boto3-tagged"),
    "Tags": {"Items": [{"Key": "team", "Value": "video"}, {"Key": "env", "Value": "prod"}]}})
dist = out["StreamingDistribution"]
arn = dist["ARN"]
check(arn == "arn:aws:cloudfront::%s:streaming-distribution/%s" % (ACCOUNT_A, dist["Id"]), "ARN names account A: " + arn)
tags = a.list_tags_for_resource(Resource=arn)["Tags"]["Items"]
check(sorted((t["Key"], t["Value"]) for t in tags) == [("env", "prod"), ("team", "video")], "tags after create: %r" % tags)
a.untag_resource(Resource=arn, TagKeys={"Items": ["env"]})
tags = a.list_tags_for_resource(Resource=arn)["Tags"]["Items"]
check([t["Key"] for t in tags] == ["team"], "tags after untag: %r" % tags)
expect_error("InvalidTagging", a.tag_resource, Resource=arn, Tags={"Items": [{"Key": "aws:reserved", "Value": "x"}]})

# Trusted signers: self and B are accounts of this server, 999999999999 is not.
expect_error("TrustedSignerDoesNotExist", a.create_streaming_distribution,
             StreamingDistributionConfig=config("boto3-unknown-signer", ["999999999999"]))
signed = a.create_streaming_distribution(StreamingDistributionConfig=config("boto3-signers", ["self", ACCOUNT_B]))
ats = signed["StreamingDistribution"]["ActiveTrustedSigners"]
check(ats["Enabled"] and ats["Quantity"] == 2, "ActiveTrustedSigners: %r" % ats)

# Account B sees nothing of A's and may not touch A's tags.
expect_error("NoSuchStreamingDistribution", b.get_streaming_distribution, Id=dist["Id"])
check(b.list_streaming_distributions()["StreamingDistributionList"]["Quantity"] == 0, "B lists A's distributions")
expect_error("AccessDenied", b.list_tags_for_resource, Resource=arn)

# The read-only key reads but cannot write.
check(ro.list_streaming_distributions()["StreamingDistributionList"]["Quantity"] == 2, "read-only list")
expect_error("AccessDenied", ro.create_streaming_distribution, StreamingDistributionConfig=config("boto3-ro"))

# Wrong secret and unknown key are refused, and change nothing.
expect_error("SignatureDoesNotMatch", client(os.environ["KEY_A"], "wrong-secret-wrong-secret").create_streaming_distribution,
             StreamingDistributionConfig=config("boto3-wrong-secret"))
expect_error("InvalidClientTokenId", client("AKIANOTAKEYNOTAKEY00", "x" * 40).list_streaming_distributions)
check(a.list_streaming_distributions()["StreamingDistributionList"]["Quantity"] == 2, "refused calls changed nothing")

print("boto3_auth: %d passed, 0 failed" % passed)

#!/usr/bin/python3
"""The streaming-distribution lifecycle as a boto3 user drives it.

Run against a streamfront server (STREAMFRONT_ENDPOINT, e.g.
http://127.0.0.1:4580) started with a short --deploy-delay; internal/api's
clients_test.go does that. Exits non-zero on the first check that fails.
Use Debian's interpreter: /usr/bin/python3 scripts/clients/boto3_flow.py
"""
import os
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ["STREAMFRONT_ENDPOINT"]
RUN = os.environ.get("STREAMFRONT_RUN", "boto3")

cf = boto3.client(
    "cloudfront",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what)


def seed_config(ref, **changes):
    """Every member of StreamingDistributionConfig, as the seed's request syntax lists them."""
    cfg = {
        "CallerReference": ref,
        "S3Origin": {"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": ""},
        "Aliases": {"Quantity": 1, "Items": [ref + ".example.com"]},
        "Comment": "created by boto3",
        "Logging": {"Enabled": True, "Bucket": "logs.s3.amazonaws.com", "Prefix": "rtmp/"},
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "PriceClass": "PriceClass_100",
        "Enabled": True,
    }
    cfg.update(changes)
    return cfg


def expect_error(code, status, call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        check(got == (code, status), "%s answers %s %d (got %s %d)" % (call.__name__, code, status, got[0], got[1]))
        modeled = getattr(cf.exceptions, code, None)
        if modeled is not None:
            check(isinstance(e, modeled), "%s raised as cf.exceptions.%s" % (code, code))
        return
    sys.exit("FAIL: %s succeeded, want %s" % (call.__name__, code))


def wait_deployed(dist_id):
    cf.get_waiter("streaming_distribution_deployed").wait(Id=dist_id, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    status = cf.get_streaming_distribution(Id=dist_id)["StreamingDistribution"]["Status"]
    check(status == "Deployed", "waiter returned once %s is Deployed" % dist_id)


# Create, exactly the seed's shapes.
cfg = seed_config(RUN + "-main")
out = cf.create_streaming_distribution(StreamingDistributionConfig=cfg)
check(out["ResponseMetadata"]["HTTPStatusCode"] == 201, "create answers 201")
dist = out["StreamingDistribution"]
dist_id, etag = dist["Id"], out["ETag"]
check(out["Location"] == ENDPOINT + "/2020-05-31/streaming-distribution/" + dist_id, "Location names the new resource")
check(dist["Status"] == "InProgress", "a new distribution is InProgress")
check(dist["ARN"].endswith(":streaming-distribution/" + dist_id), "ARN ends with the Id")
check(dist["DomainName"].startswith("s") and dist["DomainName"].endswith(".cloudfront.net"), "domain name s….cloudfront.net")
check(dist["StreamingDistributionConfig"] == cfg, "config echoed exactly")
check(dist["LastModifiedTime"].utcoffset().total_seconds() == 0, "LastModifiedTime is UTC")

got = cf.get_streaming_distribution(Id=dist_id)
check(got["ETag"] == etag and got["StreamingDistribution"]["StreamingDistributionConfig"] == cfg, "get returns the config and ETag")
gc = cf.get_streaming_distribution_config(Id=dist_id)
check(gc["ETag"] == etag and gc["StreamingDistributionConfig"] == cfg, "get-config returns the config and ETag")

# List with the paginator over more than one page.
for i in range(6):
    cf.create_streaming_distribution(StreamingDistributionConfig=seed_config("%s-page-%d" % (RUN, i), Enabled=False))
ids, pages = [], 0
for page in cf.get_paginator("list_streaming_distributions").paginate(PaginationConfig={"PageSize": 3}):
    pages += 1
    ids += [s["Id"] for s in page["StreamingDistributionList"].get("Items", [])]
check(len(ids) == 7 and len(set(ids)) == 7 and dist_id in ids, "paginator lists all 7 distributions once")
check(pages == 3, "paginator walked 3 pages of 3")

# Error codes, each for a real reason.
expect_error("NoSuchStreamingDistribution", 404, cf.get_streaming_distribution, Id="ENOSUCHDIST123")
expect_error("StreamingDistributionAlreadyExists", 409, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-main", Comment="different config, same CallerReference",
                                                     Aliases={"Quantity": 0}))
expect_error("CNAMEAlreadyExists", 409, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-other", Aliases={"Quantity": 1, "Items": [(RUN + "-MAIN.example.com").upper()]}))
expect_error("InvalidOrigin", 400, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-origin", S3Origin={"DomainName": "www.example.com", "OriginAccessIdentity": ""}))
expect_error("InconsistentQuantities", 400, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-qty", Aliases={"Quantity": 2, "Items": ["one.example.com"]}))
expect_error("InvalidArgument", 400, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-long", Comment="x" * 129))
expect_error("TrustedSignerDoesNotExist", 400, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-signer", TrustedSigners={"Enabled": True, "Quantity": 1, "Items": ["999999999999"]}))
expect_error("TooManyStreamingDistributionCNAMEs", 400, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-cnames", Aliases={"Quantity": 11, "Items": ["n%d.example.com" % i for i in range(11)]}))
expect_error("InvalidOriginAccessControl", 400, cf.create_streaming_distribution,
             StreamingDistributionConfig=seed_config(RUN + "-oac", S3Origin={"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": "origin-access-control/E2QWRUHAPOMQZL"}))
expect_error("InvalidIfMatchVersion", 400, cf.update_streaming_distribution, Id=dist_id, StreamingDistributionConfig=cfg)
expect_error("PreconditionFailed", 412, cf.update_streaming_distribution, Id=dist_id, IfMatch="ESTALEETAG1234", StreamingDistributionConfig=cfg)
expect_error("IllegalUpdate", 400, cf.update_streaming_distribution, Id=dist_id, IfMatch=etag,
             StreamingDistributionConfig=seed_config(RUN + "-renamed"))
expect_error("StreamingDistributionNotDisabled", 409, cf.delete_streaming_distribution, Id=dist_id, IfMatch=etag)
check(cf.get_streaming_distribution(Id=dist_id)["ETag"] == etag, "refused requests changed nothing")

# Update, then disable, wait, delete.
cfg["Comment"] = "updated by boto3"
up = cf.update_streaming_distribution(Id=dist_id, IfMatch=etag, StreamingDistributionConfig=cfg)
check(up["ETag"] != etag and up["StreamingDistribution"]["StreamingDistributionConfig"]["Comment"] == "updated by boto3",
      "update answers a new ETag and the new config")
check(up["StreamingDistribution"]["Status"] == "InProgress", "an updated distribution is InProgress")
cfg["Enabled"] = False
up = cf.update_streaming_distribution(Id=dist_id, IfMatch=up["ETag"], StreamingDistributionConfig=cfg)
wait_deployed(dist_id)
resp = cf.delete_streaming_distribution(Id=dist_id, IfMatch=up["ETag"])
check(resp["ResponseMetadata"]["HTTPStatusCode"] == 204, "delete answers 204")
expect_error("NoSuchStreamingDistribution", 404, cf.get_streaming_distribution_config, Id=dist_id)

# Origin access identities: one in use cannot be deleted.
oai = cf.create_cloud_front_origin_access_identity(
    CloudFrontOriginAccessIdentityConfig={"CallerReference": RUN + "-oai", "Comment": "boto3"})
oai_id = oai["CloudFrontOriginAccessIdentity"]["Id"]
check(len(oai["CloudFrontOriginAccessIdentity"]["S3CanonicalUserId"]) == 64, "OAI has a 64-hex S3CanonicalUserId")
cf.create_streaming_distribution(StreamingDistributionConfig=seed_config(
    RUN + "-with-oai", S3Origin={"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": "origin-access-identity/cloudfront/" + oai_id}))
expect_error("CloudFrontOriginAccessIdentityInUse", 409, cf.delete_cloud_front_origin_access_identity, Id=oai_id, IfMatch=oai["ETag"])
expect_error("CloudFrontOriginAccessIdentityAlreadyExists", 409, cf.create_cloud_front_origin_access_identity,
             CloudFrontOriginAccessIdentityConfig={"CallerReference": RUN + "-oai", "Comment": "again"})
expect_error("InvalidOriginAccessIdentity", 400, cf.create_streaming_distribution, StreamingDistributionConfig=seed_config(
    RUN + "-bad-oai", S3Origin={"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": "origin-access-identity/cloudfront/ENOSUCHOAI1234"}))

print("boto3 flow: all checks passed")

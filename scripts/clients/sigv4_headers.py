#!/usr/bin/env python3
"""Requests signed by botocore's own SigV4 signer over headers the Go SDK's
signer never signs (User-Agent, X-Amzn-Trace-Id, Expect is not sent), and a
request dated by the Date header instead of X-Amz-Date. Environment as for
boto3_auth.py. Exits non-zero on the first failed check."""
import email.utils
import os
import sys
import urllib.request

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint = os.environ["STREAMFRONT_ENDPOINT"]
creds = Credentials(os.environ["KEY_A"], os.environ["SECRET_A"])


def send(req):
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=prepared.body or None, method=prepared.method,
                               headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def check(what, ok, detail=""):
    if not ok:
        print("FAIL:", what, detail)
        sys.exit(1)
    print("ok:", what)


# 1. Sign every header sent, User-Agent and X-Amzn-Trace-Id included.
botocore.auth.SIGNED_HEADERS_BLACKLIST = []
req = AWSRequest(method="GET", url=endpoint + "/2020-05-31/streaming-distribution?MaxItems=5",
                 headers={"User-Agent": "inventory-tool/1.0 (signs its user agent)",
                          "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"})
botocore.auth.SigV4Auth(creds, "cloudfront", "us-east-1").add_auth(req)
signed = req.headers["Authorization"]
check("user-agent and x-amzn-trace-id are signed", "user-agent" in signed and "x-amzn-trace-id" in signed, signed)
status, body = send(req)
check("a request that signs User-Agent is accepted", status == 200, f"{status} {body}")

# The same signature with another User-Agent is refused.
req.headers.replace_header("User-Agent", "someone-else/2.0")
status, body = send(req)
check("a changed signed User-Agent is refused", status == 403 and "SignatureDoesNotMatch" in body, f"{status} {body}")

# 2. Dated by the Date header: botocore itself signs that way when a request
# carries one (it rewrites it as "Tue, 01 Dec 2026 08:45:32 -0000" and sends
# no X-Amz-Date).
req = AWSRequest(method="GET", url=endpoint + "/2020-05-31/origin-access-identity/cloudfront",
                 headers={"Date": email.utils.formatdate(usegmt=True)})
botocore.auth.SigV4Auth(creds, "cloudfront", "us-east-1").add_auth(req)
check("botocore dates by Date, without X-Amz-Date", "X-Amz-Date" not in req.headers and "date;host" in req.headers["Authorization"],
      str(dict(req.headers.items())))
status, body = send(req)
check("a request dated by the Date header is accepted", status == 200, f"{status} {body}")

# 3. The tagging API: the same keys, signed for service "tagging".
req = AWSRequest(method="POST", url=endpoint + "/", data=b"{}",
                 headers={"X-Amz-Target": "ResourceGroupsTaggingAPI_20170126.GetTagKeys",
                          "Content-Type": "application/x-amz-json-1.1", "User-Agent": "signed-too"})
botocore.auth.SigV4Auth(creds, "tagging", "us-east-1").add_auth(req)
status, body = send(req)
check("a signed tagging call is accepted", status == 200 and "TagKeys" in body, f"{status} {body}")

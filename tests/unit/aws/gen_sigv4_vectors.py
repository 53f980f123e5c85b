#!/usr/bin/python3
"""Regenerates data/sigv4_vectors.json: requests signed by botocore's SigV4Auth at a fixed time.

Run with Debian's python3 (apt python3-botocore):  /usr/bin/python3 gen_sigv4_vectors.py > data/sigv4_vectors.json
Each vector names the request as sent on the wire (method, raw target, headers, body) and what
botocore computed (canonical request, string to sign, Authorization header). Names follow the AWS
SigV4 test suite where the case is the same.
"""
import datetime
import json
import sys
from unittest import mock

import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime.datetime(2015, 8, 30, 12, 36, 0)
HOST = "example.amazonaws.com"

CASES = [
    ("get-vanilla", "GET", "/", {}, b"", "service", "us-east-1"),
    ("get-vanilla-query", "GET", "/?", {}, b"", "service", "us-east-1"),
    ("get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", {}, b"", "service", "us-east-1"),
    ("get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=Value1", {}, b"", "service", "us-east-1"),
    ("get-vanilla-query-unreserved", "GET",
     "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {}, b"", "service", "us-east-1"),
    ("get-vanilla-utf8-query", "GET", "/?%E1%88%B4=bar", {}, b"", "service", "us-east-1"),
    ("get-vanilla-query-space", "GET", "/?Param1=value%201&Param2=a%2Fb", {}, b"", "service", "us-east-1"),
    ("get-utf8", "GET", "/%E1%88%B4", {}, b"", "service", "us-east-1"),
    ("get-space", "GET", "/example%20space/", {}, b"", "service", "us-east-1"),
    ("get-slash", "GET", "//", {}, b"", "service", "us-east-1"),
    ("get-slash-dot-slash", "GET", "/./", {}, b"", "service", "us-east-1"),
    ("get-slashes", "GET", "//example//", {}, b"", "service", "us-east-1"),
    ("get-relative", "GET", "/example/..", {}, b"", "service", "us-east-1"),
    ("get-relative-relative", "GET", "/example1/example2/../..", {}, b"", "service", "us-east-1"),
    ("get-slash-pointless-dot", "GET", "/./example", {}, b"", "service", "us-east-1"),
    ("get-header-value-trim", "GET", "/", {"My-Header1": " value1", "My-Header2": ' "a   b   c" '}, b"", "service", "us-east-1"),
    ("get-header-key-case", "GET", "/", {"MY-HEADER": "Value"}, b"", "service", "us-east-1"),
    ("post-vanilla", "POST", "/", {}, b"", "service", "us-east-1"),
    ("post-header-key-sort", "POST", "/", {"My-Header1": "value1"}, b"", "service", "us-east-1"),
    ("post-x-www-form-urlencoded", "POST", "/",
     {"Content-Type": "application/x-www-form-urlencoded"}, b"Param1=value1", "service", "us-east-1"),
    ("post-ecs-runtask", "POST", "/",
     {"Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask"},
     b'{"taskDefinition": "web:1", "count": 2, "overrides": {"containerOverrides": [{"name": "app", "environment": [{"name": "K", "value": "v \\u00e9"}]}]}}',
     "ecs", "local"),
    ("post-logs-putlogevents", "POST", "/",
     {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.PutLogEvents"},
     b'{"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 1440938160000, "message": "hello"}]}',
     "logs", "eu-west-1"),
]


def sign(name, method, target, headers, body, service, region):
    url = "http://" + HOST + target
    hdrs = {"Host": HOST}
    hdrs.update(headers)
    req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
    auth = SigV4Auth(Credentials(AKID, SECRET), service, region)
    seen = {}
    real_sts = auth.string_to_sign

    def record(request, canonical_request):
        seen["canonical"] = canonical_request
        seen["sts"] = real_sts(request, canonical_request)
        return seen["sts"]

    auth.string_to_sign = record
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = WHEN
        auth.add_auth(req)
    canonical, sts = seen["canonical"], seen["sts"]
    return {
        "name": name,
        "method": method,
        "target": target,
        "headers": {k: v for k, v in req.headers.items()},
        "body": body.decode("utf-8"),
        "canonical_request": canonical,
        "string_to_sign": sts,
        "authorization": req.headers["Authorization"],
    }


def presign(name, target, expires):
    from botocore.auth import SigV4QueryAuth
    req = AWSRequest(method="GET", url="http://" + HOST + target, headers={"Host": HOST})
    auth = SigV4QueryAuth(Credentials(AKID, SECRET), "service", "us-east-1", expires=expires)
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = WHEN
        auth.add_auth(req)
    return {"name": name, "method": "GET", "target": req.url[len("http://" + HOST):],
            "headers": {"Host": HOST}, "body": "", "expires": expires}


out = {
    "generator": "botocore " + botocore.__version__,
    "access_key_id": AKID,
    "secret": SECRET,
    "time": int(WHEN.replace(tzinfo=datetime.timezone.utc).timestamp()),
    "vectors": [sign(*c) for c in CASES],
    "presigned": [presign("presigned-get", "/?Action=ListUsers&Version=2010-05-08", 300)],
}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")

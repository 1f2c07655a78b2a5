"""Raw requests signed by botocore's own SigV4 signers, for probing the edge below the SDK's conveniences."""

import datetime
import http.client
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

APPRUNNER_JSON = "application/x-amz-json-1.0"


def sign(server, method, path, body=b"", headers=None, service="apprunner", region="us-east-1",
         shift=datetime.timedelta(0), secret=None, query_auth=False, expires=300):
    """A signed request as (method, path_with_query, headers, body), signing time shifted by `shift`."""
    req = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=dict(headers or {}))
    creds = Credentials(server.access_key_id, secret or server.secret_access_key)
    at = datetime.datetime.now(datetime.timezone.utc) + shift
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        if query_auth:
            SigV4QueryAuth(creds, service, region, expires=expires).add_auth(req)
        else:
            SigV4Auth(creds, service, region).add_auth(req)
    prepared = req.prepare()
    url = urlsplit(prepared.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    return prepared.method, target, dict(prepared.headers), prepared.body or b""


def send(server, method, target, headers=None, body=b""):
    """Send over a plain HTTP/1.1 connection; returns (status, headers as a lower-cased dict, body bytes)."""
    host = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def signed_json(server, target_header, body=b"{}", content_type=APPRUNNER_JSON, **kw):
    headers = {"Content-Type": content_type, "X-Amz-Target": target_header}
    return sign(server, "POST", "/", body=body, headers=headers, **kw)

"""The foundation, driven by real clients: boto3 and the AWS CLI against the trailrunner binary."""

import json
import os
import stat

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import start_server, stop_server


def test_sts_get_caller_identity_with_boto3(server):
    ident = server.client("sts").get_caller_identity()
    assert ident["Account"] == server.account_id
    assert ident["Arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert ident["UserId"] == server.account_id
    assert len(ident["ResponseMetadata"]["RequestId"]) == 36


def test_apprunner_list_services_with_boto3(server):
    resp = server.client("apprunner").list_services()
    assert resp["ServiceSummaryList"] == []
    assert "NextToken" not in resp
    assert resp["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.0"


def test_cli_through_trailrunner_env(server):
    out = json.loads(server.aws("sts", "get-caller-identity").stdout)
    assert out["Account"] == server.account_id
    assert out["Arn"] == f"arn:aws:iam::{server.account_id}:root"
    out = json.loads(server.aws("apprunner", "list-services").stdout)
    assert out == {"ServiceSummaryList": []}


def test_cli_wrong_secret_is_invalid_signature(server):
    env = server.cli_env(AWS_SECRET_ACCESS_KEY="x" * 40)
    proc = server.aws("apprunner", "list-services", env=env, check=False)
    assert proc.returncode != 0
    assert "(InvalidSignatureException)" in proc.stderr
    assert "The request signature we calculated does not match" in proc.stderr
    proc = server.aws("sts", "get-caller-identity", env=env, check=False)
    assert "(SignatureDoesNotMatch)" in proc.stderr


def test_cli_unknown_key_is_unrecognized_client(server):
    env = server.cli_env(AWS_ACCESS_KEY_ID="AKIAUNKNOWNKEY000000")
    proc = server.aws("apprunner", "list-services", env=env, check=False)
    assert proc.returncode != 0
    assert "(UnrecognizedClientException)" in proc.stderr
    assert "The security token included in the request is invalid." in proc.stderr
    proc = server.aws("sts", "get-caller-identity", env=env, check=False)
    assert "(InvalidClientTokenId)" in proc.stderr


@pytest.mark.parametrize("max_results", [0, 21])
def test_list_services_max_results_out_of_range(server, max_results):
    # botocore checks the minimum itself; switch that off so the server's own check is what answers.
    unchecked = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
    with pytest.raises(ClientError) as e:
        server.client("apprunner", config=unchecked).list_services(MaxResults=max_results)
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidRequestException"
    assert "1 validation error detected" in err["Message"]
    assert "maxResults" in err["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("token", ["not-a-token", "A" * 40, "x" * 5000])
def test_list_services_rejects_forged_next_token(server, token):
    with pytest.raises(ClientError) as e:
        server.client("apprunner").list_services(NextToken=token)
    assert e.value.response["Error"]["Code"] == "InvalidRequestException"


def test_unbuilt_operation_is_an_explicit_501(server):
    with pytest.raises(ClientError) as e:
        server.client("cloudtrail").get_insight_selectors(TrailName="any-trail")
    assert e.value.response["Error"]["Code"] == "NotImplementedException"
    assert "GetInsightSelectors" in e.value.response["Error"]["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_cloudtrail_operations_are_routed(server):
    assert server.client("cloudtrail").describe_trails()["trailList"] == []
    with pytest.raises(ClientError) as e:
        server.client("cloudtrail").list_event_data_stores()  # CloudTrail Lake: not built
    assert e.value.response["Error"]["Code"] == "NotImplementedException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_restart_reuses_the_account_and_keys(fresh_dir):
    first = start_server(fresh_dir / "d")
    try:
        key = first.access_key_id
        assert first.client("sts").get_caller_identity()["Account"] == "123456789012"
    finally:
        assert stop_server(first) == 0
    creds = fresh_dir / "d" / "root-credentials.json"
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(fresh_dir / "d").st_mode) == 0o700
    second = start_server(fresh_dir / "d")
    try:
        assert second.access_key_id == key
        assert second.client("sts").get_caller_identity()["Account"] == "123456789012"
    finally:
        assert stop_server(second) == 0


def test_account_id_flag_for_a_new_data_dir_and_mismatch_refused(fresh_dir):
    srv = start_server(fresh_dir / "d", "--account-id", "210987654321")
    try:
        assert srv.client("sts").get_caller_identity()["Account"] == "210987654321"
    finally:
        assert stop_server(srv) == 0
    with pytest.raises(RuntimeError, match="does not match"):
        start_server(fresh_dir / "d", "--account-id", "111111111111")

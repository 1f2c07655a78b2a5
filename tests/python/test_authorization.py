"""Authorization: identity-based policies enforced on every call, refusals answered and recorded as AWS does."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from records import record_of

READ_ONLY = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"],
                            "Resource": "*"}]}
IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/aws-containers/hello-app-runner:latest",
                             "ImageRepositoryType": "ECR_PUBLIC"}}


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    err = e.value.response["Error"]
    return err["Code"], err["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"], e.value.response


@pytest.fixture
def iam(server):
    return server.client("iam")


@pytest.fixture
def user(server, iam):
    """A fresh IAM user without policies, with an access key; deleted afterwards."""
    n = name("authz")
    created = iam.create_user(UserName=n)["User"]
    key = iam.create_access_key(UserName=n)["AccessKey"]
    yield {"name": n, "arn": created["Arn"], "id": created["UserId"], "key": key}
    for p in iam.list_user_policies(UserName=n)["PolicyNames"]:
        iam.delete_user_policy(UserName=n, PolicyName=p)
    iam.delete_access_key(UserName=n, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=n)


def as_user(server, user, service):
    return server.client(service, aws_access_key_id=user["key"]["AccessKeyId"],
                         aws_secret_access_key=user["key"]["SecretAccessKey"])


def put_policy(iam, user, document, policy_name="p"):
    iam.put_user_policy(UserName=user["name"], PolicyName=policy_name, PolicyDocument=json.dumps(document))


def denied_message(user, action, resource, explicit=False):
    why = ("with an explicit deny in an identity-based policy" if explicit
           else f"because no identity-based policy allows the {action} action")
    return f"User: {user['arn']} is not authorized to perform: {action} on resource: {resource} {why}"


def test_read_only_user_lists_but_cannot_create_with_the_cli(server, iam, user):
    put_policy(iam, user, READ_ONLY)
    env = server.cli_env(AWS_ACCESS_KEY_ID=user["key"]["AccessKeyId"],
                         AWS_SECRET_ACCESS_KEY=user["key"]["SecretAccessKey"])
    listed = json.loads(server.aws("apprunner", "list-services", env=env).stdout)
    assert "ServiceSummaryList" in listed
    svc = name("web")
    proc = server.aws("apprunner", "create-service", "--service-name", svc,
                      "--source-configuration", json.dumps(IMAGE), env=env, check=False)
    assert proc.returncode != 0
    resource = f"arn:aws:apprunner:{server.region}:{server.account_id}:service/{svc}/*"
    expected = denied_message(user, "apprunner:CreateService", resource)
    assert (f"An error occurred (AccessDeniedException) when calling the CreateService operation: {expected}"
            in proc.stderr)
    # Nothing was created.
    assert svc not in [s["ServiceName"] for s in server.client("apprunner").list_services()["ServiceSummaryList"]]


def test_the_refusal_is_answered_and_recorded_as_aws_does(server, iam, user):
    put_policy(iam, user, READ_ONLY)
    svc = name("web")
    code, message, status, response = error_of(
        as_user(server, user, "apprunner").create_service, ServiceName=svc, SourceConfiguration=IMAGE)
    resource = f"arn:aws:apprunner:{server.region}:{server.account_id}:service/{svc}/*"
    assert (code, message, status) == (
        "AccessDeniedException", denied_message(user, "apprunner:CreateService", resource), 400)
    event, record = record_of(server, response["ResponseMetadata"]["RequestId"], "CreateService")
    assert record["errorCode"] == "AccessDenied"
    assert record["errorMessage"] == message
    assert record["responseElements"] is None
    assert record["requestParameters"]["serviceName"] == svc
    assert record["eventSource"] == "apprunner.amazonaws.com"
    assert record["userIdentity"] == {
        "type": "IAMUser", "principalId": user["id"], "arn": user["arn"], "accountId": server.account_id,
        "accessKeyId": user["key"]["AccessKeyId"], "userName": user["name"],
    }
    assert event["Username"] == user["name"]


def test_explicit_deny_beats_allow(server, iam, user):
    put_policy(iam, user, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "apprunner:ListServices", "Resource": "*"},
    ]})
    apprunner = as_user(server, user, "apprunner")
    code, message, status, _ = error_of(apprunner.list_services)
    assert (code, message, status) == (
        "AccessDeniedException", denied_message(user, "apprunner:ListServices", "*", explicit=True), 400)
    assert "AutoScalingConfigurationSummaryList" in apprunner.list_auto_scaling_configurations()


def test_a_user_without_policies_may_only_ask_who_it_is(server, user):
    assert as_user(server, user, "sts").get_caller_identity()["Arn"] == user["arn"]
    code, message, status, _ = error_of(as_user(server, user, "apprunner").list_services)
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == denied_message(user, "apprunner:ListServices", "*")
    code, message, status, _ = error_of(as_user(server, user, "cloudtrail").lookup_events)
    assert (code, status, message) == ("AccessDeniedException", 400,
                                       denied_message(user, "cloudtrail:LookupEvents", "*"))
    # awsQuery services answer AccessDenied with 403.
    code, message, status, response = error_of(as_user(server, user, "iam").list_users)
    assert (code, status, message) == ("AccessDenied", 403, denied_message(user, "iam:ListUsers", "*"))
    _, record = record_of(server, response["ResponseMetadata"]["RequestId"], "ListUsers")
    assert (record["errorCode"], record["errorMessage"]) == ("AccessDenied", message)
    code, message, status, _ = error_of(as_user(server, user, "iam").get_user)
    assert (code, status, message) == ("AccessDenied", 403, denied_message(user, "iam:GetUser", user["arn"]))


def test_a_policy_change_governs_the_next_call(server, iam, user):
    apprunner = as_user(server, user, "apprunner")
    assert error_of(apprunner.list_services)[0] == "AccessDeniedException"
    put_policy(iam, user, READ_ONLY)
    assert "ServiceSummaryList" in apprunner.list_services()
    put_policy(iam, user, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:Describe*", "Resource": "*"}]})
    assert error_of(apprunner.list_services)[0] == "AccessDeniedException"
    put_policy(iam, user, READ_ONLY)
    assert "ServiceSummaryList" in apprunner.list_services()
    iam.delete_user_policy(UserName=user["name"], PolicyName="p")
    assert error_of(apprunner.list_services)[0] == "AccessDeniedException"


@pytest.mark.parametrize("cidr,allowed", [("127.0.0.1/32", True), ("10.0.0.0/8", False)])
def test_source_ip_condition(server, iam, user, cidr, allowed):
    put_policy(iam, user, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": cidr}}}]})
    apprunner = as_user(server, user, "apprunner")
    if allowed:
        assert "ServiceSummaryList" in apprunner.list_services()
    else:
        assert error_of(apprunner.list_services)[0:3] == (
            "AccessDeniedException", denied_message(user, "apprunner:ListServices", "*"), 400)


def test_requested_region_and_resource_conditions(server, iam, user):
    put_policy(iam, user, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"}]})
    key = user["key"]
    eu = server.with_region("eu-west-1").client(
        "apprunner", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert "ServiceSummaryList" in eu.list_services()
    assert error_of(as_user(server, user, "apprunner").list_services)[0] == "AccessDeniedException"
    assert as_user(server, user, "iam").get_user()["User"]["Arn"] == user["arn"]
    assert error_of(as_user(server, user, "iam").get_user, UserName="someone-else")[0:3] == (
        "AccessDenied",
        denied_message(user, "iam:GetUser", f"arn:aws:iam::{server.account_id}:user/someone-else"), 403)


def test_root_is_allowed_everything(server, iam):
    n = name("rootmade")
    iam.create_user(UserName=n)
    iam.put_user_policy(UserName=n, PolicyName="deny", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    assert "ServiceSummaryList" in server.client("apprunner").list_services()
    assert "Events" in server.client("cloudtrail").lookup_events(MaxResults=1)
    iam.delete_user_policy(UserName=n, PolicyName="deny")
    iam.delete_user(UserName=n)

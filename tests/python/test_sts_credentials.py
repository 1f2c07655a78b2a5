"""STS temporary credentials (AssumeRole, GetSessionToken, GetFederationToken) and the userIdentity of the calls
made with them, with boto3 and the AWS CLI.

Every user and role here is given policies allowing what the test does, so the tests hold whether or not
authorization is enforced at the edge."""

import json
import re
import time
import urllib.request
import uuid
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from records import lookup, record_of

ASIA = re.compile(r"^ASIA[A-Z2-7]{16}$")
ROLE_ID = re.compile(r"^AROA[A-Z2-7]{17}$")
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
USER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "sts:AssumeRole", "sts:GetSessionToken", "sts:GetFederationToken", "apprunner:List*", "apprunner:Describe*"],
    "Resource": "*"}]}
READ_APPRUNNER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]}
INVALID_TOKEN = "The security token included in the request is invalid."


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    err = e.value.response["Error"]
    return err["Code"], err["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def new_user(server, prefix="user"):
    iam = server.client("iam")
    user = iam.create_user(UserName=name(prefix))["User"]
    iam.put_user_policy(UserName=user["UserName"], PolicyName="sts", PolicyDocument=json.dumps(USER_POLICY))
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    return user, key


def new_role(server, principal_arns, max_session=None):
    iam = server.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal_arns},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}]}
    args = {"MaxSessionDuration": max_session} if max_session else {}
    role = iam.create_role(RoleName=name("role"), Path="/ops/", AssumeRolePolicyDocument=json.dumps(trust),
                           **args)["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="read", PolicyDocument=json.dumps(READ_APPRUNNER))
    return role


def as_key(server, key, service):
    return server.client(service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def as_creds(server, creds, service, token=None):
    return server.client(service, aws_access_key_id=creds["AccessKeyId"],
                         aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"] if token is None else token)


def iso_recent(text):
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return abs(when.timestamp() - time.time()) < 120


def test_assumed_role_credentials_work_and_are_recorded_as_assumed_role(server):
    srv = server.with_region("eu-west-1")
    user, key = new_user(srv, "alice")
    role = new_role(srv, user["Arn"])
    sts = as_key(srv, key, "sts")
    resp = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ci-run", DurationSeconds=900,
                           SourceIdentity=user["UserName"])
    creds = resp["Credentials"]
    assert ASIA.match(creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40 and len(creds["SessionToken"]) >= 100
    assert 880 <= (creds["Expiration"] - datetime.now(timezone.utc)).total_seconds() <= 920
    assert resp["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:ci-run",
        "Arn": f"arn:aws:sts::{srv.account_id}:assumed-role/{role['RoleName']}/ci-run",
    }
    assert resp["SourceIdentity"] == user["UserName"]

    # AssumeRole's own record: the signing region, the caller (the user), no secret and no token.
    _, rec = record_of(srv, resp["ResponseMetadata"]["RequestId"], "AssumeRole")
    assert rec["awsRegion"] == "eu-west-1" and rec["eventSource"] == "sts.amazonaws.com"
    assert rec["userIdentity"]["type"] == "IAMUser" and rec["userIdentity"]["userName"] == user["UserName"]
    shown = rec["responseElements"]["credentials"]
    assert shown["accessKeyId"] == creds["AccessKeyId"]
    assert shown["secretAccessKey"] == HIDDEN and shown["sessionToken"] == HIDDEN
    assert "expiration" in shown
    text = json.dumps(rec)
    assert creds["SessionToken"] not in text and creds["SecretAccessKey"] not in text
    assert rec["requestParameters"]["roleArn"] == role["Arn"]
    assert rec["requestParameters"]["roleSessionName"] == "ci-run"

    me = as_creds(srv, creds, "sts").get_caller_identity()
    assert me["UserId"] == f"{role['RoleId']}:ci-run" and ROLE_ID.match(me["UserId"].split(":")[0])
    assert me["Arn"] == resp["AssumedRoleUser"]["Arn"] and me["Account"] == srv.account_id

    event, rec = record_of(srv, me["ResponseMetadata"]["RequestId"], "GetCallerIdentity")
    assert rec["awsRegion"] == "eu-west-1"
    ui = rec["userIdentity"]
    assert ui == {
        "type": "AssumedRole",
        "principalId": f"{role['RoleId']}:ci-run",
        "arn": resp["AssumedRoleUser"]["Arn"],
        "accountId": srv.account_id,
        "accessKeyId": creds["AccessKeyId"],
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role["RoleId"], "arn": role["Arn"],
                              "accountId": srv.account_id, "userName": role["RoleName"]},
            "webIdFederationData": {},
            "attributes": {"creationDate": ui["sessionContext"]["attributes"]["creationDate"],
                           "mfaAuthenticated": "false"},
            "sourceIdentity": user["UserName"],
        },
    }
    assert iso_recent(ui["sessionContext"]["attributes"]["creationDate"])
    # Event history: Username is the session name, AccessKeyId the temporary key.
    assert event["Username"] == "ci-run" and event["AccessKeyId"] == creds["AccessKeyId"]
    by_name = lookup(srv, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "ci-run"}],
                     StartTime=time.time() - 600)
    assert any(json.loads(e["CloudTrailEvent"])["requestID"] == rec["requestID"] for e in by_name)


def test_untrusted_callers_and_unknown_roles_are_refused(server):
    alice, _ = new_user(server, "alice")
    bob, bob_key = new_user(server, "bob")
    role = new_role(server, alice["Arn"])
    sts = as_key(server, bob_key, "sts")
    code, message, status = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="s1")
    assert (code, status) == ("AccessDenied", 403)
    assert message == f"User: {bob['Arn']} is not authorized to perform: sts:AssumeRole on resource: {role['Arn']}"
    missing = f"arn:aws:iam::{server.account_id}:role/{name('nope')}"
    code, message, _ = error_of(sts.assume_role, RoleArn=missing, RoleSessionName="s1")
    assert code == "AccessDenied" and message.endswith(f"on resource: {missing}")
    # The refusal is recorded, under the caller who was refused.
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s2")
    _, rec = record_of(server, e.value.response["ResponseMetadata"]["RequestId"], "AssumeRole")
    assert rec["errorCode"] == "AccessDenied" and rec["userIdentity"]["userName"] == bob["UserName"]


def test_assume_role_limits(server):
    user, key = new_user(server)
    role = new_role(server, user["Arn"])
    sts = as_key(server, key, "sts")
    code, message, _ = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=7200)
    assert (code, message) == (
        "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    code, _, _ = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="bad name!")
    assert code == "ValidationError"
    long_role = new_role(server, user["Arn"], max_session=7200)
    creds = sts.assume_role(RoleArn=long_role["Arn"], RoleSessionName="s1", DurationSeconds=7200)["Credentials"]
    assert 7100 <= (creds["Expiration"] - datetime.now(timezone.utc)).total_seconds() <= 7300


def test_session_token_credentials_keep_the_user_and_add_a_session(server):
    user, key = new_user(server)
    resp = as_key(server, key, "sts").get_session_token(DurationSeconds=900)
    creds = resp["Credentials"]
    assert ASIA.match(creds["AccessKeyId"])
    assert 880 <= (creds["Expiration"] - datetime.now(timezone.utc)).total_seconds() <= 920
    me = as_creds(server, creds, "sts").get_caller_identity()
    assert me["Arn"] == user["Arn"] and me["UserId"] == user["UserId"]

    listed = as_creds(server, creds, "apprunner").list_services()
    event, rec = record_of(server, listed["ResponseMetadata"]["RequestId"], "ListServices")
    ui = rec["userIdentity"]
    assert {k: v for k, v in ui.items() if k != "sessionContext"} == {
        "type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"], "accountId": server.account_id,
        "accessKeyId": creds["AccessKeyId"], "userName": user["UserName"]}
    assert ui["sessionContext"]["sessionIssuer"] == {}
    assert ui["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert event["Username"] == user["UserName"]

    # Without MFA, session-token credentials cannot call IAM (it does not recognise them) ...
    code, message, status = error_of(as_creds(server, creds, "iam").list_users)
    assert (code, message, status) == ("InvalidClientTokenId", INVALID_TOKEN, 403)
    # ... nor get another session token or a federation token.
    code, message, status = error_of(as_creds(server, creds, "sts").get_session_token)
    assert (code, message, status) == ("AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
    code, message, _ = error_of(as_creds(server, creds, "sts").get_federation_token, Name="x1")
    assert (code, message) == ("AccessDenied", "Cannot call GetFederationToken with session credentials")


def test_federation_token_credentials_are_recorded_as_federated_user(server):
    user, key = new_user(server)
    fed = name("fed")[:32]
    resp = as_key(server, key, "sts").get_federation_token(Name=fed, Policy=json.dumps(READ_APPRUNNER),
                                                           DurationSeconds=900)
    creds = resp["Credentials"]
    assert ASIA.match(creds["AccessKeyId"])
    assert resp["FederatedUser"] == {"FederatedUserId": f"{server.account_id}:{fed}",
                                     "Arn": f"arn:aws:sts::{server.account_id}:federated-user/{fed}"}
    _, rec = record_of(server, resp["ResponseMetadata"]["RequestId"], "GetFederationToken")
    # Get* operations are readOnly, and read-only calls record no response: nothing of the credentials shows.
    assert rec["readOnly"] is True and rec["responseElements"] is None
    assert creds["SessionToken"] not in json.dumps(rec) and creds["SecretAccessKey"] not in json.dumps(rec)
    assert rec["requestParameters"]["name"] == fed

    me = as_creds(server, creds, "sts").get_caller_identity()
    assert me["Arn"] == resp["FederatedUser"]["Arn"] and me["UserId"] == f"{server.account_id}:{fed}"
    event, rec = record_of(server, me["ResponseMetadata"]["RequestId"], "GetCallerIdentity")
    ui = rec["userIdentity"]
    assert ui == {
        "type": "FederatedUser",
        "principalId": f"{server.account_id}:{fed}",
        "arn": resp["FederatedUser"]["Arn"],
        "accountId": server.account_id,
        "accessKeyId": creds["AccessKeyId"],
        "sessionContext": {
            "sessionIssuer": {"type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"],
                              "accountId": server.account_id, "userName": user["UserName"]},
            "webIdFederationData": {},
            "attributes": {"creationDate": ui["sessionContext"]["attributes"]["creationDate"],
                           "mfaAuthenticated": "false"},
        },
    }
    assert event["Username"] == fed
    code, message, _ = error_of(as_creds(server, creds, "iam").list_users)
    assert (code, message) == ("InvalidClientTokenId", INVALID_TOKEN)
    code, _, _ = error_of(server.client("sts").get_federation_token, Name="x1", Policy="not a policy")
    assert code in ("MalformedPolicyDocument", "ValidationError")


def test_root_federation_token_is_issued_by_root(server):
    resp = server.client("sts").get_federation_token(Name="rootfed", Policy=json.dumps(READ_APPRUNNER))
    creds = resp["Credentials"]
    # Root sessions last at most an hour.
    assert (creds["Expiration"] - datetime.now(timezone.utc)).total_seconds() <= 3700
    me = as_creds(server, creds, "sts").get_caller_identity()
    _, rec = record_of(server, me["ResponseMetadata"]["RequestId"], "GetCallerIdentity")
    assert rec["userIdentity"]["sessionContext"]["sessionIssuer"] == {
        "type": "Root", "principalId": server.account_id, "arn": f"arn:aws:iam::{server.account_id}:root",
        "accountId": server.account_id}


def test_wrong_or_missing_session_tokens_are_refused(server):
    user, key = new_user(server)
    creds = as_key(server, key, "sts").get_session_token(DurationSeconds=900)["Credentials"]
    wrong = creds["SessionToken"][:-4] + ("AAAA" if not creds["SessionToken"].endswith("AAAA") else "BBBB")
    code, message, status = error_of(as_creds(server, creds, "sts", token=wrong).get_caller_identity)
    assert (code, message, status) == ("InvalidClientTokenId", INVALID_TOKEN, 403)
    code, message, status = error_of(as_creds(server, creds, "apprunner", token=wrong).list_services)
    assert (code, message, status) == ("UnrecognizedClientException", INVALID_TOKEN, 403)
    no_token = server.client("sts", aws_access_key_id=creds["AccessKeyId"],
                             aws_secret_access_key=creds["SecretAccessKey"])
    code, message, _ = error_of(no_token.get_caller_identity)
    assert (code, message) == ("InvalidClientTokenId", INVALID_TOKEN)
    # A long-term key with a session token is refused too.
    code, _, _ = error_of(server.client("sts", aws_session_token=creds["SessionToken"]).get_caller_identity)
    assert code == "InvalidClientTokenId"
    # The secret alone proves nothing: a right token with a wrong secret fails the signature.
    bad_secret = dict(creds, SecretAccessKey="x" * 40)
    code, _, _ = error_of(as_creds(server, bad_secret, "sts").get_caller_identity)
    assert code == "SignatureDoesNotMatch"


def test_cli_assume_role(server):
    user, key = new_user(server, "cli")
    role = new_role(server, user["Arn"])
    env = server.cli_env(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    out = json.loads(server.aws("sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "cli-s",
                                "--duration-seconds", "900", env=env).stdout)
    creds = out["Credentials"]
    assert ASIA.match(creds["AccessKeyId"]) and out["AssumedRoleUser"]["AssumedRoleId"].endswith(":cli-s")
    env = server.cli_env(AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                         AWS_SESSION_TOKEN=creds["SessionToken"])
    me = json.loads(server.aws("sts", "get-caller-identity", env=env).stdout)
    assert me["Arn"] == out["AssumedRoleUser"]["Arn"]


def test_assumed_role_calls_are_governed_by_the_role_policy(server):
    user, key = new_user(server)
    role = new_role(server, user["Arn"])
    creds = as_key(server, key, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="app")["Credentials"]
    apprunner = as_creds(server, creds, "apprunner")
    listed = apprunner.list_services()
    _, rec = record_of(server, listed["ResponseMetadata"]["RequestId"], "ListServices")
    assert rec["userIdentity"]["type"] == "AssumedRole"
    code, _, _ = error_of(apprunner.delete_service, ServiceArn=f"arn:aws:apprunner:us-east-1:{server.account_id}:"
                                                              "service/x/0123456789abcdef0123456789abcdef")
    assert code == "AccessDeniedException"


def test_federated_calls_are_governed_by_the_federation_policy(server):
    user, key = new_user(server)
    creds = as_key(server, key, "sts").get_federation_token(
        Name="fedcalls", Policy=json.dumps(READ_APPRUNNER))["Credentials"]
    listed = as_creds(server, creds, "apprunner").list_services()
    _, rec = record_of(server, listed["ResponseMetadata"]["RequestId"], "ListServices")
    assert rec["userIdentity"]["type"] == "FederatedUser"


def test_role_chaining(server):
    user, key = new_user(server)
    role = new_role(server, user["Arn"], max_session=7200)
    iam = server.client("iam")
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="sts", PolicyDocument=json.dumps(USER_POLICY))
    # A role's sessions assume it again only if its trust policy names the role too.
    iam.update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": [user["Arn"], role["Arn"]]},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}]}))
    creds = as_key(server, key, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="first",
                                                   SourceIdentity="origin")["Credentials"]
    chained = as_creds(server, creds, "sts")
    # Role chaining: at most one hour; the source identity carries over; no other kinds of tokens.
    code, message, _ = error_of(chained.assume_role, RoleArn=role["Arn"], RoleSessionName="c1", DurationSeconds=7200)
    assert code == "ValidationError" and "role chaining" in message
    again = chained.assume_role(RoleArn=role["Arn"], RoleSessionName="second")
    assert again["SourceIdentity"] == "origin"
    code, message, status = error_of(chained.get_session_token)
    assert (code, message, status) == ("AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
    code, message, _ = error_of(chained.get_federation_token, Name="x1")
    assert (code, message) == ("AccessDenied", "Cannot call GetFederationToken with session credentials")



def test_a_federation_token_without_a_policy_allows_nothing(server):
    # GetFederationToken's documentation: without a session policy, the federated user has no permissions.
    user, key = new_user(server)
    creds = as_key(server, key, "sts").get_federation_token(Name="nopolicy")["Credentials"]
    code, _, _ = error_of(as_creds(server, creds, "apprunner").list_services)
    assert code == "AccessDeniedException"


def test_an_assume_role_session_policy_narrows_the_role(server):
    user, key = new_user(server)
    role = new_role(server, user["Arn"])  # the role may List* and Describe*
    only_describe = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:Describe*", "Resource": "*"}]}
    creds = as_key(server, key, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="narrow",
                                                   Policy=json.dumps(only_describe))["Credentials"]
    code, message, _ = error_of(as_creds(server, creds, "apprunner").list_services)
    assert code == "AccessDeniedException" and "apprunner:ListServices" in message


def test_a_trust_policy_naming_the_user_needs_no_identity_permission(server):
    # IAM's evaluation logic: in one account, a resource-based policy (here the role's trust policy) that names
    # the principal grants by itself; one that names the account leaves it to the principal's own policies.
    iam = server.client("iam")
    reader = iam.create_user(UserName=name("reader"))["User"]
    iam.put_user_policy(UserName=reader["UserName"], PolicyName="read", PolicyDocument=json.dumps(READ_APPRUNNER))
    key = iam.create_access_key(UserName=reader["UserName"])["AccessKey"]
    by_name = new_role(server, reader["Arn"])
    sts = as_key(server, key, "sts")
    creds = sts.assume_role(RoleArn=by_name["Arn"], RoleSessionName="named")["Credentials"]
    assert as_creds(server, creds, "apprunner").list_services()["ResponseMetadata"]["HTTPStatusCode"] == 200
    by_account = new_role(server, f"arn:aws:iam::{server.account_id}:root")
    code, message, _ = error_of(sts.assume_role, RoleArn=by_account["Arn"], RoleSessionName="account")
    assert code == "AccessDenied" and "sts:AssumeRole" in message


def test_presigned_urls_carry_session_tokens(server):
    # botocore presigns for the model's method (POST for STS) unless told otherwise; both forms must verify, and
    # temporary credentials travel as X-Amz-Security-Token in the query string.
    user, key = new_user(server)
    creds = as_key(server, key, "sts").get_session_token(DurationSeconds=900)["Credentials"]
    sts = as_creds(server, creds, "sts")
    for method in ("GET", "POST"):
        url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=300, HttpMethod=method)
        assert "X-Amz-Security-Token=" in url
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request) as r:
            body = r.read().decode()
        assert r.status == 200 and f"<Arn>{user['Arn']}</Arn>" in body, body

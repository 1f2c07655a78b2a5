"""IAM (awsQuery): users, access keys, roles, inline policies and login profiles, with boto3 and the AWS CLI."""

import json
import re
import time
import uuid
from datetime import timezone
from urllib.parse import quote

import botocore.config
import pytest
from botocore.exceptions import ClientError

from records import record_of

ALLOW_LIST = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "sts:AssumeRole"}]}
USER_ID = re.compile(r"^AIDA[A-Z2-7]{17}$")
ROLE_ID = re.compile(r"^AROA[A-Z2-7]{17}$")
UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
KEY_ID = re.compile(r"^AKIA[A-Z2-7]{16}$")


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    err = e.value.response["Error"]
    return err["Code"], err["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def recent(when):
    """A response timestamp close to now (IAM dates are whole seconds, UTC)."""
    return abs(when.timestamp() - time.time()) < 120


def as_user(server, key, service):
    return server.client(service, aws_access_key_id=key["AccessKeyId"],
                         aws_secret_access_key=key["SecretAccessKey"])


@pytest.fixture
def iam(server):
    return server.client("iam")


# --- users ---------------------------------------------------------------------------------------------------------

def test_create_get_list_delete_user(server, iam):
    n = name("alice")
    created = iam.create_user(UserName=n, Path="/team/dev/", Tags=[{"Key": "team", "Value": "blue"}])["User"]
    assert created["UserName"] == n and created["Path"] == "/team/dev/"
    assert USER_ID.match(created["UserId"])
    assert created["Arn"] == f"arn:aws:iam::{server.account_id}:user/team/dev/{n}"
    assert recent(created["CreateDate"])
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]

    got = iam.get_user(UserName=n.upper())["User"]  # names are case-insensitive
    assert got == created

    listed = iam.list_users(PathPrefix="/team/dev/")
    assert listed["IsTruncated"] is False and "Marker" not in listed
    mine = [u for u in listed["Users"] if u["UserName"] == n]
    assert mine == [{k: v for k, v in created.items() if k != "Tags"}]
    assert all(u["Path"].startswith("/team/dev/") for u in listed["Users"])

    iam.delete_user(UserName=n)
    assert error_of(iam.get_user, UserName=n) == (
        "NoSuchEntity", f"The user with name {n} cannot be found.", 404)


def test_default_path_and_no_tags(server, iam):
    n = name("plain")
    u = iam.create_user(UserName=n)["User"]
    assert u["Path"] == "/" and u["Arn"] == f"arn:aws:iam::{server.account_id}:user/{n}" and "Tags" not in u
    iam.delete_user(UserName=n)


def test_user_errors(iam):
    n = name("dup")
    iam.create_user(UserName=n)
    assert error_of(iam.create_user, UserName=n.upper()) == (
        "EntityAlreadyExists", f"User with name {n.upper()} already exists.", 409)
    assert error_of(iam.delete_user, UserName=name("ghost"))[0::2] == ("NoSuchEntity", 404)
    code, message, status = error_of(iam.create_user, UserName="bad name!")
    assert (code, status) == ("ValidationError", 400)
    assert "userName" in message and "regular expression pattern" in message
    assert error_of(iam.create_user, UserName=name("t"), Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])[0] == "InvalidInput"
    iam.delete_user(UserName=n)


def test_list_users_pages_with_marker(iam):
    prefix = f"/{name('page')}/"
    names = [name(f"u{i}") for i in range(5)]
    for n in names:
        iam.create_user(UserName=n, Path=prefix)
    seen, marker, pages = [], None, 0
    while True:
        page = iam.list_users(PathPrefix=prefix, MaxItems=2, **({"Marker": marker} if marker else {}))
        pages += 1
        seen += [u["UserName"] for u in page["Users"]]
        assert len(page["Users"]) <= 2
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert seen == names and pages == 3
    assert error_of(iam.list_users, PathPrefix="/other/", Marker=marker)[0] == "ValidationError"
    paginated = [u["UserName"] for p in iam.get_paginator("list_users").paginate(
        PathPrefix=prefix, PaginationConfig={"PageSize": 2}) for u in p["Users"]]
    assert paginated == names
    for n in names:
        iam.delete_user(UserName=n)


def test_get_user_without_name(server, iam):
    root = iam.get_user()["User"]
    assert root["UserId"] == server.account_id
    assert root["Arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert "UserName" not in root and "Path" not in root and "CreateDate" in root
    n = name("self")
    user = iam.create_user(UserName=n)["User"]
    key = iam.create_access_key(UserName=n)["AccessKey"]
    # Users are allowed only what their policies allow (test_authorization.py).
    iam.put_user_policy(UserName=n, PolicyName="self", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": user["Arn"]}]}))
    assert as_user(server, key, "iam").get_user()["User"] == user
    iam.delete_user_policy(UserName=n, PolicyName="self")
    iam.delete_access_key(UserName=n, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=n)


def test_delete_user_conflicts(iam):
    n = name("busy")
    iam.create_user(UserName=n)
    key = iam.create_access_key(UserName=n)["AccessKey"]
    assert error_of(iam.delete_user, UserName=n) == (
        "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409)
    iam.delete_access_key(UserName=n, AccessKeyId=key["AccessKeyId"])
    iam.put_user_policy(UserName=n, PolicyName="p", PolicyDocument=json.dumps(ALLOW_LIST))
    assert error_of(iam.delete_user, UserName=n) == (
        "DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_user_policy(UserName=n, PolicyName="p")
    iam.create_login_profile(UserName=n, Password="Corr3ct-Horse")
    assert error_of(iam.delete_user, UserName=n) == (
        "DeleteConflict", "Cannot delete entity, must delete login profile first.", 409)


# --- access keys ---------------------------------------------------------------------------------------------------

def test_access_key_lifecycle(server, iam):
    n = name("keys")
    iam.create_user(UserName=n)
    key = iam.create_access_key(UserName=n)["AccessKey"]
    assert key["UserName"] == n and key["Status"] == "Active" and KEY_ID.match(key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40 and recent(key["CreateDate"])
    second = iam.create_access_key(UserName=n)["AccessKey"]
    assert error_of(iam.create_access_key, UserName=n) == (
        "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)

    listed = iam.list_access_keys(UserName=n)
    assert listed["IsTruncated"] is False
    assert listed["AccessKeyMetadata"] == [
        {"UserName": n, "AccessKeyId": k["AccessKeyId"], "Status": "Active", "CreateDate": k["CreateDate"]}
        for k in (key, second)]
    page = iam.list_access_keys(UserName=n, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["AccessKeyMetadata"]) == 1
    rest = iam.list_access_keys(UserName=n, MaxItems=1, Marker=page["Marker"])
    assert rest["IsTruncated"] is False and rest["AccessKeyMetadata"][0]["AccessKeyId"] == second["AccessKeyId"]

    iam.update_access_key(UserName=n, AccessKeyId=second["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=n)["AccessKeyMetadata"]}
    assert statuses == {key["AccessKeyId"]: "Active", second["AccessKeyId"]: "Inactive"}

    missing = "AKIAAAAAAAAAAAAAAAAA"
    assert error_of(iam.update_access_key, UserName=n, AccessKeyId=missing, Status="Active") == (
        "NoSuchEntity", f"The Access Key with id {missing} cannot be found.", 404)
    assert error_of(iam.delete_access_key, UserName=n, AccessKeyId=missing)[0] == "NoSuchEntity"
    # Another user's key is not found under this user.
    other = name("other")
    iam.create_user(UserName=other)
    assert error_of(iam.delete_access_key, UserName=other, AccessKeyId=key["AccessKeyId"])[0] == "NoSuchEntity"
    assert error_of(iam.list_access_keys, UserName=name("ghost"))[0::2] == ("NoSuchEntity", 404)
    assert error_of(iam.create_access_key, UserName=name("ghost"))[0::2] == ("NoSuchEntity", 404)
    assert error_of(iam.update_access_key, UserName=n, AccessKeyId=key["AccessKeyId"], Status="Sleeping")[0] == "ValidationError"

    for k in (key, second):
        iam.delete_access_key(UserName=n, AccessKeyId=k["AccessKeyId"])
    assert iam.list_access_keys(UserName=n)["AccessKeyMetadata"] == []
    iam.delete_user(UserName=n)
    iam.delete_user(UserName=other)


def test_a_users_key_signs_as_that_user(server, iam):
    n = name("signer")
    user = iam.create_user(UserName=n, Path="/ops/")["User"]
    key = iam.create_access_key(UserName=n)["AccessKey"]
    iam.put_user_policy(UserName=n, PolicyName="work", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:ListAccessKeys", "Resource": user["Arn"]}]}))
    sts = as_user(server, key, "sts")
    ident = sts.get_caller_identity()
    assert (ident["UserId"], ident["Account"], ident["Arn"]) == (user["UserId"], server.account_id, user["Arn"])

    apprunner = as_user(server, key, "apprunner")
    out = apprunner.list_services()
    assert "ServiceSummaryList" in out
    _, record = record_of(server, out["ResponseMetadata"]["RequestId"], "ListServices")
    assert record["userIdentity"] == {
        "type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"], "accountId": server.account_id,
        "accessKeyId": key["AccessKeyId"], "userName": n,
    }
    event, _ = record_of(server, ident["ResponseMetadata"]["RequestId"], "GetCallerIdentity")
    assert event["Username"] == n and event["AccessKeyId"] == key["AccessKeyId"]

    # Without UserName, a user manages its own keys.
    own = as_user(server, key, "iam")
    assert [k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]] == [key["AccessKeyId"]]

    # Deactivated: refused at once, as AWS refuses an inactive key; reactivated: works again; deleted: refused.
    iam.update_access_key(UserName=n, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert error_of(sts.get_caller_identity) == (
        "InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    assert error_of(apprunner.list_services)[0::2] == ("UnrecognizedClientException", 403)
    iam.update_access_key(UserName=n, AccessKeyId=key["AccessKeyId"], Status="Active")
    assert sts.get_caller_identity()["Arn"] == user["Arn"]
    iam.delete_access_key(UserName=n, AccessKeyId=key["AccessKeyId"])
    assert error_of(sts.get_caller_identity)[0] == "InvalidClientTokenId"
    assert error_of(apprunner.list_services)[0] == "UnrecognizedClientException"
    iam.delete_user_policy(UserName=n, PolicyName="work")
    iam.delete_user(UserName=n)


def test_create_access_key_record_hides_the_secret(server, iam):
    n = name("secret")
    iam.create_user(UserName=n)
    out = iam.create_access_key(UserName=n)
    key = out["AccessKey"]
    _, record = record_of(server, out["ResponseMetadata"]["RequestId"], "CreateAccessKey")
    created = key["CreateDate"].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert record["responseElements"]["accessKey"] == {
        "userName": n, "accessKeyId": key["AccessKeyId"], "status": "Active",
        "secretAccessKey": "HIDDEN_DUE_TO_SECURITY_REASONS", "createDate": created,
    }
    assert key["SecretAccessKey"] not in json.dumps(record)
    assert record["requestParameters"] == {"userName": n}
    assert record["readOnly"] is False
    iam.delete_access_key(UserName=n, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=n)


def test_root_manages_its_own_keys(server, iam):
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert server.access_key_id in [k["AccessKeyId"] for k in keys]
    assert all("UserName" not in k for k in keys)
    code, _, _ = error_of(iam.delete_access_key, AccessKeyId=server.access_key_id)
    assert code == "InvalidInput"  # the installation's own key (root-credentials.json) stays


# --- records -------------------------------------------------------------------------------------------------------

def test_iam_records_are_global(server):
    # Whatever region the client signs for, IAM calls are recorded in us-east-1 with IAM's event source.
    iam = server.with_region("eu-west-1").client("iam")
    n = name("global")
    out = iam.create_user(UserName=n)
    _, record = record_of(server, out["ResponseMetadata"]["RequestId"], "CreateUser")
    assert record["awsRegion"] == "us-east-1" and record["eventSource"] == "iam.amazonaws.com"
    assert record["requestParameters"] == {"userName": n}
    assert record["responseElements"]["user"]["userName"] == n
    assert record["userIdentity"]["type"] == "Root"
    failed = server.client("iam")
    with pytest.raises(ClientError) as e:
        failed.get_user(UserName=name("nobody"))
    _, record = record_of(server, e.value.response["ResponseMetadata"]["RequestId"], "GetUser")
    assert (record["errorCode"], record["awsRegion"], record["readOnly"]) == ("NoSuchEntity", "us-east-1", True)
    iam.delete_user(UserName=n)


def test_unbuilt_iam_operations_answer_501(iam):
    code, message, status = error_of(iam.list_groups)
    assert (code, status) == ("NotImplementedException", 501) and "ListGroups" in message


# --- roles ---------------------------------------------------------------------------------------------------------

def test_role_lifecycle(server, iam):
    n = name("role")
    created = iam.create_role(RoleName=n, Path="/svc/", AssumeRolePolicyDocument=json.dumps(TRUST),
                              Description="runs things", MaxSessionDuration=7200,
                              Tags=[{"Key": "env", "Value": "test"}])["Role"]
    assert created["RoleName"] == n and created["Path"] == "/svc/" and ROLE_ID.match(created["RoleId"])
    assert created["Arn"] == f"arn:aws:iam::{server.account_id}:role/svc/{n}"
    assert created["AssumeRolePolicyDocument"] == TRUST  # botocore URL-decodes and parses it
    assert created["Description"] == "runs things" and created["MaxSessionDuration"] == 7200
    assert created["Tags"] == [{"Key": "env", "Value": "test"}] and recent(created["CreateDate"])

    got = iam.get_role(RoleName=n)["Role"]
    assert got == {**created, "RoleLastUsed": {}}
    listed = [r for r in iam.list_roles(PathPrefix="/svc/")["Roles"] if r["RoleName"] == n]
    assert listed == [{k: v for k, v in created.items() if k != "Tags"}]

    new_trust = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": "apprunner.amazonaws.com"}}]}
    iam.update_assume_role_policy(RoleName=n, PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName=n)["Role"]["AssumeRolePolicyDocument"] == new_trust

    iam.put_role_policy(RoleName=n, PolicyName="read", PolicyDocument=json.dumps(ALLOW_LIST))
    assert error_of(iam.delete_role, RoleName=n) == (
        "DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_role_policy(RoleName=n, PolicyName="read")
    iam.delete_role(RoleName=n)
    assert error_of(iam.get_role, RoleName=n) == ("NoSuchEntity", f"The role with name {n} cannot be found.", 404)


def test_role_defaults_and_errors(server, iam):
    n = name("role")
    role = iam.create_role(RoleName=n, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    assert role["Path"] == "/" and role["MaxSessionDuration"] == 3600 and "Description" not in role
    assert error_of(iam.create_role, RoleName=n.upper(), AssumeRolePolicyDocument=json.dumps(TRUST)) == (
        "EntityAlreadyExists", f"Role with name {n.upper()} already exists.", 409)
    assert error_of(iam.create_role, RoleName=name("r"), AssumeRolePolicyDocument="{not json") == (
        "MalformedPolicyDocument", "Syntax errors in policy.", 400)
    assert error_of(iam.create_role, RoleName=name("r"), AssumeRolePolicyDocument=json.dumps(ALLOW_LIST))[0] == "MalformedPolicyDocument"
    unchecked = server.client("iam", config=UNCHECKED)
    for bad in (3599, 43201):
        code, message, status = error_of(unchecked.create_role, RoleName=name("r"),
                                         AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=bad)
        assert (code, status) == ("ValidationError", 400) and "maxSessionDuration" in message
    big = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Action": ["sts:AssumeRole"] * 150}]}
    assert error_of(iam.create_role, RoleName=name("r"), AssumeRolePolicyDocument=json.dumps(big)) == (
        "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)
    assert error_of(iam.update_assume_role_policy, RoleName=n, PolicyDocument="[]")[0] == "MalformedPolicyDocument"
    assert error_of(iam.update_assume_role_policy, RoleName=name("ghost"), PolicyDocument=json.dumps(TRUST))[0] == "NoSuchEntity"
    assert error_of(iam.delete_role, RoleName=name("ghost"))[0::2] == ("NoSuchEntity", 404)
    iam.delete_role(RoleName=n)


def test_list_roles_pages(iam):
    prefix = f"/{name('rp')}/"
    names = [name(f"r{i}") for i in range(3)]
    for n in names:
        iam.create_role(RoleName=n, Path=prefix, AssumeRolePolicyDocument=json.dumps(TRUST))
    first = iam.list_roles(PathPrefix=prefix, MaxItems=2)
    assert first["IsTruncated"] is True and [r["RoleName"] for r in first["Roles"]] == names[:2]
    second = iam.list_roles(PathPrefix=prefix, MaxItems=2, Marker=first["Marker"])
    assert second["IsTruncated"] is False and [r["RoleName"] for r in second["Roles"]] == names[2:]
    for n in names:
        iam.delete_role(RoleName=n)


# --- inline policies -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["user", "role"])
def test_inline_policies(server, iam, kind):
    n = name(kind)
    if kind == "user":
        iam.create_user(UserName=n)
        who = {"UserName": n}
        put, get, delete, lst = iam.put_user_policy, iam.get_user_policy, iam.delete_user_policy, iam.list_user_policies
    else:
        iam.create_role(RoleName=n, AssumeRolePolicyDocument=json.dumps(TRUST))
        who = {"RoleName": n}
        put, get, delete, lst = iam.put_role_policy, iam.get_role_policy, iam.delete_role_policy, iam.list_role_policies
    empty = lst(**who)
    assert (empty["PolicyNames"], empty["IsTruncated"], "Marker" in empty) == ([], False, False)
    put(**who, PolicyName="read", PolicyDocument=json.dumps(ALLOW_LIST))
    put(**who, PolicyName="write", PolicyDocument=json.dumps(ALLOW_LIST))
    got = get(**who, PolicyName="read")
    assert {k: got[k] for k in [*who, "PolicyName", "PolicyDocument"]} == {**who, "PolicyName": "read", "PolicyDocument": ALLOW_LIST}
    # Put again replaces (names are case-insensitive).
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    put(**who, PolicyName="READ", PolicyDocument=json.dumps(deny))
    assert get(**who, PolicyName="read")["PolicyDocument"] == deny
    listed = lst(**who)
    assert listed["PolicyNames"] == ["READ", "write"] and listed["IsTruncated"] is False
    page = lst(**who, MaxItems=1)
    assert page["PolicyNames"] == ["READ"] and page["IsTruncated"] is True
    assert lst(**who, MaxItems=1, Marker=page["Marker"])["PolicyNames"] == ["write"]

    assert error_of(get, **who, PolicyName="nope") == (
        "NoSuchEntity", f"The {kind} policy with name nope cannot be found.", 404)
    assert error_of(delete, **who, PolicyName="nope")[0] == "NoSuchEntity"
    assert error_of(put, **who, PolicyName="bad", PolicyDocument="not json") == (
        "MalformedPolicyDocument", "Syntax errors in policy.", 400)
    assert error_of(put, **who, PolicyName="bad", PolicyDocument=json.dumps(TRUST))[0] == "MalformedPolicyDocument"
    ghost = {k: name("ghost") for k in who}
    assert error_of(put, **ghost, PolicyName="p", PolicyDocument=json.dumps(ALLOW_LIST)) == (
        "NoSuchEntity", f"The {kind} with name {list(ghost.values())[0]} cannot be found.", 404)
    assert error_of(lst, **ghost)[0] == "NoSuchEntity"
    assert error_of(get, **ghost, PolicyName="p")[0] == "NoSuchEntity"

    # The aggregate size quota: 2,048 characters for a user's inline policies, 10,240 for a role's.
    limit = 2048 if kind == "user" else 10240
    resource = "arn:aws:apprunner:us-east-1:123456789012:service/" + "x" * 60
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apprunner:List*", "Resource": [resource] * 12}]}
    size = len(json.dumps(doc, separators=(",", ":")))
    count = 0
    with pytest.raises(ClientError) as e:
        for i in range(limit // size + 2):
            put(**who, PolicyName=f"big{i}", PolicyDocument=json.dumps(doc, indent=4))  # white space is not counted
            count += 1
    assert e.value.response["Error"]["Code"] == "LimitExceeded"
    assert e.value.response["Error"]["Message"] == f"Maximum policy size of {limit} bytes exceeded for {kind} {n}"
    # Two small policies are already there; white space would have made the first big one too large already.
    assert count == (limit - 2 * len(json.dumps(ALLOW_LIST, separators=(",", ":")).replace(" ", ""))) // size

    for p in lst(**who)["PolicyNames"]:
        delete(**who, PolicyName=p)
    assert lst(**who)["PolicyNames"] == []
    (iam.delete_user(UserName=n) if kind == "user" else iam.delete_role(RoleName=n))


def test_policy_documents_come_back_url_encoded_on_the_wire(server):
    """botocore decodes policy documents; on the wire they are URL-encoded, as IAM sends them."""
    iam = server.client("iam")
    n = name("wire")
    iam.create_user(UserName=n)
    doc = json.dumps(ALLOW_LIST)
    iam.put_user_policy(UserName=n, PolicyName="p", PolicyDocument=doc)
    raw = {}
    iam.meta.events.register("after-call.iam.GetUserPolicy",
                             lambda http_response, **kw: raw.setdefault("body", http_response.text))
    iam.get_user_policy(UserName=n, PolicyName="p")
    assert f"<PolicyDocument>{quote(doc, safe='-_.~')}</PolicyDocument>" in raw["body"]
    iam.delete_user_policy(UserName=n, PolicyName="p")
    iam.delete_user(UserName=n)


# --- login profiles ------------------------------------------------------------------------------------------------

def test_create_login_profile(server, iam):
    n = name("console")
    iam.create_user(UserName=n)
    out = iam.create_login_profile(UserName=n, Password="Corr3ct-Horse-Battery", PasswordResetRequired=True)
    profile = out["LoginProfile"]
    assert profile["UserName"] == n and profile["PasswordResetRequired"] is True and recent(profile["CreateDate"])
    _, record = record_of(server, out["ResponseMetadata"]["RequestId"], "CreateLoginProfile")
    assert record["requestParameters"] == {"userName": n, "password": "HIDDEN_DUE_TO_SECURITY_REASONS",
                                           "passwordResetRequired": True}
    assert "Corr3ct-Horse-Battery" not in json.dumps(record)
    assert error_of(iam.create_login_profile, UserName=n, Password="Corr3ct-Horse-Battery") == (
        "EntityAlreadyExists", f"Login Profile for user {n} already exists.", 409)
    other = name("weak")
    iam.create_user(UserName=other)
    assert error_of(iam.create_login_profile, UserName=other, Password="password") == (
        "PasswordPolicyViolation", "Password does not conform to the account password policy.", 400)
    assert error_of(iam.create_login_profile, UserName=name("ghost"), Password="Corr3ct-Horse")[0] == "NoSuchEntity"
    db = (server.data_dir / "trailrunner.db").read_bytes()
    assert b"Corr3ct-Horse-Battery" not in db
    iam.delete_user(UserName=other)


# --- the AWS CLI ---------------------------------------------------------------------------------------------------

def test_aws_cli_end_to_end(server):
    n = name("cli")
    env = server.cli_env()
    user = json.loads(server.aws("iam", "create-user", "--user-name", n, env=env).stdout)["User"]
    assert user["Arn"] == f"arn:aws:iam::{server.account_id}:user/{n}"
    server.aws("iam", "put-user-policy", "--user-name", n, "--policy-name", "read",
               "--policy-document", json.dumps(ALLOW_LIST), env=env)
    got = json.loads(server.aws("iam", "get-user-policy", "--user-name", n, "--policy-name", "read", env=env).stdout)
    assert got["PolicyDocument"] == ALLOW_LIST
    key = json.loads(server.aws("iam", "create-access-key", "--user-name", n, env=env).stdout)["AccessKey"]
    as_user_env = {**env, "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    ident = json.loads(server.aws("sts", "get-caller-identity", env=as_user_env).stdout)
    assert ident["Arn"] == user["Arn"] and ident["UserId"] == user["UserId"]
    services = json.loads(server.aws("apprunner", "list-services", env=as_user_env).stdout)
    assert "ServiceSummaryList" in services
    server.aws("iam", "update-access-key", "--user-name", n, "--access-key-id", key["AccessKeyId"],
               "--status", "Inactive", env=env)
    refused = server.aws("sts", "get-caller-identity", env=as_user_env, check=False)
    assert refused.returncode != 0 and "InvalidClientTokenId" in refused.stderr
    role = json.loads(server.aws("iam", "create-role", "--role-name", n, "--assume-role-policy-document",
                                 json.dumps(TRUST), env=env).stdout)["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST
    users = json.loads(server.aws("iam", "list-users", env=env).stdout)["Users"]
    assert n in [u["UserName"] for u in users]
    server.aws("iam", "delete-role", "--role-name", n, env=env)
    server.aws("iam", "delete-access-key", "--user-name", n, "--access-key-id", key["AccessKeyId"], env=env)
    server.aws("iam", "delete-user-policy", "--user-name", n, "--policy-name", "read", env=env)
    server.aws("iam", "delete-user", "--user-name", n, env=env)

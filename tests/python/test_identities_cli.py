"""Issue 7's scenario with the AWS CLI only: a read-only user, a role it assumes, a federation token — each call
shown by `aws cloudtrail lookup-events` with the userIdentity form CloudTrail gives it, refusals as AccessDenied."""

import json
import uuid


IMAGE_SOURCE = json.dumps({"ImageRepository": {
    "ImageIdentifier": "public.ecr.aws/aws-containers/hello-app-runner:latest", "ImageRepositoryType": "ECR_PUBLIC"}})
READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]}


def cli_json(server, *args, env=None):
    return json.loads(server.aws(*args, "--output", "json", env=env).stdout)


def as_env(server, creds):
    extra = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"]}
    if creds.get("SessionToken"):
        extra["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    return server.cli_env(**extra)


def record(server, request_id_hint, event_name, access_key_id):
    events = cli_json(server, "cloudtrail", "lookup-events", "--lookup-attributes",
                      f"AttributeKey=AccessKeyId,AttributeValue={access_key_id}")["Events"]
    matching = [json.loads(e["CloudTrailEvent"]) for e in events if e["EventName"] == event_name]
    assert matching, f"no {event_name} record for {access_key_id} ({request_id_hint})"
    return matching[0]


def test_read_only_user_role_and_federation_with_the_cli(server):
    suffix = uuid.uuid4().hex[:8]
    user = cli_json(server, "iam", "create-user", "--user-name", f"reader-{suffix}")["User"]
    # GetFederationToken needs the permission on AWS too.
    policy = {"Version": "2012-10-17", "Statement": READ["Statement"] + [
        {"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}]}
    server.aws("iam", "put-user-policy", "--user-name", user["UserName"], "--policy-name", "read",
               "--policy-document", json.dumps(policy))
    key = cli_json(server, "iam", "create-access-key", "--user-name", user["UserName"])["AccessKey"]
    user_env = as_env(server, key)

    # The user lists, and is refused a create.
    cli_json(server, "apprunner", "list-services", env=user_env)
    refused = server.aws("apprunner", "create-service", "--service-name", f"nope-{suffix}",
                         "--source-configuration", IMAGE_SOURCE, env=user_env, check=False)
    assert refused.returncode != 0 and "AccessDeniedException" in refused.stderr
    assert f"User: {user['Arn']} is not authorized to perform: apprunner:CreateService" in refused.stderr

    # A role trusted by that user, allowed to list only.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}]}
    role = cli_json(server, "iam", "create-role", "--role-name", f"lister-{suffix}",
                    "--assume-role-policy-document", json.dumps(trust))["Role"]
    server.aws("iam", "put-role-policy", "--role-name", role["RoleName"], "--policy-name", "list",
               "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
                   {"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*"}]}))
    assumed = cli_json(server, "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "cli",
                       env=user_env)
    role_env = as_env(server, assumed["Credentials"])
    cli_json(server, "apprunner", "list-connections", env=role_env)
    denied = server.aws("apprunner", "list-operations", "--service-arn",
                        f"arn:aws:apprunner:us-east-1:{server.account_id}:service/x-{suffix}/{uuid.uuid4().hex}",
                        env=role_env, check=False)
    assert denied.returncode != 0 and "ResourceNotFoundException" in denied.stderr  # allowed: List*
    denied = server.aws("apprunner", "describe-service", "--service-arn",
                        f"arn:aws:apprunner:us-east-1:{server.account_id}:service/x-{suffix}/{uuid.uuid4().hex}",
                        env=role_env, check=False)
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr

    # A federation token, within its own policy.
    fed = cli_json(server, "sts", "get-federation-token", "--name", f"fed-{suffix}", "--policy", json.dumps(READ),
                   env=user_env)
    fed_env = as_env(server, fed["Credentials"])
    cli_json(server, "apprunner", "list-services", env=fed_env)

    # Event history, as root, shows each identity form.
    rec = record(server, "user list", "ListServices", key["AccessKeyId"])
    assert rec["userIdentity"] == {
        "type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"], "accountId": server.account_id,
        "accessKeyId": key["AccessKeyId"], "userName": user["UserName"]}
    rec = record(server, "user create", "CreateService", key["AccessKeyId"])
    assert rec["errorCode"] == "AccessDenied" and rec["responseElements"] is None
    role_key = assumed["Credentials"]["AccessKeyId"]
    rec = record(server, "role list", "ListConnections", role_key)
    identity = rec["userIdentity"]
    assert (identity["type"], identity["arn"], identity["accessKeyId"]) == (
        "AssumedRole", assumed["AssumedRoleUser"]["Arn"], role_key)
    assert identity["principalId"] == assumed["AssumedRoleUser"]["AssumedRoleId"]
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert (issuer["type"], issuer["arn"], issuer["userName"]) == ("Role", role["Arn"], role["RoleName"])
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert record(server, "role describe", "DescribeService", role_key)["errorCode"] == "AccessDenied"
    fed_key = fed["Credentials"]["AccessKeyId"]
    identity = record(server, "federated list", "ListServices", fed_key)["userIdentity"]
    assert (identity["type"], identity["arn"]) == ("FederatedUser", fed["FederatedUser"]["Arn"])
    assert identity["sessionContext"]["sessionIssuer"]["arn"] == user["Arn"]

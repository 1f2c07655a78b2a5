#!/usr/bin/env python3
"""Cross-check trailrunner-trail-digest against the AWS CLI's own validate-logs code. Run by hand, not by the suite:

    cargo test -p trailrunner-trail-digest --test awscli_fixtures -- --ignored --nocapture
    .venv/bin/python crates/trail-digest/tests/awscli_crosscheck.py <fixture folder>

Each fixture (written by tests/awscli_fixtures.rs) holds a bucket's objects, the published public keys, a time range
and what the Rust crate predicts the CLI prints. This script runs awscli's `CloudTrailValidateLogs` command (the code
behind `aws cloudtrail validate-logs`, from the installed awscli) with S3, CloudTrail and Organizations replaced by
in-memory stand-ins serving those objects, and compares stdout, stderr and the exit code byte for byte, verbose and
not. Exit status 0 when every scenario agrees.
"""

import argparse
import base64
import contextlib
import io
import json
import pathlib
import sys

from botocore.exceptions import ClientError
from awscli.customizations.cloudtrail import validation


class FakeS3:
    def __init__(self, objects):
        self.objects = objects  # (bucket, key) -> (body, metadata)
        self.requests = []

    def get_bucket_location(self, Bucket):
        self.requests.append(('GetBucketLocation', Bucket))
        return {'LocationConstraint': None}

    def get_paginator(self, name):
        assert name == 'list_objects', name
        return self

    def paginate(self, Bucket, Marker, Prefix):
        self.requests.append(('ListObjects', Bucket, Marker, Prefix))
        keys = sorted(
            k.encode() for (b, k) in self.objects if b == Bucket and k > Marker and k.startswith(Prefix)
        )
        return Pages([k.decode() for k in keys])

    def get_object(self, Bucket, Key):
        self.requests.append(('GetObject', Bucket, Key))
        found = self.objects.get((Bucket, Key))
        if found is None:
            raise ClientError(
                {'Error': {'Code': 'NoSuchKey', 'Message': 'The specified key does not exist.'}}, 'GetObject'
            )
        body, metadata = found
        return {'Body': io.BytesIO(body), 'Metadata': dict(metadata)}


class Pages:
    def __init__(self, keys):
        self.keys = keys

    def search(self, expression):
        assert expression == 'Contents[*].Key', expression
        return iter(self.keys)


class FakeCloudTrail:
    def __init__(self, scenario):
        self.scenario = scenario

    def describe_trails(self):
        s = self.scenario
        trail = {
            'TrailARN': s['trail_arn'],
            'S3BucketName': s['bucket'],
            'IsOrganizationTrail': s['organization_id'] is not None,
        }
        if s['prefix'] is not None:
            trail['S3KeyPrefix'] = s['prefix']
        return {'trailList': [trail]}

    def list_public_keys(self, StartTime, EndTime):
        # The CLI receives Value as the base64 string (identity blob parser), then decodes it itself.
        return {'PublicKeyList': [dict(k) for k in self.scenario['public_keys']]}


class FakeOrganizations:
    def __init__(self, scenario):
        self.scenario = scenario

    def describe_organization(self):
        return {'Organization': {'Id': self.scenario['organization_id']}}


def run_cli(scenario, verbose):
    objects = {
        (o['bucket'], o['key']): (base64.b64decode(o['body']), o['metadata']) for o in scenario['objects']
    }
    clients = {
        's3': FakeS3(objects),
        'cloudtrail': FakeCloudTrail(scenario),
        'organizations': FakeOrganizations(scenario),
    }
    validation.create_nested_client = lambda session, service, **kwargs: clients[service]
    command = validation.CloudTrailValidateLogs(None)
    args = argparse.Namespace(
        trail_arn=scenario['trail_arn'],
        verbose=verbose,
        s3_bucket=None,
        s3_prefix=None,
        account_id=scenario['account_id'] if scenario['organization_id'] else None,
        start_time=scenario['start'],
        end_time=scenario['end'],
    )
    parsed_globals = argparse.Namespace(region=scenario['source_region'], verify_ssl=True, endpoint_url=None)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = command._run_main(args, parsed_globals)
        except Exception as e:  # what clidriver turns into exit 255
            err.write(f'<exception {type(e).__name__}: {e}>')
            code = 255
    return {'stdout': out.getvalue(), 'stderr': err.getvalue(), 'exit_code': code}, clients['s3'].requests


def main():
    folder = pathlib.Path(sys.argv[1])
    failures = 0
    files = sorted(folder.glob('*.json'))
    for path in files:
        scenario = json.loads(path.read_text())
        for mode in ('verbose', 'quiet'):
            actual, requests = run_cli(scenario, mode == 'verbose')
            expected = scenario['expected'][mode]
            if actual == expected:
                if mode == 'verbose':
                    gets = sum(1 for r in requests if r[0] == 'GetObject')
                    summary = actual['stdout'].strip().splitlines()[-3:]
                    print(f"agree  {scenario['name']:32} exit {actual['exit_code']}  {gets:3} GetObject  "
                          f"{' | '.join(line for line in summary if line)}")
            else:
                failures += 1
                print(f"DIFFER {scenario['name']} ({mode})")
                for stream in ('stdout', 'stderr', 'exit_code'):
                    if actual[stream] != expected[stream]:
                        print(f'  {stream}:\n    awscli: {actual[stream]!r}\n    rust:   {expected[stream]!r}')
    print(f'{len(files) * 2 - failures} passed, {failures} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

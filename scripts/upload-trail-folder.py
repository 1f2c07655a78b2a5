"""Uploads a `trailrunner validate-logs --local-dir` folder to an S3 bucket (creating the bucket if needed): every
object at its key, a `KEY.metadata.json` sidecar as the object's user metadata.

    upload-trail-folder.py ENDPOINT BUCKET FOLDER   # credentials and region from the usual AWS_* variables
"""

import concurrent.futures
import json
import sys
from pathlib import Path

import boto3
import botocore.config


def main(endpoint, bucket, folder):
    folder = Path(folder)
    client = boto3.client("s3", endpoint_url=endpoint, config=botocore.config.Config(max_pool_connections=32))
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass

    def put(path):
        key = path.relative_to(folder).as_posix()
        sidecar = path.with_name(path.name + ".metadata.json")
        metadata = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=metadata)

    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".metadata.json")]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(put, files))
    print(f"uploaded {len(files)} objects to s3://{bucket}")


if __name__ == "__main__":
    main(*sys.argv[1:])

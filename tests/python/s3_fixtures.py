"""What the S3 tests share: fresh bucket names, the error of a refused call, and an S3 client with a bucket."""

import uuid

import pytest
from botocore.exceptions import ClientError


def bucket_name(prefix="b"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_of(call, *args, **kwargs):
    """The (code, HTTP status) of a call that must fail."""
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    err = e.value.response["Error"]
    return err["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def s3(server):
    return server.client("s3")


@pytest.fixture
def bucket(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name

"""A real S3 API server for the tests: moto's standalone server (``moto[server]``), on a loopback port.

moto is a well-kept Python package, so it installs with the rest of the dev dependencies (no other binary,
no container, nothing outside the clone); its server speaks the S3 REST API over real HTTP, so boto3 goes
through the same signing, multipart and streaming code paths as against AWS or MinIO. The server runs in
a thread of the test process; other processes (the gunicorn instances) reach it over HTTP like any other.
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.ports import free_port
from tracker.files.s3 import S3Store

ACCESS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "eu-west-2"


class S3Server:
    def __init__(self, port: int):
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        # One client for the tests' stores: making a boto3 client costs a good part of a second.
        self.client = boto3.session.Session().client("s3", endpoint_url=self.endpoint, region_name=REGION, **ACCESS)
        self.bucket = self.new_bucket()

    def new_bucket(self) -> str:
        name = f"tracker-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def config(self, bucket: str) -> dict:
        """App settings for a store in ``bucket`` on this server."""
        return {
            "FILE_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS["aws_access_key_id"],
            "S3_SECRET_ACCESS_KEY": ACCESS["aws_secret_access_key"],
        }

    def store(self) -> S3Store:
        """A store of its own: the shared bucket under a prefix no other store uses."""
        return S3Store(self.bucket, prefix=f"{uuid.uuid4().hex[:8]}/", client=self.client)


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        yield S3Server(server._port)
    finally:
        server.stop()

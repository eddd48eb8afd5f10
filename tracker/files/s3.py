"""Files in an S3-compatible object store (AWS S3, MinIO, Ceph, Scaleway…), for many app instances.

An upload is measured and hashed while it is spooled (in memory up to a few megabytes, then to a temporary
file), checked, and only then sent to the bucket with a streaming multipart upload, so the bucket never
holds an unchecked or refused file and no object appears under a key until it is whole (an upload cut off
half way stays an unfinished multipart upload, listed as a leftover). Every object is written with
server-side encryption. Credentials come from the environment (``S3_ACCESS_KEY_ID`` and
``S3_SECRET_ACCESS_KEY`` if set, otherwise boto3's own chain: ``AWS_*`` variables, instance roles).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from datetime import UTC
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from tracker.files.base import (
    Check,
    FileStore,
    Reader,
    Saved,
    StoredObject,
    StoreUnavailable,
    check_key,
    copy_measured,
    leftover_key,
    leftover_name,
    new_key,
)

log = logging.getLogger(__name__)

PART_BYTES = 8 * 1024 * 1024
SPOOL_IN_MEMORY = 4 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class ObjectReader(Reader):
    """An object's body for a download, fetched at the first read and closed at its end or with the response."""

    def __init__(self, store: S3Store, key: str):
        self.store, self.key = store, key
        self._body = None
        self._done = False

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        if self._body is None:
            try:
                found = self.store.client.get_object(Bucket=self.store.bucket, Key=self.store.object_name(self.key))
                self._body = found["Body"]
            except (BotoCoreError, ClientError) as failed:
                raise StoreUnavailable(str(failed)) from None
        data = self._body.read(None if size < 0 else size)
        if size < 0 or len(data) < size:
            self.close()
        return data

    def close(self) -> None:
        self._done = True
        if self._body is not None:
            self._body.close()


class S3Store(FileStore):
    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        encryption: str = "AES256",
        client=None,
    ):
        if not bucket:
            raise ValueError("S3_BUCKET must be set when FILE_STORAGE=s3")
        self.bucket, self.prefix, self.encryption = bucket, prefix, encryption
        credentials = (
            {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret_access_key} if access_key_id else {}
        )
        self.client = client or boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=BotoConfig(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
            **credentials,
        )
        self.transfer = TransferConfig(
            multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, use_threads=False
        )

    def object_name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _extra(self) -> dict:
        return {"ServerSideEncryption": self.encryption} if self.encryption else {}

    def save(self, stream: BinaryIO, *, max_bytes: int | None = None, check: Check | None = None) -> Saved:
        key = new_key()
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            try:
                size, sha256 = copy_measured(stream, spool, max_bytes)
            except OSError as failed:
                raise StoreUnavailable(str(failed)) from None
            checked = check(spool) if check else None
            spool.seek(0)
            try:
                self.client.upload_fileobj(
                    spool, self.bucket, self.object_name(key), ExtraArgs=self._extra(), Config=self.transfer
                )
            except (BotoCoreError, ClientError, OSError) as failed:
                log.exception("Could not store a file in bucket %s", self.bucket)
                raise StoreUnavailable(str(failed)) from None
        return Saved(key=key, size=size, sha256=sha256, checked=checked)

    def put(self, key: str, stream: BinaryIO) -> None:
        try:
            self.client.upload_fileobj(
                stream, self.bucket, self.object_name(key), ExtraArgs=self._extra(), Config=self.transfer
            )
        except (BotoCoreError, ClientError, OSError) as failed:
            log.exception("Could not put file %s in bucket %s", key, self.bucket)
            raise StoreUnavailable(str(failed)) from None

    def open(self, key: str) -> ObjectReader:
        if self.size(key) is None:
            raise FileNotFoundError(f"file {key} is missing from storage")
        return ObjectReader(self, key)

    def delete(self, key: str) -> None:
        try:
            leftover = leftover_key(key)
            if leftover is None:
                self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))
                return
            name = self.object_name(leftover)
            for upload in self._uploads(name):
                if upload["Key"] == name:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload["UploadId"])
        except (BotoCoreError, ClientError) as failed:
            raise StoreUnavailable(str(failed)) from None

    def copy(self, key: str) -> str:
        copied = new_key()
        try:
            self.client.copy(
                {"Bucket": self.bucket, "Key": self.object_name(key)},
                self.bucket,
                self.object_name(copied),
                ExtraArgs=self._extra(),
                Config=self.transfer,
            )
        except (BotoCoreError, ClientError) as failed:
            raise StoreUnavailable(str(failed)) from None
        return copied

    def size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))["ContentLength"])
        except ClientError as failed:
            if _missing(failed):
                return None
            raise StoreUnavailable(str(failed)) from None
        except BotoCoreError as failed:
            raise StoreUnavailable(str(failed)) from None

    def encryption_of(self, key: str) -> str | None:
        return self.client.head_object(Bucket=self.bucket, Key=self.object_name(key)).get("ServerSideEncryption")

    def list_stored(self) -> Iterator[StoredObject]:
        """The objects under the prefix, then the multipart uploads a killed process never finished (which the
        bucket keeps, and bills, until they are aborted)."""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", ()):
                    key = self._key_of(item["Key"])
                    if key:
                        yield StoredObject(key, item["LastModified"].astimezone(UTC), int(item["Size"]))
            for upload in self._uploads(self.prefix):
                key = self._key_of(upload["Key"])
                if key:
                    yield StoredObject(leftover_name(key), upload["Initiated"].astimezone(UTC), self._sent(upload))
        except (BotoCoreError, ClientError) as failed:
            raise StoreUnavailable(str(failed)) from None

    def _key_of(self, name: str) -> str | None:
        key = name[len(self.prefix) :] if name.startswith(self.prefix) else ""
        try:
            return check_key(key)
        except ValueError:
            return None

    def _uploads(self, prefix: str) -> Iterator[dict]:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            yield from page.get("Uploads", ())

    def _sent(self, upload: dict) -> int:
        """The bytes an unfinished upload holds (one request: leftovers are few, and their parts fewer)."""
        parts = self.client.list_parts(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        return sum(int(part["Size"]) for part in parts.get("Parts", ()))

    def ping(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as failed:
            raise StoreUnavailable(type(failed).__name__) from None

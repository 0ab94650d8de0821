"""Bulk data straight into the in-process moto backend of a local server (for benchmarks).

Seeding is not what a benchmark measures, and 20,000 PUTs through HTTP take minutes on a small
machine; these write into moto's backend directly and make it list like AWS.
"""

from __future__ import annotations

from typing import Any

from moto.s3.models import S3Backend, s3_backends

from localaws.strict import resume_markers

BODY = b"x" * 64


def resume_version_listing_like_aws() -> None:
    """Make the in-process server resume ListObjectVersions pages after deleted markers as AWS
    does (see `localaws.strict.resume_markers`): without it moto ends the listing after the
    first deleted page."""
    original = S3Backend.list_object_versions

    def resume(self: S3Backend, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        key_marker, version_marker = kwargs.get("key_marker"), kwargs.get("version_id_marker")
        if key_marker and version_marker:
            keys = self.get_bucket(bucket_name).keys
            kwargs["key_marker"], kwargs["version_id_marker"] = resume_markers(
                keys, key_marker, version_marker
            )
        return original(self, bucket_name, *args, **kwargs)

    S3Backend.list_object_versions = resume  # type: ignore[method-assign]


def fill_in_process(account: str, bucket: str, versions: int) -> int:
    """Write `versions` object versions into `bucket` (two versions per key where the count
    allows; one per key when the bucket is unversioned). Returns the versions written."""
    backend = s3_backends[account]["aws"]
    versioned = backend.get_bucket(bucket).is_versioned
    keys = (versions + 1) // 2 if versioned else versions
    for i in range(keys):
        backend.put_object(bucket, f"scans/{i:06d}.json", BODY)
    for i in range(versions - keys):
        backend.put_object(bucket, f"scans/{i:06d}.json", BODY)
    return versions

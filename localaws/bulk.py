"""Bulk data straight into the in-process moto backend of a local server (for benchmarks).

Seeding is not what a benchmark measures, and 20,000 PUTs through HTTP take minutes on a small
machine; these write into moto's backend directly.
"""

from __future__ import annotations

from moto.s3.models import s3_backends

BODY = b"x" * 64


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

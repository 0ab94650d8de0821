"""The Trivy scanner's S3 buckets: emptied of every version, delete marker and upload, then deleted.

Buckets are global to an account but live in one region (GetBucketLocation): a bucket outside
the selected regions is kept, with that reason. Emptying streams page by page in DeleteObjects
batches of at most 1000 keys, so memory does not grow with the object count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from botocore.exceptions import ClientError

from migrate.audit import OK
from migrate.aws import error_code
from migrate.context import CannotDelete, Ctx, StopRequested, Verdict
from migrate.fingerprint import BUCKET_LOOKALIKE_PREFIX, NAME, bucket_matches
from migrate.kinds.base import answer_or, gone_on
from migrate.model import Action, Resource, Status

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        DeletedObjectTypeDef,
        DeleteObjectsOutputTypeDef,
        ObjectIdentifierTypeDef,
    )

BATCH = 1000
IDLE_ROUNDS = 3  # rounds in a row that list what was just deleted
NO_BUCKET = {"NoSuchBucket"}


def bucket_region(ctx: Ctx, name: str) -> str:
    location = ctx.s3().get_bucket_location(Bucket=name).get("LocationConstraint")
    # Legacy answers: no constraint means us-east-1, "EU" means eu-west-1.
    return str({None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location))


def _object_lock(ctx: Ctx, name: str, region: str) -> bool:
    try:
        conf = ctx.s3(region).get_object_lock_configuration(Bucket=name)
    except ClientError as exc:
        if error_code(exc) == "ObjectLockConfigurationNotFoundError":
            return False
        raise
    return bool(conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled")


def discover(ctx: Ctx, regions: list[str]) -> list[Resource]:
    """List the account's buckets once; `ctx.region` is only where the listing call goes."""
    # Prefix is filtered by S3 itself: an account with thousands of buckets answers in one page.
    pages = ctx.s3().get_paginator("list_buckets").paginate(Prefix=BUCKET_LOOKALIKE_PREFIX)
    names = sorted(b["Name"] for page in pages for b in page.get("Buckets", []))
    found = (classify(ctx, name, regions) for name in names
             if name.startswith(BUCKET_LOOKALIKE_PREFIX))
    return [res for res in found if res is not None]


def classify(ctx: Ctx, name: str, regions: list[str]) -> Resource | None:
    """Whether one bucket is a Trivy bucket to delete now; None when it does not exist."""
    region = answer_or(None, NO_BUCKET, lambda: bucket_region(ctx, name))
    if region is None:
        return None
    res = Resource(ctx.account.id, region, "s3-bucket", name, Action.KEEP, "")
    if not bucket_matches(name):
        res.reason = (f"name is not {NAME} followed by the end, '-', '.' or a digit: "
                      "not a Trivy bucket")
    elif region not in regions:
        res.reason = (f"in {region}, outside the selected regions; add it with --regions "
                      "or use --all-regions")
    else:
        locked = answer_or(None, NO_BUCKET, lambda: _object_lock(ctx, name, region))
        if locked is None:
            return None  # deleted since it was listed (by hand, or a concurrent apply)
        if locked:
            res.reason = ("Object Lock is enabled: locked versions cannot be removed before "
                          "their retention ends; empty and delete it yourself")
        else:
            res.action = Action.DELETE
            res.reason = f"bucket name starts with {NAME}"
    return res


class S3Bucket:
    name: ClassVar[str] = "s3-bucket"
    rank: ClassVar[int] = 1

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        if not self.exists(ctx, res):
            return Status.ALREADY_GONE
        deleted = [0]  # across retries: BucketNotEmpty means someone wrote meanwhile

        def empty_then_delete() -> None:
            self._empty(ctx, res, deleted)
            ctx.audited(ctx.s3(res.region).delete_bucket, res.id, Bucket=res.id)

        try:
            status = gone_on(NO_BUCKET, lambda: ctx.retrying(
                {"BucketNotEmpty", "OperationAborted"}, f"delete bucket {res.id}",
                empty_then_delete))
        except CannotDelete:
            res.details["objects_deleted"] = deleted[0]
            raise
        except StopRequested as exc:
            res.details["objects_deleted"] = deleted[0]
            if not deleted[0]:
                raise
            raise StopRequested(
                f"interrupted (Ctrl-C) while emptying the bucket: {deleted[0]:,} objects "
                "deleted, the rest and the bucket remain; run apply again to finish") from exc
        if status is Status.DELETED:
            res.details["objects_deleted"] = deleted[0]
        return status

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return answer_or(False, {"404", "NoSuchBucket", "NotFound"}, lambda: (
            ctx.s3(res.region).head_bucket(Bucket=res.id), True)[1])

    def _empty(self, ctx: Ctx, res: Resource, deleted: list[int]) -> None:
        """Delete every version, delete marker and upload; counts into `deleted[0]` what S3
        answers as deleted.

        Each round lists the first page again. A round that lists exactly what the previous one
        asked to delete made no progress (S3 answered success, the keys stayed: seen with a
        carriage return in a key, which XML turns into a line feed both ways); after
        IDLE_ROUNDS of those the bucket fails with the keys named, instead of looping forever.
        Only versions the answer names as deleted, and that are not listed again, are counted.
        """
        s3 = ctx.s3(res.region)
        previous: set[tuple[str, str]] = set()
        reported: set[tuple[str, str]] = set()  # what the previous answer called deleted
        idle = 0
        for batch in _batches(s3, res.id):
            if ctx.stop.is_set():
                raise StopRequested
            asked = {(o["Key"], o["VersionId"]) for o in batch}
            # Listed again after S3 answered them deleted: they were not, after all.
            deleted[0] -= len(asked & reported)
            idle = idle + 1 if asked == previous else 0
            if idle >= IDLE_ROUNDS:
                first = sorted(asked)[0][0]
                raise CannotDelete(
                    f"{len(asked)} object version(s) stay listed in {res.id} although "
                    f"DeleteObjects answered them deleted ({idle + 1} rounds in a row), e.g. key "
                    f"{first!r}; delete them yourself (aws s3api delete-object --version-id), "
                    "then run apply again")
            previous = asked
            result = ctx.judged(_judge_delete_objects, s3.delete_objects,
                                f"{res.id} ({len(batch)} keys)", Bucket=res.id,
                                Delete={"Objects": batch, "Quiet": False})
            errors = result.get("Errors", [])
            reported = _named(result.get("Deleted", []), asked)
            deleted[0] += len(reported)
            if errors:
                first_error = errors[0]
                raise CannotDelete(
                    f"{len(errors)} of {len(batch)} objects could not be deleted from {res.id}, "
                    f"e.g. {first_error.get('Key')}: {first_error.get('Code')} "
                    f"{first_error.get('Message', '')}".rstrip())
            ctx.say(f"{ctx.account.id}/{res.region}: emptying s3://{res.id}: "
                    f"{deleted[0]:,} objects deleted")
        uploads = s3.get_paginator("list_multipart_uploads").paginate(Bucket=res.id)
        for upload in (upload for page in uploads for upload in page.get("Uploads", [])):
            ctx.audited(s3.abort_multipart_upload, f"{res.id}/{upload['Key']}", Bucket=res.id,
                        Key=upload["Key"], UploadId=upload["UploadId"])


def _named(entries: list[DeletedObjectTypeDef],
           asked: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The asked (key, version) pairs that DeleteObjects' `Deleted` entries name; an entry
    without a version ID names its key's asked version."""
    by_key: dict[str, list[str]] = {}
    for asked_key, asked_version in sorted(asked):
        by_key.setdefault(asked_key, []).append(asked_version)
    named: set[tuple[str, str]] = set()
    for entry in entries:
        name, version = str(entry.get("Key")), entry.get("VersionId")
        versions = by_key.get(name, [])
        if version is not None and str(version) in versions:
            named.add((name, str(version)))
        elif version is None and versions:
            named.add((name, versions[0]))
    return named


def _judge_delete_objects(answer: DeleteObjectsOutputTypeDef) -> Verdict:
    """DeleteObjects answers 200 even when some keys were not deleted: the audit says so."""
    errors = answer.get("Errors", [])
    done = len(answer.get("Deleted", []))
    if not errors:
        return OK, {"deleted": done}
    codes = sorted({str(e.get("Code", "Error")) for e in errors})
    first = errors[0]
    return ",".join(codes), {
        "deleted": done, "failed": len(errors),
        "error": f"{len(errors)} key(s) not deleted, e.g. {first.get('Key')!r}: "
                 f"{first.get('Code')} {first.get('Message', '')}".rstrip()}


def _batches(s3: S3Client, bucket: str) -> Iterator[list[ObjectIdentifierTypeDef]]:
    """Up to BATCH versions and delete markers at a time, until the bucket lists empty.

    Each round lists from the start instead of following the previous page's markers: the
    caller deletes every batch before asking for the next, and a marker that names a deleted
    version is not resumable everywhere (moto returns an empty page). Memory stays at one page.
    """
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=BATCH)
        items: list[ObjectIdentifierTypeDef] = [
            {"Key": i["Key"], "VersionId": i["VersionId"]}
            for i in (*page.get("Versions", []), *page.get("DeleteMarkers", []))]
        if not items:
            return
        for start in range(0, len(items), BATCH):
            yield items[start : start + BATCH]

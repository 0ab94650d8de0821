"""Rule table for emptying and deleting a Trivy bucket (README "What apply deletes": S3), pure:
`S3Bucket.delete` on an in-memory bucket that answers as S3 does (and as S3 misbehaves), so each
rule runs in milliseconds instead of through moto.

Rules: every version, delete marker and upload goes, in DeleteObjects batches of at most 1000;
only what S3 names as deleted is counted; per-key errors fail the bucket with the first one
named; keys that stay listed after being answered deleted fail it after a bounded number of
rounds; Ctrl-C says how far emptying got; a bucket that went meanwhile is already gone.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from migrate.audit import OK, AuditLog
from migrate.aws import Account
from migrate.context import CannotDelete, Ctx, Settings, StopRequested
from migrate.kinds import s3
from migrate.model import Action, Resource, Status
from tests.migrate.fakeaws import ApiNames, error

ACCOUNT = "123456789012"
BUCKET = "defender-for-containers-va-1"
REGION = "eu-central-1"  # the bucket's, not the context's: every call must go there


@dataclass
class FakeS3:
    """One bucket: versions and delete markers (key, version), uploads, and ways to misbehave."""

    versions: list[tuple[str, str]] = field(default_factory=list)
    markers: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[dict[str, str]] = field(default_factory=list)
    # ListMultipartUploads page by page (instead of `uploads` in one page)
    upload_pages: list[list[dict[str, str]]] | None = None
    sticky: set[str] = field(default_factory=set)  # keys answered deleted that stay listed
    refused: dict[str, str] = field(default_factory=dict)  # key -> error code
    no_version_in_answer: bool = False
    page_size: int = 1000  # what one listing returns (S3 honours MaxKeys; a test may not)
    exists: bool = True
    writes_after_first_delete: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    region: str = ""  # set by the account when asked for a client: where the calls go

    @property
    def meta(self) -> SimpleNamespace:
        """What `Ctx.audited` reads of a client to name a call in the audit log."""
        return SimpleNamespace(service_model=SimpleNamespace(service_name="s3"),
                               region_name=self.region, method_to_api_mapping=ApiNames())

    def head_bucket(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("head_bucket", params))
        if not self.exists:
            raise error("404", 404)
        return {}

    def list_object_versions(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("list_object_versions", params))
        if not self.exists:
            raise error("NoSuchBucket", 404)
        both = [("v", k) for k in self.versions] + [("m", k) for k in self.markers]
        page = both[:self.page_size]
        answer: dict[str, Any] = {}  # S3 leaves out an empty list
        for kind, key in (("v", "Versions"), ("m", "DeleteMarkers")):
            items = [{"Key": k, "VersionId": v} for each, (k, v) in page if each == kind]
            if items:
                answer[key] = items
        return answer

    def delete_objects(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("delete_objects", params))
        deleted: list[dict[str, str]] = []
        errors: list[dict[str, str]] = []
        for obj in params["Delete"]["Objects"]:
            pair = (obj["Key"], obj["VersionId"])
            if obj["Key"] in self.refused:
                errors.append({"Key": obj["Key"], "Code": self.refused[obj["Key"]],
                               "Message": "no"})
                continue
            if obj["Key"] not in self.sticky:
                for listed in (self.versions, self.markers):
                    if pair in listed:
                        listed.remove(pair)
            deleted.append({"Key": obj["Key"]} if self.no_version_in_answer else dict(obj))
        answer: dict[str, Any] = {}  # S3 leaves out an empty list
        if deleted:
            answer["Deleted"] = deleted
        if errors:
            answer["Errors"] = errors
        return answer

    def delete_bucket(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("delete_bucket", params))
        if self.writes_after_first_delete:
            self.versions += self.writes_after_first_delete
            self.writes_after_first_delete = []
            raise error("BucketNotEmpty", 409)
        if self.versions or self.markers:
            raise error("BucketNotEmpty", 409)
        self.exists = False
        return {}

    def abort_multipart_upload(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("abort_multipart_upload", params))
        return {}

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_multipart_uploads"
        fake = self

        class Paginator:
            def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
                fake.calls.append((operation, params))
                for uploads in fake.upload_pages or [fake.uploads]:
                    yield {"Uploads": list(uploads)} if uploads else {}  # S3 leaves it out
        return Paginator()


@dataclass
class OneBucketAccount:
    s3: FakeS3
    id: str = ACCOUNT
    regions: list[str] = field(default_factory=list)

    def client(self, service: str, region: str) -> FakeS3:
        assert service == "s3"
        self.regions.append(region)
        self.s3.region = region
        return self.s3

    @contextmanager
    def active(self) -> Iterator[None]:
        yield


def _delete(tmp_path: Path, bucket: FakeS3, stop: threading.Event | None = None
            ) -> tuple[Status | BaseException, Resource, OneBucketAccount, list[dict[str, Any]]]:
    account = OneBucketAccount(bucket)
    path = tmp_path / "audit.jsonl"
    ctx = Ctx(cast(Account, account), "us-east-1", audit=AuditLog(path),
              stop=stop or threading.Event(),
              settings=Settings(retry_attempts=3, retry_base_delay=0, retry_max_delay=0))
    res = Resource(ACCOUNT, REGION, "s3-bucket", BUCKET, Action.DELETE, "why")
    outcome: Status | BaseException
    try:
        outcome = s3.S3Bucket().delete(ctx, res)
    except (CannotDelete, StopRequested) as exc:
        outcome = exc
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return outcome, res, account, records


def _ops(bucket: FakeS3) -> list[str]:
    return [op for op, _ in bucket.calls]


def test_rule_bucket_emptied_of_everything_then_deleted(tmp_path: Path) -> None:
    """Rule "S3": versions, delete markers and uploads go, then the bucket, all in the bucket's
    own region; DeleteObjects is not quiet (its answer is what is counted)."""
    bucket = FakeS3(versions=[("a", "1"), ("a", "2")], markers=[("b", "3")],
                    uploads=[{"Key": "big", "UploadId": "u1"}])
    status, res, account, records = _delete(tmp_path, bucket)
    assert status is Status.DELETED
    assert res.details == {"objects_deleted": 3}
    assert set(account.regions) == {REGION}
    assert _ops(bucket) == ["head_bucket", "list_object_versions", "delete_objects",
                            "list_object_versions", "list_multipart_uploads",
                            "abort_multipart_upload", "delete_bucket"]
    calls = dict(bucket.calls)
    assert calls["head_bucket"] == {"Bucket": BUCKET}
    assert calls["list_object_versions"] == {"Bucket": BUCKET, "MaxKeys": 1000}
    assert calls["delete_objects"] == {"Bucket": BUCKET, "Delete": {"Objects": [
        {"Key": "a", "VersionId": "1"}, {"Key": "a", "VersionId": "2"},
        {"Key": "b", "VersionId": "3"}], "Quiet": False}}
    assert calls["abort_multipart_upload"] == {"Bucket": BUCKET, "Key": "big", "UploadId": "u1"}
    assert calls["list_multipart_uploads"] == {"Bucket": BUCKET}
    assert calls["delete_bucket"] == {"Bucket": BUCKET}
    assert [(r["operation"], r["resource"], r["result"], r.get("deleted")) for r in records] == [
        ("s3:DeleteObjects", f"{BUCKET} (3 keys)", OK, 3),
        ("s3:AbortMultipartUpload", f"{BUCKET}/big", OK, None),
        ("s3:DeleteBucket", BUCKET, OK, None)]
    assert {r["region"] for r in records} == {REGION}


def test_rule_bucket_gone_before_delete_is_already_gone(tmp_path: Path) -> None:
    """Rule "gone means not found": a bucket that no longer exists is already gone, untouched."""
    bucket = FakeS3(exists=False)
    status, res, _, records = _delete(tmp_path, bucket)
    assert status is Status.ALREADY_GONE
    assert _ops(bucket) == ["head_bucket"]
    assert records == []
    assert res.details == {}


def test_rule_bucket_batches_at_most_1000_keys(tmp_path: Path) -> None:
    """Rule "S3": DeleteObjects takes at most 1000 keys, even from a listing that returns more."""
    keys = [(f"k{i:04}", "v") for i in range(2500)]
    bucket = FakeS3(versions=list(keys), page_size=2500)
    status, res, _, _ = _delete(tmp_path, bucket)
    assert status is Status.DELETED
    sizes = [len(p["Delete"]["Objects"]) for op, p in bucket.calls if op == "delete_objects"]
    assert sizes == [1000, 1000, 500]
    assert res.details == {"objects_deleted": 2500}


def test_rule_bucket_written_meanwhile_is_emptied_again(tmp_path: Path) -> None:
    """Rule "S3": BucketNotEmpty (someone wrote meanwhile) empties it again, counting across
    rounds."""
    bucket = FakeS3(versions=[("a", "1")], writes_after_first_delete=[("late", "2")])
    status, res, _, _ = _delete(tmp_path, bucket)
    assert status is Status.DELETED
    assert res.details == {"objects_deleted": 2}
    assert _ops(bucket).count("delete_bucket") == 2


def test_rule_bucket_per_key_errors_fail_it(tmp_path: Path) -> None:
    """Rule "S3 per-key errors": DeleteObjects answers 200 with `Errors`: the bucket fails with
    how many and the first one named; what was deleted is counted and audited as such."""
    bucket = FakeS3(versions=[("ok", "1"), ("locked", "2"), ("held", "3")],
                    refused={"locked": "AccessDenied", "held": "InvalidRequest"})
    outcome, res, _, records = _delete(tmp_path, bucket)
    assert isinstance(outcome, CannotDelete)
    assert str(outcome) == (f"2 of 3 objects could not be deleted from {BUCKET}, e.g. locked: "
                            "AccessDenied no")
    assert res.details == {"objects_deleted": 1}
    assert "delete_bucket" not in _ops(bucket)
    record = records[0]
    assert (record["result"], record["deleted"], record["failed"], record["error"]) == (
        "AccessDenied,InvalidRequest", 1, 2, "2 key(s) not deleted, e.g. 'locked': AccessDenied no")


def test_rule_bucket_answer_without_version_counts_the_asked_version(tmp_path: Path) -> None:
    """Rule "S3 count": a Deleted entry without VersionId names its key's asked version; one
    naming a key or version not asked is not counted."""
    assert s3._named([{"Key": "a"}], {("a", "1")}) == {("a", "1")}
    assert s3._named([{"Key": "a", "VersionId": "9"}, {"Key": "b"}], {("a", "1")}) == set()
    assert s3._named([{"Key": "a", "VersionId": "2"}], {("a", "1"), ("a", "2")}) == {("a", "2")}
    assert s3._named([{"Key": "a"}], {("a", "2"), ("a", "1")}) == {("a", "1")}
    assert s3._named([{"Key": "other", "VersionId": "1"}], {("a", "1")}) == set()
    bucket = FakeS3(versions=[("a", "1"), ("b", "2")], no_version_in_answer=True)
    status, res, _, _ = _delete(tmp_path, bucket)
    assert (status, res.details) == (Status.DELETED, {"objects_deleted": 2})


def test_rule_bucket_keys_that_stay_listed_fail_it_after_bounded_rounds(tmp_path: Path) -> None:
    """Rule "S3 no endless loop": keys S3 answers deleted but keeps listing are not counted, and
    after IDLE_ROUNDS rounds in a row the bucket fails naming the first such key."""
    bucket = FakeS3(versions=[("b\r", "1"), ("a\r", "2"), ("gone", "3")], sticky={"a\r", "b\r"})
    outcome, res, _, _ = _delete(tmp_path, bucket)
    assert isinstance(outcome, CannotDelete)
    assert str(outcome) == (
        f"2 object version(s) stay listed in {BUCKET} although DeleteObjects answered them "
        f"deleted ({s3.IDLE_ROUNDS + 1} rounds in a row), e.g. key 'a\\r'; delete them yourself "
        "(aws s3api delete-object --version-id), then run apply again")
    assert res.details == {"objects_deleted": 1}
    assert _ops(bucket).count("delete_objects") == s3.IDLE_ROUNDS + 1


def test_rule_bucket_one_idle_round_is_not_yet_a_failure(tmp_path: Path) -> None:
    """Rule "S3 no endless loop": a key listed again once (S3's listing lagging) is retried, not
    failed: only IDLE_ROUNDS rounds in a row count."""
    class Lagging(FakeS3):
        lag = 1

        def list_object_versions(self, **params: Any) -> dict[str, Any]:
            answer = super().list_object_versions(**params)
            if not answer.get("Versions") and self.lag:
                self.lag -= 1
                answer["Versions"] = [{"Key": "a", "VersionId": "1"}]
            return answer

    bucket = Lagging(versions=[("a", "1")])
    status, res, _, _ = _delete(tmp_path, bucket)
    assert status is Status.DELETED
    assert res.details == {"objects_deleted": 1}


class _StopAfterFirstBatch(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    def is_set(self) -> bool:
        self.checks += 1
        return self.checks > 2  # Ctx.judged and _empty each look once per batch


def test_rule_bucket_ctrl_c_says_how_far_emptying_got(tmp_path: Path) -> None:
    """Rule "Ctrl-C": stopping while emptying keeps the bucket and says how many objects went."""
    keys = [(f"k{i}", "v") for i in range(1500)]
    bucket = FakeS3(versions=list(keys), page_size=1500)
    outcome, res, _, _ = _delete(tmp_path, bucket, stop=_StopAfterFirstBatch())
    assert isinstance(outcome, StopRequested)
    assert str(outcome) == ("interrupted (Ctrl-C) while emptying the bucket: 1,000 objects "
                            "deleted, the rest and the bucket remain; run apply again to finish")
    assert res.details == {"objects_deleted": 1000}
    assert "delete_bucket" not in _ops(bucket)


def test_rule_bucket_ctrl_c_before_anything_went(tmp_path: Path) -> None:
    """Rule "Ctrl-C": stopping before any object went is a plain stop, with nothing counted."""
    stop = threading.Event()
    stop.set()
    outcome, res, _, _ = _delete(tmp_path, FakeS3(versions=[("a", "1")]), stop=stop)
    assert isinstance(outcome, StopRequested)
    assert str(outcome) == ""
    assert res.details == {"objects_deleted": 0}


@pytest.mark.parametrize(("answer", "judged"), [
    ({"Deleted": [{"Key": "a"}]}, (OK, {"deleted": 1})),
    ({}, (OK, {"deleted": 0})),
    ({"Deleted": [], "Errors": [{"Key": "k", "Code": "B"}, {"Key": "j"}]},
     ("B,Error", {"deleted": 0, "failed": 2, "error": "2 key(s) not deleted, e.g. 'k': B"})),
], ids=["ok", "empty-answer", "errors-without-message-or-code"])
def test_rule_bucket_delete_objects_audit(answer: dict[str, Any],
                                          judged: tuple[str, dict[str, Any]]) -> None:
    """Rule "S3 per-key errors": the audit records DeleteObjects' per-key failures, not `ok`."""
    assert s3._judge_delete_objects(cast(Any, answer)) == judged


def test_rule_bucket_all_keys_refused_fails_it_with_the_first(tmp_path: Path) -> None:
    """Rule "S3 per-key errors": an answer with only `Errors` (S3 leaves out an empty
    `Deleted`) fails the bucket, the first error named even when it has no message."""
    class Bare(FakeS3):
        def delete_objects(self, **params: Any) -> dict[str, Any]:
            self.calls.append(("delete_objects", params))
            return {"Errors": [{"Key": "k", "Code": "AccessDenied"}]}

    outcome, res, _, records = _delete(tmp_path, Bare(versions=[("k", "1")]))
    assert isinstance(outcome, CannotDelete)
    assert str(outcome) == (f"1 of 1 objects could not be deleted from {BUCKET}, e.g. k: "
                            "AccessDenied")
    assert res.details == {"objects_deleted": 0}
    assert records[0]["error"] == "1 key(s) not deleted, e.g. 'k': AccessDenied"


def test_rule_bucket_emptying_reports_progress(tmp_path: Path) -> None:
    """Rule "S3": each batch says how many objects have gone so far (a bucket of millions
    takes a while)."""
    said: list[str] = []
    bucket = FakeS3(versions=[("a", "1"), ("b", "2")])
    account = OneBucketAccount(bucket)
    ctx = Ctx(cast(Account, account), "us-east-1", audit=AuditLog(tmp_path / "a.jsonl"),
              say=said.append)
    res = Resource(ACCOUNT, REGION, "s3-bucket", BUCKET, Action.DELETE, "why")
    assert s3.S3Bucket().delete(ctx, res) is Status.DELETED
    assert said == [f"{ACCOUNT}/{REGION}: emptying s3://{BUCKET}: 2 objects deleted"]


def test_rule_bucket_of_delete_markers_only(tmp_path: Path) -> None:
    """Rule "S3": a bucket holding only delete markers (its listing has no Versions) is
    emptied too."""
    bucket = FakeS3(markers=[("a", "1")])
    status, res, _, _ = _delete(tmp_path, bucket)
    assert (status, res.details) == (Status.DELETED, {"objects_deleted": 1})


LISTINGS_WITHOUT_A_LIST: dict[str, tuple[dict[str, Any], int, list[str]]] = {
    # ListObjectVersions without DeleteMarkers, ListMultipartUploads without Uploads
    "versions-only": ({"versions": [("a", "1")]}, 1, []),
    # ListObjectVersions without Versions nor DeleteMarkers: nothing to delete
    "empty-bucket": ({}, 0, []),
    # the upload listing's first page has no Uploads, its second one has
    "uploads-on-a-later-page": ({"upload_pages": [[], [{"Key": "big", "UploadId": "u1"}]]},
                                0, [f"{BUCKET}/big"]),
}


@pytest.mark.parametrize(("contents", "objects", "aborted"),
                         list(LISTINGS_WITHOUT_A_LIST.values()), ids=list(LISTINGS_WITHOUT_A_LIST))
def test_rule_bucket_listing_without_its_list_key_means_none(
        tmp_path: Path, contents: dict[str, Any], objects: int, aborted: list[str]) -> None:
    """Rule "S3" (an answer without the list key means none): S3 leaves an empty list out of
    its answers (ListObjectVersions without Versions or DeleteMarkers, ListMultipartUploads
    without Uploads). Such a listing holds nothing of that sort: the bucket is still emptied
    of the rest, every page of uploads is read, and the bucket is deleted."""
    bucket = FakeS3(**copy.deepcopy(contents))  # the fake deletes from its lists
    status, res, _, records = _delete(tmp_path, bucket)
    assert (status, res.details) == (Status.DELETED, {"objects_deleted": objects})
    assert [r["resource"] for r in records
            if r["operation"] == "s3:AbortMultipartUpload"] == aborted
    assert records[-1]["operation"] == "s3:DeleteBucket"
    assert ("delete_objects" in _ops(bucket)) is bool(objects)


@pytest.mark.parametrize("code", ["BucketNotEmpty", "OperationAborted"])
def test_rule_bucket_delete_retried_while_s3_is_busy(tmp_path: Path, code: str) -> None:
    """Rule "S3": DeleteBucket answered BucketNotEmpty or OperationAborted (a conflicting
    operation) is retried, and the retry is said."""
    class Busy(FakeS3):
        busy = 1

        def delete_bucket(self, **params: Any) -> dict[str, Any]:
            if self.busy:
                self.busy -= 1
                self.calls.append(("delete_bucket", params))
                raise error(code, 409)
            return super().delete_bucket(**params)

    said: list[str] = []
    bucket = Busy(versions=[("a", "1")])
    ctx = Ctx(cast(Account, OneBucketAccount(bucket)), "us-east-1",
              audit=AuditLog(tmp_path / "a.jsonl"), say=said.append,
              settings=Settings(retry_attempts=3, retry_base_delay=0, retry_max_delay=0))
    res = Resource(ACCOUNT, REGION, "s3-bucket", BUCKET, Action.DELETE, "why")
    assert s3.S3Bucket().delete(ctx, res) is Status.DELETED
    assert f"delete bucket {BUCKET}: {code}, retry 1 in 0s" in said


def test_rule_bucket_gone_while_emptying_is_already_gone(tmp_path: Path) -> None:
    """Rule "gone means not found": a bucket deleted by someone else while it is emptied is
    already gone, not a failure."""
    class Vanishing(FakeS3):
        def list_object_versions(self, **params: Any) -> dict[str, Any]:
            self.calls.append(("list_object_versions", params))
            raise error("NoSuchBucket", 404)

    status, _, _, _ = _delete(tmp_path, Vanishing(versions=[("a", "1")]))
    assert status is Status.ALREADY_GONE


@dataclass
class RegionalS3:
    """S3 clients per region: which region each call went to, with what."""

    answers: dict[str, Any]
    id: str = ACCOUNT
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def client(self, service: str, region: str) -> Any:
        account = self

        class Client:
            def __getattr__(self, operation: str) -> Any:
                def call(**params: Any) -> Any:
                    account.calls.append((region, operation, params))
                    answer = account.answers[operation]
                    if isinstance(answer, Exception):
                        raise answer
                    return answer
                return call

            def get_paginator(self, operation: str) -> Any:
                class Paginator:
                    def paginate(self, **params: Any) -> Iterator[Any]:
                        account.calls.append((region, operation, params))
                        yield account.answers[operation]
                return Paginator()
        return Client()

    @contextmanager
    def active(self) -> Iterator[None]:
        yield


def _classify(answers: dict[str, Any], regions: list[str]) -> tuple[Resource | None,
                                                                     RegionalS3]:
    account = RegionalS3({"get_bucket_location": {"LocationConstraint": REGION}, **answers})
    ctx = Ctx(cast(Account, account), "us-east-1")
    return s3.classify(ctx, BUCKET, regions), account


def test_rule_bucket_classified_with_calls_in_its_own_region() -> None:
    """Rule "Trivy bucket": the location is asked where the run's calls go, the Object Lock
    setting in the bucket's own region, each for that bucket; the row is the account's, in the
    bucket's region; a lock answer without a configuration is no lock."""
    found, account = _classify({"get_object_lock_configuration": {}}, [REGION])
    assert found is not None
    assert (found.account, found.region, found.kind, found.id, found.action, found.reason) == (
        ACCOUNT, REGION, "s3-bucket", BUCKET, Action.DELETE,
        "bucket name starts with defender-for-containers-va")
    assert account.calls == [
        ("us-east-1", "get_bucket_location", {"Bucket": BUCKET}),
        (REGION, "get_object_lock_configuration", {"Bucket": BUCKET})]


@pytest.mark.parametrize(("name", "answers", "regions", "reason"), [
    ("defender-for-containers-vault", {}, [REGION],
     "name is not defender-for-containers-va followed by the end, '-', '.' or a digit: not a "
     "Trivy bucket"),
    (BUCKET, {}, ["us-east-1"], f"in {REGION}, outside the selected regions; add it with "
     "--regions or use --all-regions"),
    (BUCKET, {"get_object_lock_configuration": {"ObjectLockConfiguration": {
        "ObjectLockEnabled": "Enabled"}}}, [REGION],
     "Object Lock is enabled: locked versions cannot be removed before their retention ends; "
     "empty and delete it yourself"),
], ids=["other-name", "other-region", "object-lock"])
def test_rule_bucket_kept_says_why_in_full(name: str, answers: dict[str, Any],
                                           regions: list[str], reason: str) -> None:
    """Rule "Trivy bucket": a kept bucket's reason, word for word."""
    account = RegionalS3({"get_bucket_location": {"LocationConstraint": REGION}, **answers})
    found = s3.classify(Ctx(cast(Account, account), "us-east-1"), name, regions)
    assert found is not None
    assert (found.action, found.reason) == (Action.KEEP, reason)


def test_rule_buckets_listed_with_the_prefix_filter() -> None:
    """Rule "Trivy bucket": the listing asks S3 for the look-alike prefix only."""
    account = RegionalS3({"list_buckets": {"Buckets": []}})
    assert s3.discover(Ctx(cast(Account, account), "us-east-1"), [REGION]) == []
    assert account.calls == [("us-east-1", "list_buckets",
                              {"Prefix": "defender-for-containers"})]

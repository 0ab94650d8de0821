"""The canned-answer fake (tests/migrate/fakeaws.py) leaves an empty list out of its answer when
asked, as AWS does: the rule tests "an answer without the list key means none" can only fail
if it does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.migrate.fakeaws import FakeClient, Pages, fake_ctx, omit_empty_lists


def _pages(client: FakeClient, operation: str) -> list[Any]:
    return list(client.get_paginator(operation).paginate(Bucket="b"))


def test_fake_omits_an_empty_list_only_when_asked() -> None:
    """With `omit_empty` an empty page has no list (`get` gives the default, `[]` raises
    KeyError), a non-empty one has its items; without it an empty page has an empty list.
    A key AWS's answer does not have still fails the test either way."""
    omitting = FakeClient({"list_multipart_uploads": []}, service="s3", omit_empty=True)
    page = omitting.list_multipart_uploads(Bucket="b")
    assert page.get("Uploads", "default") == "default"
    with pytest.raises(KeyError):
        page["Uploads"]
    with pytest.raises(AssertionError, match="answers no list 'Upload'"):
        page.get("Upload", [])
    upload = {"Key": "k", "UploadId": "u"}
    omitting.answers["list_multipart_uploads"] = [upload]
    assert omitting.list_multipart_uploads(Bucket="b").get("Uploads", None) == [upload]
    keeping = FakeClient({"list_multipart_uploads": []}, service="s3")
    assert keeping.list_multipart_uploads(Bucket="b").get("Uploads", None) == []


def test_fake_answers_pages_one_by_one() -> None:
    """`Pages` answers a paginator page by page (one call recorded), an empty page without its
    list when the client omits empty lists; a direct call cannot be answered with pages."""
    upload = {"Key": "k", "UploadId": "u"}
    client = FakeClient({"list_multipart_uploads": Pages([], [upload])}, service="s3",
                        omit_empty=True)
    pages = _pages(client, "list_multipart_uploads")
    assert [p.get("Uploads", None) for p in pages] == [None, [upload]]
    assert client.calls == [("list_multipart_uploads", {"Bucket": "b"})]
    with pytest.raises(AssertionError, match="Pages only to a paginator"):
        client.list_multipart_uploads(Bucket="b")


def test_fake_ctx_omitting_empty_lists_reaches_every_client() -> None:
    """`omit_empty_lists(ctx)` leaves empty lists out for the clients the test gave answers
    to and for those the code under test makes later."""
    ctx = omit_empty_lists(fake_ctx("123456789012", "us-east-1", s3={"list_buckets": []}))
    assert ctx.s3().list_buckets().get("Buckets", None) is None
    assert ctx.ecs().list_clusters().get("clusterArns", None) is None
    assert fake_ctx("123456789012", "us-east-1").ecs().list_clusters().get(
        "clusterArns", None) == []

"""A Google credential configuration for GitHub Actions' OIDC token (workload identity
federation), so the `gcp` provider in CI needs no key:

    GOOGLE_APPLICATION_CREDENTIALS=$(python3 scripts/gcp_oidc_credentials.py --out FILE)

It is the "external account" file Google's client libraries (and the Terraform provider under
pulumi-gcp) read: they fetch GitHub's ID token from the runner's token endpoint themselves,
exchange it at Google's STS for the workload identity provider, and impersonate the service
account. It is what `google-github-actions/auth` writes; a few lines of stdlib instead of one more
third-party action to pin and trust. The file holds the runner's token-request bearer (valid for
the job only), so it is written readable by its owner only, outside the checkout.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

PROVIDER = re.compile(r"^projects/\d+/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}/"
                      r"providers/[a-z0-9-]{4,32}$")
SERVICE_ACCOUNT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.gserviceaccount\.com$")


class CredentialsError(Exception):
    """A missing or malformed input; the message says which and how to fix it."""


def external_account(provider: str, service_account: str, token_url: str,
                     token: str) -> dict[str, Any]:
    if not PROVIDER.match(provider):
        raise CredentialsError(
            f"GCP_WORKLOAD_IDENTITY_PROVIDER is {provider!r}; it must be the provider's full "
            "name: projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<id>")
    if not SERVICE_ACCOUNT.match(service_account):
        raise CredentialsError(
            f"GCP_SERVICE_ACCOUNT is {service_account!r}; it must be a service account email "
            "such as pulumi@my-project.iam.gserviceaccount.com")
    if not token_url or not token:
        raise CredentialsError(
            "no GitHub OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN): the job needs "
            "`permissions: id-token: write`, which pull requests from forks never get")
    audience = f"//iam.googleapis.com/{provider}"
    return {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "service_account_impersonation_url":
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
            f"{service_account}:generateAccessToken",
        "credential_source": {
            # GitHub's token request URL already has a query; the provider's default allowed
            # audience is https://iam.googleapis.com/<provider name>.
            "url": f"{token_url}&audience={quote(f'https:{audience}', safe='')}",
            "headers": {"Authorization": f"Bearer {token}"},
            "format": {"type": "json", "subject_token_field_name": "value"},
        },
    }


def write(out: Path, env: Mapping[str, str]) -> Path:
    document = external_account(
        env.get("GCP_WORKLOAD_IDENTITY_PROVIDER", "").strip(),
        env.get("GCP_SERVICE_ACCOUNT", "").strip(),
        env.get("ACTIONS_ID_TOKEN_REQUEST_URL", ""),
        env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ""))
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    return out

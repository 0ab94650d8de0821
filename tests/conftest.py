"""Speed-ups for the whole test process that change nothing the tests look at."""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session

# The command and the strict layer share one botocore loader each (migrate/aws.py,
# localaws/strict.py), but every other boto3 Session a test makes (the `aws` fixture, seeding,
# checks) built its own and parsed the service models again: EC2's alone is megabytes of JSON,
# and test_plan.py spent a fifth of its CPU on it. One loader per data path serves them all,
# as one session's loader serves all of its clients; botocore only reads the models it loads.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)

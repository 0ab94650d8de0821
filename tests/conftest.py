"""Speed-ups for the whole test process that change nothing the tests look at."""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session

# Each boto3 Session a test makes (seeding, the command under test, the strict layer) would
# build its own data loader and parse the service models again: ec2's alone is megabytes of
# JSON, and parsing them was the largest CPU cost of an in-process moto test. One loader per
# data path serves every session, as one session's loader serves all of its clients; botocore
# only reads the models it loads.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)

"""`python -m stacks.offline Pulumi.<stack>.yaml`: the offline preview (preview.py here)."""

import sys

from stacks.offline.preview import main

sys.exit(main())

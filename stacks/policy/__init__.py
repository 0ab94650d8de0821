"""Defender for Containers through Azure Policy: the component and the data it relies on.

Import the component from `stacks.policy.component`; this package itself stays import-light so
that `scripts/default_workspace_names.py` does not load the Azure SDK.
"""

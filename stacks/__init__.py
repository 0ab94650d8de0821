"""Pulumi program and components for Microsoft Defender for Containers.

`stacks/__main__.py` is the program `pulumi up` runs (Pulumi.yaml: `main: stacks/`); it only
reads config (`stacks.config`) and wires the components, which other programs can import too.
"""

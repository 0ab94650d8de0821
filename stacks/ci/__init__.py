"""What the preview and up workflows run around Pulumi (scripts/ are their entry points): the
stack matrix (`stack_files`) and the keyless Google credential file (`gcp_credentials`). Standard
library only, and nothing else from `stacks` is imported: they run before anything is installed.
The Pulumi program never imports this package."""

"""Running the Pulumi program without the Pulumi CLI or any cloud: recording mocks."""

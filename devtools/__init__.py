"""Developer tooling that is not part of the product: the safety-mutation check."""

"""Local AWS for tests, the demo, the sandbox and the benchmarks: a moto server, the Trivy
leftovers and look-alikes to seed it with, AWS's real refusals layered over in-process moto,
and an API call recorder. Development tooling only: the product (`migrate/`) never imports it."""

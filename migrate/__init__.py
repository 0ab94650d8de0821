"""defender-migrate: remove the retired Trivy vulnerability scanner's AWS leftovers, safely."""

__version__ = "0.1.0"

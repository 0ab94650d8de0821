"""The Defender for Cloud GCP connector for GKE (issue #18): identities in GCP, the security
connector in Azure.

    GcpConnector(name, GcpConnectorArgs(config), opts)   # type token defender:gcp:GcpConnector
"""

from stacks.gcp_connector.component import GcpConnector, GcpConnectorArgs

__all__ = ["GcpConnector", "GcpConnectorArgs"]

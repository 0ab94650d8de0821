"""The Defender for Cloud AWS connector (issue #4): roles in AWS, the security connector in Azure.

    AwsConnector(name, AwsConnectorArgs(config), opts)   # type token defender:aws:Connector
"""

from stacks.aws_connector.component import AwsConnector, AwsConnectorArgs

__all__ = ["AwsConnector", "AwsConnectorArgs"]

"""`defender:aws:Connector`: both sides of the Defender for Cloud AWS connector in one component.

AWS (pulumi-aws): Microsoft's OIDC provider, one role per enabled capability, their policies,
and in organization mode a service-managed StackSet putting the same roles in member accounts.
Azure (pulumi-azure-native): the security connector, whose offerings take each role ARN from
the role resources themselves, so the two sides cannot disagree.

The AWS provider must point at `accountId`: the caller identity is checked before any role is
created, so a wrong profile fails instead of putting roles in another account.

The data-collection external ID (what Microsoft's data-collection user must present to assume
the data-collection role) is `advanced.dataCollectionExternalId` or, by default, a random UUID
kept in the stack's state (pulumi-random's `RandomUuid`): the same value on every `pulumi up`,
and, unlike anything derived from the account, tenant or stack names, not guessable by another
Defender customer who names this account's role in a connector of their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_aws import cloudformation, iam
from pulumi_aws.get_caller_identity import get_caller_identity_output
from pulumi_azure_native import security
from pulumi_random import random_uuid

from stacks.aws_connector.offerings import connector_offerings
from stacks.aws_connector.policies import Document
from stacks.aws_connector.refs import (
    EXTERNAL_ID_PARAMETER,
    LiteralRefs,
    Refs,
    aws_managed_policy_arn,
)
from stacks.aws_connector.roles import (
    RoleDefinition,
    data_collection_enabled,
    oidc_audiences,
    oidc_provider_url,
    role_definitions,
)
from stacks.aws_connector.template import member_template_body
from stacks.config.aws import AwsConnectorConfig
from stacks.config.errors import ConfigError

# IAM is global: one stack instance per member account, in a region every account has.
STACK_INSTANCE_REGION = "us-east-1"


@dataclass(frozen=True)
class AwsConnectorArgs:
    config: AwsConnectorConfig


class AwsConnector(pulumi.ComponentResource):
    connector_id: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    role_arns: dict[str, pulumi.Output[str]]
    data_collection_external_id: pulumi.Output[str] | None
    stack_set_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: AwsConnectorArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("defender:aws:Connector", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        account = get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        ).account_id.apply(lambda found: _expect_account(found, config.account_id))

        provider = iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=oidc_provider_url(config),
            # Gated on the account check so nothing is created in the wrong account.
            client_id_lists=account.apply(lambda _: oidc_audiences(config)),
            thumbprint_lists=[config.advanced.oidc_thumbprint],
            opts=child,
        )
        self.oidc_provider_arn = provider.arn

        self.data_collection_external_id = None
        if data_collection_enabled(config):
            override = config.advanced.data_collection_external_id
            self.data_collection_external_id = (
                pulumi.Output.from_input(override) if override is not None
                else random_uuid.RandomUuid(f"{name}-data-collection-external-id",
                                            opts=child).result)
        # Without the data-collection role no document names it.
        external_id = (pulumi.Output.from_input("") if self.data_collection_external_id is None
                       else self.data_collection_external_id)

        roles: dict[str, iam.Role] = {}
        for definition in role_definitions(config):
            roles[definition.key] = self._role(name, definition, account, provider,
                                               external_id, roles)
        self.role_arns = {key: role.arn for key, role in roles.items()}

        organizational_data: Any = None
        self.stack_set_name = None
        if config.organization is not None:
            organizational_data = security.AwsOrganizationalDataMasterArgs(
                organization_membership_type="Organization",
                stackset_name=config.organization.stackset_name,
                excluded_account_ids=list(config.organization.excluded_account_ids),
            )
            self.stack_set_name = self._stack_set(name, config, self.data_collection_external_id)

        connector = security.SecurityConnector(
            f"{name}-connector",
            security_connector_name=config.connector.name,
            resource_group_name=config.connector.resource_group_name,
            location=config.connector.location,
            environment_name="AWS",
            hierarchy_identifier=config.account_id,
            environment_data=security.AwsEnvironmentDataArgs(
                environment_type="AwsAccount",
                # Omitted = every region (the portal's "all regions").
                regions=list(config.regions) or None,
                scan_interval=float(config.scan_interval_hours),
                organizational_data=organizational_data,
            ),
            offerings=connector_offerings(config, self.role_arns,
                                          self.data_collection_external_id),
            opts=child,
        )
        self.connector_id = connector.id

        self.register_outputs({
            "connectorId": self.connector_id,
            "oidcProviderArn": self.oidc_provider_arn,
            "roleArns": self.role_arns,
            "dataCollectionExternalId": self.data_collection_external_id,
            "stackSetName": self.stack_set_name,
        })

    def _role(self, name: str, definition: RoleDefinition, account: pulumi.Output[str],
              provider: iam.OpenIdConnectProvider, external_id: pulumi.Output[str],
              roles: Mapping[str, iam.Role]) -> iam.Role:
        def refs(args: dict[str, Any]) -> LiteralRefs:
            arns = {key: args[key] for key in definition.references}
            return LiteralRefs(args["account"], args["provider"], arns, args["external_id"])

        ref_inputs: dict[str, Any] = {"account": account, "provider": provider.arn,
                                      "external_id": external_id}
        ref_inputs.update({key: roles[key].arn for key in definition.references})
        resolved = pulumi.Output.all(**ref_inputs).apply(refs)

        role = iam.Role(
            f"{name}-{definition.key}",
            name=definition.name,
            description=definition.description,
            assume_role_policy=resolved.apply(_rendered(definition.trust)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for policy_name in definition.managed_policies:
            iam.RolePolicyAttachment(
                f"{name}-{definition.key}-{policy_name}",
                role=role.name,
                policy_arn=aws_managed_policy_arn(policy_name),
                opts=pulumi.ResourceOptions(parent=self),
            )
        for policy_name, build in definition.inline_policies:
            iam.RolePolicy(
                f"{name}-{definition.key}-{policy_name}",
                name=policy_name,
                role=role.name,
                policy=resolved.apply(_rendered(build)),
                opts=pulumi.ResourceOptions(parent=self),
            )
        return role

    def _stack_set(self, name: str, config: AwsConnectorConfig,
                   external_id: pulumi.Output[str] | None) -> pulumi.Output[str]:
        assert config.organization is not None
        organization = config.organization
        stack_set = cloudformation.StackSet(
            f"{name}-member-roles",
            name=organization.stackset_name,
            description="Microsoft Defender for Cloud connector roles for member accounts",
            permission_model="SERVICE_MANAGED",
            auto_deployment=cloudformation.StackSetAutoDeploymentArgs(
                enabled=True, retain_stacks_on_account_removal=False),
            capabilities=["CAPABILITY_NAMED_IAM"],
            template_body=member_template_body(config),
            parameters=None if external_id is None else {EXTERNAL_ID_PARAMETER: external_id},
            operation_preferences=cloudformation.StackSetOperationPreferencesArgs(
                failure_tolerance_percentage=10, max_concurrent_percentage=25,
                region_concurrency_type="PARALLEL"),
            # AWS sets it for service-managed StackSets; without this every preview shows a diff.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["administrationRoleArn"]),
        )
        excluded = list(organization.excluded_account_ids)
        cloudformation.StackSetInstance(
            f"{name}-member-roles-targets",
            stack_set_name=stack_set.name,
            stack_set_instance_region=STACK_INSTANCE_REGION,
            deployment_targets=cloudformation.StackSetInstanceDeploymentTargetsArgs(
                organizational_unit_ids=list(organization.organizational_unit_ids),
                account_filter_type="DIFFERENCE" if excluded else None,
                accounts=excluded or None,
            ),
            operation_preferences=cloudformation.StackSetInstanceOperationPreferencesArgs(
                failure_tolerance_percentage=10, max_concurrent_percentage=25),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return stack_set.name


def _rendered(build: Callable[[Refs], Document]) -> Callable[[Refs], str]:
    return lambda refs: json.dumps(build(refs))


def _expect_account(found: str, wanted: str) -> str:
    if found != wanted:
        raise ConfigError(
            "aws.accountId", f"is {wanted} but this stack's AWS credentials are for account "
            f"{found}: point the aws provider (profile, role or environment) at {wanted}")
    return found

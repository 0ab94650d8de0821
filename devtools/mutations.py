"""The curated safety mutations: every rule that decides what `defender-migrate` deletes, and
the AWS connector stack's trust, audience, role and dependency rules, and the GCP connector
stack's identity, API, audit-log and credential-check rules.

Each entry breaks one rule with a one-line change and names the tests that must notice. When
the code changes, `scripts/dev.py mutate` reports a mutation whose text no longer matches as
stale (an error): update the entry, never drop it silently.
"""

from __future__ import annotations

from devtools.mutate import Mutation

PACKAGES = ("migrate", "stacks", "localaws")

PLAN = "tests/migrate/test_plan.py"
APPLY = "tests/migrate/test_apply.py"
ERRORS = "tests/migrate/test_cli_errors.py"
CONNECTOR = "tests/stacks/test_aws_connector.py"
POLICIES = "tests/stacks/test_aws_policies.py"
VPC = "migrate/kinds/vpc.py"
VPC_CHECKS = "migrate/kinds/vpc_checks.py"  # what decides: the checks over listed answers
IAM = "tests/migrate/test_iam_roles.py"
READINESS = "tests/migrate/test_readiness.py"
GCP_COMPONENT = "stacks/gcp_connector/component.py"
GCP_CONTRACT = "tests/stacks/test_gcp_contract.py"
GCP_CONNECTOR = "tests/stacks/test_gcp_connector.py"
USED = "tests/migrate/test_used_roles.py"
UNKIND = "tests/migrate/test_unkind_aws.py"
RULES_IAM = "tests/migrate/test_rules_iam.py"
RULES_FP = "tests/migrate/test_rules_fingerprint.py"
RULES_CLI = "tests/migrate/test_rules_cli.py"
RULES_REFUSALS = "tests/migrate/test_rules_refusals.py"


def _foreign(case: str) -> str:
    return f"{PLAN}::test_vpc_holding_foreign_resources_is_kept_whole[{case}]"


def _never(name: str, rule: str, old: str, new: str, case: str) -> Mutation:
    """A foreign-resource check switched off."""
    return Mutation(name, rule, VPC_CHECKS, old, new, (_foreign(case),))


MUTATIONS: tuple[Mutation, ...] = (
    # --- names, tags, CIDRs -------------------------------------------------------------------
    Mutation("bucket-name-prefix-only", "a bucket matches only with end, '-', '.' or a digit "
             "after the name", "migrate/fingerprint.py",
             'BUCKET_PATTERN = re.compile(rf"^{re.escape(NAME)}(?:$|[-.0-9])")',
             'BUCKET_PATTERN = re.compile(rf"^{re.escape(NAME)}")',
             (f"{PLAN}::test_lookalike_bucket_names_are_kept",)),
    Mutation("bucket-outside-regions", "a bucket outside the selected regions is kept",
             "migrate/kinds/s3.py", "    elif region not in regions:", "    elif False:",
             (f"{PLAN}::test_bucket_outside_selected_regions_is_kept_with_reason",)),
    Mutation("bucket-object-lock", "a bucket with Object Lock is kept", "migrate/kinds/s3.py",
             "        if locked:", "        if False:",
             (f"{PLAN}::test_object_lock_bucket_is_kept",)),
    Mutation("tag-value-any-case", "the tag value must be exactly the scanner's",
             "migrate/fingerprint.py", 't.get("Value") == NAME',
             'str(t.get("Value", "")).lower() == NAME.lower()',
             (_foreign("trivy-subnet-tag-other-case"),)),
    Mutation("tag-any-key", "the tag key must be name or Name", "migrate/fingerprint.py",
             't.get("Key") in TAG_KEYS and ', "",
             (_foreign("trivy-subnet-tag-other-key"),)),
    Mutation("vpc-any-10-cidr", "the VPC's CIDR must be 10.0.0.0/16", VPC_CHECKS,
             'if vpc.get("CidrBlock") != VPC_CIDR:',
             'if not str(vpc.get("CidrBlock")).startswith("10."):',
             (f"{PLAN}::test_plan_lists_leftovers_in_dependency_order_and_keeps_lookalikes",)),
    Mutation("default-vpc-allowed", "the default VPC is never deleted", VPC_CHECKS,
             'if vpc.get("IsDefault"):', "if False:",
             (f"{PLAN}::test_default_vpc_is_never_deleted",)),
    Mutation("subnet-any-tag", "the subnet must carry the Trivy tag", VPC_CHECKS,
             ' and has_trivy_tag(subnet.get("Tags")):', ":",
             (_foreign("trivy-subnet-untagged"),)),
    Mutation("subnet-any-cidr", "the subnet must be 10.0.1.0/24", VPC_CHECKS,
             'if subnet.get("CidrBlock") == SUBNET_CIDR and ', "if ",
             (_foreign("tagged-subnet-other-cidr"),)),
    # --- what else may be in the VPC ----------------------------------------------------------
    _never("foreign-keeps-vpc-whole", "anything foreign keeps the whole VPC",
           "    if contents.foreign:", "    if False:", "instance"),
    Mutation("kept-vpc-children-deleted", "nothing inside a kept VPC is deleted", VPC_CHECKS,
             'Action.KEEP,\n' + " " * 32 + 'f"inside VPC {vpc_id}, which is kept"',
             'Action.DELETE,\n' + " " * 32 + 'f"inside VPC {vpc_id}, which is kept"',
             (_foreign("instance"),)),
    _never("instance-ignored", "an EC2 instance keeps the VPC",
           '_always, "EC2 instance {InstanceId}"',
           'lambda i, _: False, "EC2 instance {InstanceId}"', "instance"),
    _never("nat-gateway-ignored", "a NAT gateway keeps the VPC",
           'n.get("State") not in ("deleted", "deleting", "failed")', "False",
           "nat-gateway"),
    _never("vpc-endpoint-ignored", "a VPC endpoint keeps the VPC",
           'lambda e, _: e.get("State", "").lower()',
           'lambda e, _: False and e.get("State", "").lower()', "vpc-endpoint"),
    _never("peering-ignored", "a VPC peering connection keeps the VPC",
           'lambda p, _: p.get("Status", {}).get("Code") in (',
           'lambda p, _: False and p.get("Status", {}).get("Code") in (', "peering"),
    _never("transit-gateway-ignored", "a transit gateway attachment keeps the VPC",
           'a.get("State") not in ("deleted", "deleting", "failed", "rejected")', "False",
           "transit-gateway"),
    _never("vpn-gateway-ignored", "a VPN gateway keeps the VPC",
           'g.get("State") not in ("deleted", "deleting")', "False", "vpn-gateway"),
    _never("network-acl-ignored", "a non-default network ACL keeps the VPC",
           'lambda acl, _: not acl.get("IsDefault")', "lambda acl, _: False", "network-acl"),
    _never("load-balancer-ignored", "a load balancer (elbv2) keeps the VPC",
           'lb.get("VpcId") == vpc["VpcId"]', "False", "load-balancer"),
    _never("classic-load-balancer-ignored", "a classic load balancer keeps the VPC",
           'lb.get("VPCId") == vpc["VpcId"]', "False", "classic-load-balancer"),
    _never("untagged-igw-accepted", "an untagged internet gateway keeps the VPC",
           'if has_trivy_tag(igw.get("Tags")):\n            found.igws',
           'if True:\n            found.igws', "untagged-internet-gateway"),
    _never("untagged-route-table-accepted", "an untagged route table keeps the VPC",
           'elif not main and not has_trivy_tag(table.get("Tags")):', "elif False:",
           "untagged-route-table"),
    _never("untagged-security-group-accepted", "an untagged security group keeps the VPC",
           'VPC\n        if has_trivy_tag(group.get("Tags")):', 'VPC\n        if True:',
           "untagged-security-group"),
    _never("any-route-accepted", "a route the scanner did not create keeps the VPC",
           'odd = [r for r in table.get("Routes", []) if not _trivy_route(r, tagged_igws)]',
           "odd: list[Any] = []", "foreign-default-route"),
    _never("route-any-destination", "only 0.0.0.0/0 may go to the scanner's gateway",
           "(dest == DEFAULT_ROUTE and gateway in igws)", "(gateway in igws)",
           "route-to-other-network"),
    _never("route-any-target", "0.0.0.0/0 must go to the scanner's gateway",
           "(dest == DEFAULT_ROUTE and gateway in igws)", "(dest == DEFAULT_ROUTE)",
           "foreign-default-route"),
    _never("route-any-local", "only the 10.0.0.0/16 local route is the scanner's",
           '(dest == VPC_CIDR and gateway == "local")', '(gateway == "local")', "secondary-cidr"),
    # --- ENI attribution ------------------------------------------------------------------------
    _never("eni-any-accepted", "an ENI that is not the Trivy tasks' keeps the VPC",
           "if eni_id in scan.task_enis or (", "if True or (", "foreign-eni"),
    _never("eni-in-use-elsewhere-accepted", "an in-use ECS ENI the active Trivy cluster does "
           "not list (another cluster's task) keeps the VPC",
           'in_use_elsewhere = scan.cluster_active and eni.get("Status") == "in-use"',
           "in_use_elsewhere = False", "other-cluster-task-eni"),
    Mutation("eni-other-account-accepted", "a stranded ENI must be an attachment of this account",
             VPC_CHECKS, 'described is not None and described["account"] == account',
             "described is not None",
             ("tests/migrate/test_eni_release.py::test_eni_without_full_evidence_keeps_the_vpc",)),
    Mutation("eni-not-requester-managed-accepted", "a stranded ENI must be created by ECS",
             VPC_CHECKS,
             '            and eni.get("RequesterManaged") is True\n', "",
             ("tests/migrate/test_eni_release.py::test_eni_without_full_evidence_keeps_the_vpc",)),
    # --- deleting -------------------------------------------------------------------------------
    Mutation("batch-over-1000", "DeleteObjects takes at most 1000 keys", "migrate/kinds/s3.py",
             "BATCH = 1000", "BATCH = 1001",
             (f"{APPLY}::test_big_bucket_is_emptied_in_batches_of_1000",)),
    Mutation("delete-objects-errors-ignored", "an Errors entry in DeleteObjects fails the bucket",
             "migrate/kinds/s3.py", "            if errors:", "            if False:",
             (f"{APPLY}::test_delete_objects_errors_fail_the_bucket",)),
    Mutation("confirmation-any-answer", "the typed account IDs must match",
             "migrate/commands/apply.py", "    if given != wanted:", "    if False:",
             (f"{APPLY}::test_confirmation_must_name_the_accounts",)),
    Mutation("confirmation-skipped", "without --yes, apply asks first",
             "migrate/commands/apply.py", "    if not yes:", "    if False:",
             (f"{APPLY}::test_confirmation_must_name_the_accounts",)),
    Mutation("read-only-guard-off", "no mutating call while planning", "migrate/context.py",
             "        if self.audit is None:", "        if False:",
             (f"{PLAN}::test_mutating_call_while_planning_is_refused",)),
    # --- plan files -----------------------------------------------------------------------------
    Mutation("plan-resource-outside-targets", "each resource's account is among the targets",
             "migrate/document.py", "    if res.account not in targets.accounts:",
             "    if False:",
             (f"{ERRORS}::test_plan_file_resource_outside_its_targets_is_refused",)),
    Mutation("plan-other-cluster", "a plan file cannot delete another ECS cluster",
             "migrate/document.py",
             'if res.kind == "ecs-cluster" and res.id != CLUSTER_NAME:', "if False:",
             (f"{ERRORS}::test_plan_file_edited_to_delete_another_cluster_is_refused",)),
    Mutation("plan-any-account-credentials", "the credentials must be for the plan's account",
             "migrate/targeting.py", "        if account_id == own:", "        if True:",
             (f"{ERRORS}::test_plan_file_for_another_account_is_refused",)),
    Mutation("plan-recheck-ignored", "a resource that no longer matches is skipped",
             "migrate/executor.py", "        elif now.action is Action.KEEP:",
             "        elif False:",
             (f"{ERRORS}::test_plan_file_resource_that_no_longer_matches_is_skipped",)),
    Mutation("plan-new-anything-deleted", "apply deletes only what the file lists",
             "migrate/executor.py",
             "if now.kind in EPHEMERAL and parent_deleted(now) and now.parent is not None:",
             "if True:",
             (f"{APPLY}::test_plan_file_never_deletes_what_appeared_in_a_vpc_it_kept",)),
    Mutation("plan-new-ephemeral-anywhere", "only children of APPROVED parents may be added",
             "migrate/executor.py",
             "if now.kind in EPHEMERAL and parent_deleted(now) and now.parent is not None:",
             "if now.kind in EPHEMERAL:",
             (f"{APPLY}::test_plan_file_never_deletes_what_appeared_in_a_vpc_it_kept",)),
    # --- the retired scanner's IAM (issue 10) and the MDVM readiness gate -----------------------
    Mutation("iam-role-any-audience", "a scanner-named role must trust Defender's OIDC provider "
             "with the containers audience", "migrate/trust.py",
             "        if [audience] not in values:", "        if False:",
             (f"{IAM}::test_a_role_with_the_name_but_another_trust_is_a_lookalike",)),
    Mutation("iam-task-role-any-principal", "a scanner-named task role must trust only "
             "ecs-tasks.amazonaws.com", "migrate/trust.py",
             '            return f"it trusts {principal!r}, not only {service}"',
             "            continue",
             (f"{IAM}::test_a_role_with_the_name_but_another_trust_is_a_lookalike",)),
    Mutation("iam-policy-attached-elsewhere", "a scanner policy attached to anything that stays "
             "is kept", "migrate/kinds/iam.py", "        if others:", "        if False:",
             (f"{IAM}::test_policy_attached_to_something_else_stays",)),
    Mutation("iam-role-used-by-kept-task-definition", "a scanner role that an ACTIVE task "
             "definition names is kept", "migrate/kinds/iam.py",
             "        if res.action is Action.DELETE and user is not None:", "        if False:",
             (f"{IAM}::test_role_named_by_a_kept_task_definition_stays",
              f"{USED}::test_a_role_named_by_another_teams_task_definition_is_kept")),
    Mutation("readiness-any-trust", "an account is ready only when the image-assessment role "
             "trusts Defender's OIDC provider", "migrate/readiness.py",
             "    if why_not is not None:", "    if False:",
             (f"{READINESS}::test_a_role_without_defenders_trust_is_not_ready",)),
    # --- the AWS connector stack ----------------------------------------------------------------
    Mutation("trust-any-audience", "OIDC roles trust only their audience",
             "stacks/aws_connector/policies.py",
             '"StringEquals": {f"{issuer}:aud": audience},', "",
             (f"{CONNECTOR}::test_oidc_roles_trust_only_their_audience_and_the_customer_tenant",)),
    Mutation("trust-any-session-name", "OIDC roles check the role session name",
             "stacks/aws_connector/policies.py",
             '"StringLike": {"sts:RoleSessionName": session_name},', "",
             (f"{CONNECTOR}::test_oidc_roles_trust_only_their_audience_and_the_customer_tenant",)),
    Mutation("trust-any-federation", "OIDC roles trust only Microsoft's OIDC provider",
             "stacks/aws_connector/policies.py",
             '"Principal": {"Federated": refs.oidc_provider_arn()},',
             '"Principal": {"AWS": "*"},',
             (f"{CONNECTOR}::test_oidc_roles_trust_only_their_audience_and_the_customer_tenant",)),
    Mutation("trust-logs-any-source", "CloudWatch Logs trust is scoped to this account",
             "stacks/aws_connector/policies.py",
             '"Condition": {"StringLike": {"aws:SourceArn": refs.arn("logs", "*")}},', "",
             (f"{CONNECTOR}::test_kinesis_roles_are_trusted_by_their_aws_services_only",)),
    Mutation("trust-firehose-no-external-id", "Firehose trust needs the external ID",
             "stacks/aws_connector/policies.py",
             '"Condition": {"StringEquals": {"sts:ExternalId": refs.account_id()}},', "",
             (f"{CONNECTOR}::test_kinesis_roles_are_trusted_by_their_aws_services_only",)),
    Mutation("audience-data-collection-dropped", "the provider lists every enabled audience",
             "stacks/aws_connector/roles.py",
             "        wanted.append(audiences.data_collection)", "        pass",
             (CONNECTOR,)),
    Mutation("role-image-assessment-broad", "least privilege gives image assessment ECR "
             "read-only", "stacks/aws_connector/roles.py",
             "managed_policies=IMAGE_ASSESSMENT_LEAST_PRIVILEGE if config.least_privilege",
             "managed_policies=IMAGE_ASSESSMENT_DEFAULT_ACCESS if config.least_privilege",
             (f"{CONNECTOR}::test_least_privilege_reads_ecr_and_ecr_public_and_default_access_"
              "is_power_user",)),
    Mutation("trust-data-collection-no-external-id", "Microsoft's data-collection user must "
             "present the connector's external ID", "stacks/aws_connector/policies.py",
             '"Condition": {"StringEquals": {"sts:ExternalId": '
             'refs.data_collection_external_id()}}},',
             "},",
             (f"{CONNECTOR}::test_data_collection_role_trusts_microsofts_user_with_the_"
              "connectors_external_id",)),
    Mutation("dependency-account-check-off", "nothing is created for the wrong account",
             "stacks/aws_connector/component.py", "    if found != wanted:", "    if False:",
             (f"{CONNECTOR}::test_credentials_for_another_account_create_nothing_in_either_cloud",)),
    Mutation("dependency-provider-not-gated", "the OIDC provider waits for the account check",
             "stacks/aws_connector/component.py",
             "client_id_lists=account.apply(lambda _: oidc_audiences(config)),",
             "client_id_lists=oidc_audiences(config),",
             (f"{CONNECTOR}::test_nothing_in_aws_is_registered_before_the_account_is_checked",)),
    # --- issue 18: the GCP connector stack's identity rules ------------------------------------
    Mutation("gcp-pool-id-with-hyphens", "the pool ID is the tenant without hyphens",
             "stacks/config/gcp.py", 'or self.azure_tenant_id.replace("-", ""))',
             "or self.azure_tenant_id)", (GCP_CONTRACT,)),
    Mutation("gcp-provider-no-audience", "each provider allows its audience",
             GCP_COMPONENT, "allowed_audiences=[provider.audience],", "allowed_audiences=[],",
             (GCP_CONTRACT,)),
    Mutation("gcp-provider-wrong-audience", "the data-collection provider allows only its own "
             "audience", "stacks/config/gcp.py",
             '("containers-streams", "api://2041288c-b303-4ca0-9076-9612db3beeb2")',
             '("containers-streams", "api://6610e979-c931-41ec-adc7-b9920c9d52f1")',
             (GCP_CONTRACT,)),
    Mutation("gcp-provider-any-mapping", "providers map google.subject from the token's subject",
             "stacks/gcp_connector/identity.py",
             'ATTRIBUTE_MAPPING: Mapping[str, str] = {"google.subject": "assertion.sub"}',
             'ATTRIBUTE_MAPPING: Mapping[str, str] = {"google.subject": "assertion.aud"}',
             (GCP_CONTRACT,)),
    Mutation("gcp-workload-identity-binding-dropped", "the pool may impersonate each account",
             GCP_COMPONENT, "            serviceaccount.IAMMember(",
             "            (lambda *_a, **_k: None)(", (GCP_CONTRACT,)),
    Mutation("gcp-workload-identity-one-subject", "the binding names the whole pool",
             GCP_COMPONENT, 'f"{pool_id}/*")', 'f"{pool_id}/subject/x")', (GCP_CONTRACT,)),
    Mutation("gcp-permission-dropped", "custom roles hold every contract permission",
             "stacks/gcp_connector/identity.py", '("container.clusters.update",)', "()",
             (GCP_CONTRACT,)),
    Mutation("gcp-permission-added", "custom roles hold nothing beyond the contract",
             "stacks/gcp_connector/identity.py",
             '("pubsub.subscriptions.consume", "pubsub.subscriptions.get")',
             '("pubsub.subscriptions.consume", "pubsub.subscriptions.get", "pubsub.topics.delete")',
             (GCP_CONTRACT,)),
    Mutation("gcp-project-role-with-organization-permissions", "project custom roles leave out "
             "organization-only permissions", "stacks/gcp_connector/identity.py",
             "    if organization:\n        return role", "    if True:\n        return role",
             (GCP_CONTRACT,)),
    Mutation("gcp-api-dropped", "every contract API is enabled", "stacks/config/gcp.py",
             '    "pubsub.googleapis.com",\n', "", (GCP_CONTRACT,)),
    Mutation("gcp-api-disabled-on-destroy", "destroying the stack leaves the APIs on",
             GCP_COMPONENT, "disable_on_destroy=False,", "disable_on_destroy=True,",
             (f"{GCP_CONNECTOR}::test_apis_stay_on_and_audit_logs_are_retained_when_the_stack_is_"
              "destroyed",)),
    Mutation("gcp-audit-config-not-retained", "destroying the stack leaves the audit logs on",
             GCP_COMPONENT, "retain_on_delete=True", "retain_on_delete=False",
             (f"{GCP_CONNECTOR}::test_only_the_audit_config_is_retained_on_delete",)),
    Mutation("gcp-audit-logs-dropped", "Kubernetes Engine Data Access logs are on",
             GCP_COMPONENT, "            self._audit_logs(config, project, org)",
             "            pass", (GCP_CONTRACT,)),
    Mutation("gcp-grant-authoritative", "project grants never remove other members",
             GCP_COMPONENT,
             "projects.IAMMember(resource_name, project=project, role=role, member=member,",
             "projects.IAMBinding(resource_name, project=project, role=role, members=[member],",
             (f"{GCP_CONNECTOR}::test_iam_is_only_ever_added_never_made_authoritative",)),
    Mutation("gcp-artifact-least-privilege-broad", "least privilege reads artifacts only",
             "stacks/gcp_connector/identity.py",
             "ARTIFACT_LEAST_PRIVILEGE if config.least_privilege",
             "ARTIFACT_DEFAULT_ACCESS if config.least_privilege",
             (f"{GCP_CONNECTOR}::test_least_privilege_reads_artifacts_and_default_access_may_"
              "publish_results",)),
    Mutation("gcp-cloud-logs-publisher-dropped", "the log sink writer may publish to Pub/Sub",
             GCP_COMPONENT,
             "if config.advanced.cloud_logs_publisher and config.offerings.containers:",
             "if False:", (GCP_CONTRACT,)),
    Mutation("gcp-connector-wrong-account", "the data pipeline names the data-collection account",
             "stacks/gcp_connector/offerings.py",
             'service_account_email_address=emails["dataCollection"],',
             'service_account_email_address=emails["containers"],',
             (f"{GCP_CONNECTOR}::test_the_connector_takes_emails_and_provider_ids_from_the_gcp_"
              "resources",)),
    Mutation("gcp-connector-wrong-provider", "the data pipeline names its own provider",
             "stacks/gcp_connector/offerings.py",
             'workload_identity_provider_id=providers["containersStreams"])),',
             'workload_identity_provider_id=providers["containers"])),',
             (GCP_CONTRACT,)),
    Mutation("gcp-project-check-off", "nothing is created for another project",
             GCP_COMPONENT, "    if provider_project != wanted:", "    if False:",
             (f"{GCP_CONNECTOR}::test_credentials_for_another_project_create_nothing_in_either_"
              "cloud",)),
    Mutation("gcp-project-number-check-off", "the project number must be the project's",
             GCP_COMPONENT, "    if str(number) != config.project_number:", "    if False:",
             (f"{GCP_CONNECTOR}::test_credentials_for_another_project_create_nothing_in_either_"
              "cloud",)),
    Mutation("gcp-organization-check-off", "nothing is created for another organization",
             GCP_COMPONENT, "    if found != wanted:", "    if False:",
             (f"{GCP_CONNECTOR}::test_credentials_for_another_project_create_nothing_in_either_"
              "cloud",)),
    Mutation("gcp-resources-not-gated", "GCP resources wait for the project check",
             GCP_COMPONENT, "        return project, None",
             "        return pulumi.Output.from_input(config.project_id), None",
             (f"{GCP_CONNECTOR}::test_nothing_in_gcp_is_registered_before_the_project_is_"
              "checked",)),
    Mutation("gcp-project-resources-not-gated-on-organization", "in organization mode, project "
             "resources wait for the organization check too", GCP_COMPONENT,
             "return pulumi.Output.all(project, org).apply(lambda ids: ids[0]), org",
             "return project, org",
             (f"{GCP_CONNECTOR}::test_credentials_for_another_project_create_nothing_in_either_"
              "cloud",)),
    # --- issue 16a: used roles, roles still in use, one listing, options, the JSON document ----
    Mutation("timestamps-raw", "the shared clients return datetimes, as their stubs promise",
             "migrate/aws.py", "            timestamp_parser=parse_timestamp)",
             "            timestamp_parser=lambda value: value)",
             (f"{USED}::test_plan_shows_when_a_used_role_was_last_used",)),
    Mutation("timestamp-epoch-string-as-iso", "only an ISO-shaped string goes to fromisoformat",
             "migrate/aws.py", 'if len(value) >= 10 and value[4] == "-" and value[7] == "-":',
             "if True:", (f"{USED}::test_timestamps_parse_as_botocore_would",)),
    Mutation("iam-role-use-execution-role-ignored", "a task definition's execution role is in "
             "use too", "migrate/kinds/iam.py",
             '("execution", definition.get("executionRoleArn"))', '("execution", None)',
             (f"{USED}::test_a_role_named_by_another_teams_task_definition_is_kept",)),
    Mutation("iam-role-use-arn-not-matched", "a task definition naming the role by its ARN "
             "uses it", "migrate/kinds/iam.py",
             'name = Arn.name_of(role or "")', 'name = role or ""',
             (f"{USED}::test_a_role_named_by_another_teams_task_definition_is_kept",)),
    Mutation("iam-role-use-first-region-only", "task definitions of every scanned region count",
             "migrate/kinds/iam.py", "    for region in regions:\n        ecs = ",
             "    for region in regions[:1]:\n        ecs = ",
             (f"{USED}::test_a_role_named_by_another_teams_task_definition_is_kept",)),
    Mutation("apply-skips-role-use-recheck", "apply re-checks task definitions before deleting "
             "a role", "migrate/executor.py", "        return iam.discover(ctx, unit.regions)",
             "        return iam.discover(ctx, ())",
             (f"{USED}::test_a_task_definition_registered_after_the_plan_keeps_the_role_at_"
              "apply",)),
    Mutation("role-use-read-in-every-account", "task definitions are read only in accounts "
             "with a role to delete", "migrate/kinds/iam.py",
             "task_definition_users(ctx, regions, deleted_roles) if deleted_roles else {}",
             "task_definition_users(ctx, regions, deleted_roles)",
             (f"{USED}::test_task_definitions_are_read_only_in_accounts_with_a_role_to_delete",)),
    Mutation("iam-getrole-unlisted", "no GetRole for a scanner role name the listing lacks",
             "migrate/kinds/iam.py", "        if existing is not None and name not in existing:",
             "        if False:",
             ("tests/migrate/test_scale.py::test_calls_do_not_grow_with_what_else_the_account_"
              "holds",)),
    Mutation("readiness-any-listed-role", "readiness reads the image-assessment role itself "
             "from the listing", "migrate/readiness.py",
             'role = next((r for r in listed if r.get("RoleName") == role_name), None)',
             "role = next((r for r in listed), None)",
             (f"{USED}::test_readiness_from_the_listing_looks_for_the_role_by_name",)),
    Mutation("repeated-option-last-wins", "a single-value option given twice is refused",
             "migrate/options.py", "            if len(value) > 1:", "            if False:",
             ("tests/migrate/test_repeated_options.py::test_a_single_value_option_given_twice_"
              "is_refused",)),
    Mutation("repeated-regions-last-wins", "--regions given twice scans both",
             "migrate/options.py", '"--regions", metavar="R1,R2", multiple=True, callback=joined,',
             '"--regions", metavar="R1,R2",',
             ("tests/migrate/test_repeated_options.py::test_repeated_regions_and_accounts_"
              "accumulate",)),
    Mutation("json-error-document-dropped", "-o json prints a document when the run stops "
             "early", "migrate/cli.py", "    if app.emitted or not _wants_json(app, argv):",
             "    if True:",
             ("tests/test_e2e_json_always.py::test_json_document_when_the_run_stops_before_"
              "scanning",)),
    Mutation("stopped-document-applied", "a stopped run's document is not a plan file",
             "migrate/document.py", '    if doc["targets"] is None:', "    if False:",
             ("tests/test_e2e_json_always.py::test_a_stopped_run_document_is_not_a_plan_file",)),
    Mutation("sigterm-default", "SIGTERM stops like Ctrl-C", "migrate/cli.py",
             "    previous = signal.signal(signal.SIGTERM, on_sigterm)",
             "    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)",
             ("tests/test_e2e_json_always.py::test_sigterm_stops_apply_like_ctrl_c_and_prints_"
              "the_document",)),
    Mutation("sigterm-exit-130", "SIGTERM exits 143", "migrate/cli.py",
             "            code = EXIT_TERMINATED", "            pass",
             ("tests/test_e2e_json_always.py::test_sigterm_stops_apply_like_ctrl_c_and_prints_"
              "the_document",)),
    # --- issue 16b: attachments without an ENI, bounded emptying, the audit, plan files ------
    _never("vpc-egress-only-gateway-ignored", "an egress-only internet gateway keeps its VPC",
           "lambda g, vpc: any(", "lambda g, vpc: False and any(",
           "egress-only-gateway"),
    _never("vpc-carrier-gateway-ignored", "a carrier gateway keeps its VPC",
           'lambda g, _: _live(g, "State")', "lambda g, _: False", "carrier-gateway"),
    _never("vpc-flow-log-ignored", "a flow log keeps its VPC",
           '"Filter": _vpc_filter(vpc_id, "resource-id")',
           '"Filter": _vpc_filter("vpc-none", "resource-id")', "flow-log"),
    _never("vpc-sg-association-ignored", "a security group associated from another VPC keeps it",
           'lambda a, _: _live(a, "State")', "lambda a, _: False", "security-group-association"),
    _never("vpc-lattice-ignored", "a VPC Lattice service network association keeps its VPC",
           "regions=_lattice_regions", "regions=frozenset", "lattice-association"),
    _never("vpc-private-zone-ignored", "a Route 53 private hosted zone keeps its VPC",
           '{"VPCId": vpc_id, "VPCRegion": region}', '{"VPCId": "vpc-none", "VPCRegion": region}',
           "private-hosted-zone"),
    _never("vpc-ipv6-cidr-ignored", "an IPv6 CIDR association keeps its VPC",
           'lambda assoc, _: _live(assoc, "Ipv6CidrBlockState")', "lambda assoc, _: False",
           "ipv6-cidr"),
    Mutation("vpc-unlistable-attachments-ignored", "a listing AWS refuses keeps the VPC", VPC,
             "        return [cannot_list(check, code)]", "        return []",
             (f"{PLAN}::test_vpc_whose_attachments_cannot_be_listed_is_kept_whole",)),
    Mutation("s3-emptying-unbounded", "emptying stops after rounds without progress",
             "migrate/kinds/s3.py", "            if idle >= IDLE_ROUNDS:", "            if False:",
             (f"{UNKIND}::test_keys_that_stay_listed_fail_their_bucket_after_bounded_rounds",)),
    Mutation("s3-count-asked", "objects deleted are counted from S3's answers",
             "migrate/kinds/s3.py", "            deleted[0] += len(reported)",
             "            deleted[0] += len(batch)",
             (f"{UNKIND}::test_objects_deleted_are_counted_from_the_answers",)),
    Mutation("s3-count-relisted", "versions listed again after a Deleted answer are not counted",
             "migrate/kinds/s3.py", "            deleted[0] -= len(asked & reported)",
             "            deleted[0] -= 0",
             (f"{UNKIND}::test_keys_that_stay_listed_fail_their_bucket_after_bounded_rounds",)),
    Mutation("s3-vanished-bucket-spoils-account", "a bucket gone at its Object Lock lookup is "
             "gone, nothing more", "migrate/kinds/s3.py",
             "        locked = answer_or(None, NO_BUCKET, lambda: _object_lock(ctx, name, region))",
             "        locked = _object_lock(ctx, name, region)",
             (f"{UNKIND}::test_a_bucket_vanishing_during_the_scan_spoils_nothing_else",)),
    Mutation("audit-per-key-errors-ok", "per-key DeleteObjects errors are audited as such",
             "migrate/kinds/s3.py", "ctx.judged(_judge_delete_objects, ", "ctx.audited(",
             (f"{UNKIND}::test_per_key_errors_are_audited_as_such",)),
    Mutation("audit-unknown-missing", "a call without an answer is audited unknown",
             "migrate/context.py",
             "self.audit.record(self.account.id, where, what, resource, UNKNOWN, error=error)",
             "pass",
             (f"{UNKIND}::test_an_answer_cut_short_is_audited_unknown_then_settled_by_a_recheck",
              f"{UNKIND}::test_a_read_timeout_is_audited_unknown_and_the_rerun_finishes")),
    Mutation("unknown-never-rechecked", "an unknown outcome is settled by a re-check",
             "migrate/executor.py",
             "if isinstance(exc, UnknownOutcome) and _gone_after_all(ctx, res):", "if False:",
             (f"{UNKIND}::test_an_answer_cut_short_is_audited_unknown_then_settled_by_a_recheck",)),
    Mutation("apply-child-in-other-parent", "a child is deleted only in the parent the plan "
             "lists", "migrate/executor.py",
             "        elif now.parent is not None and now.parent != res.parent:",
             "        elif False:",
             (f"{UNKIND}::test_child_outside_an_approved_parent_is_not_deleted",)),
    Mutation("apply-child-of-unapproved-parent", "a child is deleted only with its approved "
             "parent", "migrate/executor.py",
             "    for res in [r for r in todo if not parent_deleted(r)]:", "    for res in []:",
             (f"{UNKIND}::test_a_plan_file_pointing_at_a_lookalike_vpc_deletes_nothing_in_the_"
              "trivy_vpc",)),
    Mutation("plan-file-any-region", "a plan file deletes only in its target regions",
             "migrate/document.py", "and res.region not in targets.regions):", "and False):",
             (f"{UNKIND}::test_a_plan_file_with_a_row_out_of_its_targets_or_twice_is_refused",)),
    Mutation("plan-file-duplicates", "a plan file lists each resource once",
             "migrate/document.py", "        if res.key in seen:", "        if False:",
             (f"{UNKIND}::test_a_plan_file_with_a_row_out_of_its_targets_or_twice_is_refused",)),
    Mutation("progress-counts-fresh-finds", "progress counts only the plan's resources",
             "migrate/executor.py",
             "(reporter.say if res.unlisted else reporter.step)(message)",
             "reporter.step(message)",
             (f"{UNKIND}::test_progress_and_summary_count_only_the_files_rows",)),
    Mutation("summary-counts-fresh-finds", "the summary counts only the plan's resources",
             "migrate/document.py", "    listed = [r for r in resources if not r.unlisted]",
             "    listed = resources",
             (f"{UNKIND}::test_progress_and_summary_count_only_the_files_rows",)),
    Mutation("ecs-vanished-cluster-spoils-region", "a cluster gone between two calls is gone, "
             "nothing more", "migrate/kinds/ecs.py",
             'if error_code(exc) != "ClusterNotFoundException":', "if True:",
             (f"{UNKIND}::test_a_cluster_or_vpc_vanishing_during_the_scan_is_gone_nothing_more",)),
    Mutation("vpc-vanished-spoils-region", "a VPC gone between two calls is gone, nothing more",
             VPC, "            return []  # deleted between two calls: gone is gone",
             "            raise",
             (f"{UNKIND}::test_a_cluster_or_vpc_vanishing_during_the_scan_is_gone_nothing_more",)),
    # --- issue 17: the audit's survivors, each killed by a rule-table test -----------------------
    Mutation("iam-trust-also-another-provider", "a scanner-named role whose trust also names "
             "another OIDC provider is kept", "migrate/trust.py",
             "if federated != [provider] or others:", "if provider not in federated or others:",
             (f"{RULES_IAM}::test_rule_scanner_va_role_trust_differs_so_the_role_is_kept"
              "[also-another-oidc-provider]",)),
    Mutation("iam-trust-also-assume-role", "a scanner-named role whose trust also allows "
             "sts:AssumeRole is kept", "migrate/trust.py",
             'if _as_list(st.get("Action", [])) != ["sts:AssumeRoleWithWebIdentity"]:',
             'if "sts:AssumeRoleWithWebIdentity" not in _as_list(st.get("Action", [])):',
             (f"{RULES_IAM}::test_rule_scanner_va_role_trust_differs_so_the_role_is_kept"
              "[also-allows-AssumeRole]",)),
    Mutation("iam-trust-any-operator", "the audience counts only under StringEquals or "
             "StringLike (not StringNotEquals)", "migrate/trust.py",
             'if op in ("StringEquals", "StringLike") and key in v]', "if key in v]",
             (f"{RULES_IAM}::test_rule_scanner_va_role_trust_differs_so_the_role_is_kept"
              "[audience-under-StringNotEquals]",)),
    Mutation("readiness-unreadable-is-ready", "an error reading the image-assessment role "
             "(AccessDenied) is not ready", "migrate/readiness.py",
             'return Readiness(False, role_name, f"cannot read IAM role',
             'return Readiness(True, role_name, f"cannot read IAM role',
             (f"{RULES_CLI}::test_rule_readiness_access_denied_is_not_ready",)),
    Mutation("eni-any-trivy-group", "a stranded ENI must hold only Trivy security groups",
             VPC_CHECKS,
             'and all(g.get("GroupId") in groups for g in eni["Groups"])',
             'and any(g.get("GroupId") in groups for g in eni["Groups"])',
             (f"{RULES_FP}::test_rule_trivy_task_eni_evidence[trivy-group-plus-app-group]",)),
    Mutation("accounts-empty-is-own", "`--accounts ,` is refused, not the caller's account",
             "migrate/targeting.py", "    if bad or not ids:", "    if bad:",
             (f"{RULES_CLI}::test_rule_targeting_refusals_exit_3[accounts-comma]",)),
    Mutation("organization-closed-targeted", "--organization targets ACTIVE accounts only",
             "migrate/targeting.py", 'a.get("Status", a.get("State")) == "ACTIVE")',
             'a.get("Status", a.get("State")) != "SUSPENDED")',
             (f"{RULES_REFUSALS}::test_rule_organization_targets_active_accounts_only",)),
    Mutation("detailed-exitcode-hides-error", "--detailed-exitcode never hides a scan error",
             "migrate/commands/plan.py", "    if errors:\n        return EXIT_FAILED",
             "    if errors and not detailed:\n        return EXIT_FAILED",
             (f"{RULES_CLI}::test_rule_detailed_exitcode_never_hides_a_scan_error",)),
    Mutation("bucket-403-is-gone", "a 403 on the bucket is not \"already gone\"",
             "migrate/kinds/s3.py", '{"404", "NoSuchBucket", "NotFound"}',
             '{"404", "403", "NoSuchBucket", "NotFound"}',
             (f"{RULES_CLI}::test_rule_bucket_error_is_not_gone[head-403]",)),
    Mutation("iam-after-skipped-regional", "the scanner's IAM waits while a regional resource "
             "of the account was skipped, not only failed", "migrate/executor.py",
             "if r.status not in (Status.DELETED, Status.ALREADY_GONE)]",
             "if r.status is Status.FAILED]",
             (f"{RULES_CLI}::test_rule_iam_waits_for_a_skipped_regional_resource",)),
    # --- issue 19: one config validation style (stacks/config/model.py) ---------------------
    Mutation("config-keys-by-name-too", "stack files name keys by their camelCase alias only",
             "stacks/config/model.py", "model.model_validate(raw, by_alias=True, by_name=False)",
             "model.model_validate(raw, by_alias=True, by_name=True)",
             ("tests/stacks/test_config_model.py::test_a_python_field_name_is_an_unknown_key_"
              "with_its_yaml_name",)),
    Mutation("config-missing-before-misspelt", "a misspelt key is reported, not the required "
             "key it makes look missing", "stacks/config/model.py",
             'key=lambda e: e["type"] != "extra_forbidden")', 'key=lambda e: 0)',
             ("tests/stacks/test_config_model.py::test_a_misspelt_required_key_is_reported_as_"
              "misspelt_not_as_missing",)),
    Mutation("aws-pseudo-region-accepted", "aws-global is no region for the connector",
             "stacks/config/aws.py", "if real.match(r))", "if r)",
             ("tests/stacks/test_aws_config.py::test_regions_come_from_botocore_partition_data",
              "tests/test_contract_facts.py::test_every_region_the_stack_accepts_defender_"
              "migrate_accepts")),
    # --- issue 19: apply's decisions as pure functions (tests without CliRunner or AWS) -------
    Mutation("apply-deletes-in-unscanned-account", "nothing is deleted in an account that could "
             "not be reached or scanned (its plan is incomplete)", "migrate/commands/apply.py",
             " and r.account not in failed]", "]",
             ("tests/migrate/test_apply_run.py::test_an_account_not_reached_keeps_its_deletes_as_"
              "not_attempted",)),
    Mutation("apply-unready-account-deleted", "the deletes of an account not ready for the "
             "clean-up are refused", "migrate/commands/apply.py",
             "else _refuse_unready(deletes, run.readiness)", "else []",
             ("tests/migrate/test_apply_run.py::test_an_account_not_ready_has_its_deletes_refused_"
              "unless_told_to_skip_the_check",)),
    Mutation("apply-refused-exit-0", "apply exits 1 when an account was refused",
             "migrate/commands/apply.py",
             "EXIT_FAILED if not_done or where.refused or where.failed else",
             "EXIT_FAILED if not_done or where.failed else",
             ("tests/migrate/test_apply_run.py::test_exit_code",)),
)

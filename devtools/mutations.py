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
IAM = "tests/migrate/test_iam_roles.py"
READINESS = "tests/migrate/test_readiness.py"
GCP_COMPONENT = "stacks/gcp_connector/component.py"
GCP_CONTRACT = "tests/stacks/test_gcp_contract.py"
GCP_CONNECTOR = "tests/stacks/test_gcp_connector.py"
USED = "tests/migrate/test_used_roles.py"


def _foreign(case: str) -> str:
    return f"{PLAN}::test_vpc_holding_foreign_resources_is_kept_whole[{case}]"


def _never(name: str, rule: str, old: str, new: str, case: str) -> Mutation:
    """A foreign-resource check switched off."""
    return Mutation(name, rule, VPC, old, new, (_foreign(case),))


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
             "    elif _object_lock(ctx, name, region):", "    elif False:",
             (f"{PLAN}::test_object_lock_bucket_is_kept",)),
    Mutation("tag-value-any-case", "the tag value must be exactly the scanner's",
             "migrate/fingerprint.py", 't.get("Value") == NAME',
             'str(t.get("Value", "")).lower() == NAME.lower()',
             (_foreign("trivy-subnet-tag-other-case"),)),
    Mutation("tag-any-key", "the tag key must be name or Name", "migrate/fingerprint.py",
             't.get("Key") in TAG_KEYS and ', "",
             (_foreign("trivy-subnet-tag-other-key"),)),
    Mutation("vpc-any-10-cidr", "the VPC's CIDR must be 10.0.0.0/16", VPC,
             'if vpc.get("CidrBlock") != VPC_CIDR:',
             'if not str(vpc.get("CidrBlock")).startswith("10."):',
             (f"{PLAN}::test_plan_lists_leftovers_in_dependency_order_and_keeps_lookalikes",)),
    Mutation("default-vpc-allowed", "the default VPC is never deleted", VPC,
             'if vpc.get("IsDefault"):', "if False:",
             (f"{PLAN}::test_default_vpc_is_never_deleted",)),
    Mutation("subnet-any-tag", "the subnet must carry the Trivy tag", VPC,
             ' and has_trivy_tag(subnet.get("Tags")):', ":",
             (_foreign("trivy-subnet-untagged"),)),
    Mutation("subnet-any-cidr", "the subnet must be 10.0.1.0/24", VPC,
             'if subnet.get("CidrBlock") == SUBNET_CIDR and ', "if ",
             (_foreign("tagged-subnet-other-cidr"),)),
    # --- what else may be in the VPC ----------------------------------------------------------
    _never("foreign-keeps-vpc-whole", "anything foreign keeps the whole VPC",
           "        if contents.foreign:", "        if False:", "instance"),
    Mutation("kept-vpc-children-deleted", "nothing inside a kept VPC is deleted", VPC,
             'Action.KEEP,\n' + " " * 33 + 'f"inside VPC {vpc_id}, which is kept"',
             'Action.DELETE,\n' + " " * 33 + 'f"inside VPC {vpc_id}, which is kept"',
             (_foreign("instance"),)),
    _never("instance-ignored", "an EC2 instance keeps the VPC",
           'for i in reservation["Instances"]]', 'for i in reservation["Instances"] if False]',
           "instance"),
    _never("nat-gateway-ignored", "a NAT gateway keeps the VPC",
           'if n.get("State") not in ("deleted", "deleting", "failed")', "if False",
           "nat-gateway"),
    _never("vpc-endpoint-ignored", "a VPC endpoint keeps the VPC",
           'if e.get("State", "").lower() not in ("deleted", "deleting", "failed", "rejected")',
           "if False", "vpc-endpoint"),
    _never("peering-ignored", "a VPC peering connection keeps the VPC",
           'if p.get("Status", {}).get("Code") in ("active", "pending-acceptance", '
           '"provisioning")',
           "if False", "peering"),
    _never("transit-gateway-ignored", "a transit gateway attachment keeps the VPC",
           'if a.get("State") not in ("deleted", "deleting", "failed", "rejected")', "if False",
           "transit-gateway"),
    _never("vpn-gateway-ignored", "a VPN gateway keeps the VPC",
           'if g.get("State") not in ("deleted", "deleting")', "if False", "vpn-gateway"),
    _never("network-acl-ignored", "a non-default network ACL keeps the VPC",
           'if not acl.get("IsDefault")', "if False", "network-acl"),
    _never("load-balancer-ignored", "a load balancer (elbv2) keeps the VPC",
           'if lb.get("VpcId") == vpc_id', "if False", "load-balancer"),
    _never("classic-load-balancer-ignored", "a classic load balancer keeps the VPC",
           'if lb.get("VPCId") == vpc_id', "if False", "classic-load-balancer"),
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
           "if eni_id in task_enis or (", "if True or (", "foreign-eni"),
    _never("eni-in-use-elsewhere-accepted", "an in-use ECS ENI the active Trivy cluster does "
           "not list (another cluster's task) keeps the VPC",
           'in_use_elsewhere = cluster_active and eni.get("Status") == "in-use"',
           "in_use_elsewhere = False", "other-cluster-task-eni"),
    Mutation("eni-other-account-accepted", "a stranded ENI must be an attachment of this account",
             VPC, 'described is not None and described["account"] == ctx.account.id',
             "described is not None",
             ("tests/migrate/test_eni_release.py::test_eni_without_full_evidence_keeps_the_vpc",)),
    Mutation("eni-not-requester-managed-accepted", "a stranded ENI must be created by ECS", VPC,
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
    Mutation("read-only-guard-off", "no mutating call while planning", "migrate/kinds/base.py",
             "        if self.audit is None:", "        if False:",
             (f"{PLAN}::test_mutating_call_while_planning_is_refused",)),
    # --- plan files -----------------------------------------------------------------------------
    Mutation("plan-resource-outside-targets", "each resource's account is among the targets",
             "migrate/document.py", "        if res.account not in targets.accounts:",
             "        if False:",
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
             "if now.kind in EPHEMERAL and now.parent in approved_ids:", "if True:",
             (f"{APPLY}::test_plan_file_never_deletes_what_appeared_in_a_vpc_it_kept",)),
    Mutation("plan-new-ephemeral-anywhere", "only children of APPROVED parents may be added",
             "migrate/executor.py",
             "if now.kind in EPHEMERAL and now.parent in approved_ids:",
             "if now.kind in EPHEMERAL:",
             (f"{APPLY}::test_plan_file_never_deletes_what_appeared_in_a_vpc_it_kept",)),
    # --- the retired scanner's IAM (issue 10) and the MDVM readiness gate -----------------------
    Mutation("iam-role-any-audience", "a scanner-named role must trust Defender's OIDC provider "
             "with the containers audience", "migrate/kinds/iam.py",
             "        if [audience] not in values:", "        if False:",
             (f"{IAM}::test_a_role_with_the_name_but_another_trust_is_a_lookalike",)),
    Mutation("iam-task-role-any-principal", "a scanner-named task role must trust only "
             "ecs-tasks.amazonaws.com", "migrate/kinds/iam.py",
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
             'for key, what in (("taskRoleArn", "task"), ("executionRoleArn", "execution")):',
             'for key, what in (("taskRoleArn", "task"),):',
             (f"{USED}::test_a_role_named_by_another_teams_task_definition_is_kept",)),
    Mutation("iam-role-use-arn-not-matched", "a task definition naming the role by its ARN "
             "uses it", "migrate/kinds/iam.py",
             'name = str(definition.get(key) or "").rsplit("/", 1)[-1]',
             'name = str(definition.get(key) or "")',
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
             'role = next((dict(r) for r in listed if r.get("RoleName") == role_name), None)',
             "role = next((dict(r) for r in listed), None)",
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
             "migrate/document.py", "    if t is None:", "    if False:",
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
)

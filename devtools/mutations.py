"""The curated safety mutations: every rule that decides what `defender-migrate` deletes, and
the AWS connector stack's trust, audience, role and dependency rules.

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
RULES_IAM = "tests/migrate/test_rules_iam.py"
RULES_FP = "tests/migrate/test_rules_fingerprint.py"
RULES_CLI = "tests/migrate/test_rules_cli.py"
RULES_REFUSALS = "tests/migrate/test_rules_refusals.py"


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
             VPC, 'described is not None and described["account"] == account',
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
    Mutation("iam-role-used-by-kept-task-definition", "a scanner role that a kept task "
             "definition names is kept", "migrate/kinds/iam.py",
             "        if user is not None:", "        if False:",
             (f"{IAM}::test_role_named_by_a_kept_task_definition_stays",)),
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
    # --- issue 17: the audit's survivors, each killed by a rule-table test -----------------------
    Mutation("iam-trust-also-another-provider", "a scanner-named role whose trust also names "
             "another OIDC provider is kept", "migrate/kinds/iam.py",
             "if federated != [provider] or others:", "if provider not in federated or others:",
             (f"{RULES_IAM}::test_rule_scanner_va_role_trust_differs_so_the_role_is_kept"
              "[also-another-oidc-provider]",)),
    Mutation("iam-trust-also-assume-role", "a scanner-named role whose trust also allows "
             "sts:AssumeRole is kept", "migrate/kinds/iam.py",
             'if _as_list(st.get("Action", [])) != ["sts:AssumeRoleWithWebIdentity"]:',
             'if "sts:AssumeRoleWithWebIdentity" not in _as_list(st.get("Action", [])):',
             (f"{RULES_IAM}::test_rule_scanner_va_role_trust_differs_so_the_role_is_kept"
              "[also-allows-AssumeRole]",)),
    Mutation("iam-trust-any-operator", "the audience counts only under StringEquals or "
             "StringLike (not StringNotEquals)", "migrate/kinds/iam.py",
             'if op in ("StringEquals", "StringLike") and key in v]', "if key in v]",
             (f"{RULES_IAM}::test_rule_scanner_va_role_trust_differs_so_the_role_is_kept"
              "[audience-under-StringNotEquals]",)),
    Mutation("readiness-unreadable-is-ready", "an error reading the image-assessment role "
             "(AccessDenied) is not ready", "migrate/readiness.py",
             'return Readiness(False, role_name, f"cannot read IAM role',
             'return Readiness(True, role_name, f"cannot read IAM role',
             (f"{RULES_CLI}::test_rule_readiness_access_denied_is_not_ready",)),
    Mutation("eni-any-trivy-group", "a stranded ENI must hold only Trivy security groups", VPC,
             'and all(g.get("GroupId") in groups for g in eni.get("Groups", []))',
             'and any(g.get("GroupId") in groups for g in eni.get("Groups", []))',
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
)

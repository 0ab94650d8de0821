"""`python -m stacks.offline`: stack files read like the Pulumi CLI reads them, the rendered tree
and JSON, and config errors shown the way `pulumi preview` shows them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.offline.preview import main
from stacks.offline.stackfile import SECRET_PLACEHOLDER, StackFileError, read_stack_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def write(tmp_path: Path, text: str, name: str = "Pulumi.dev.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_stack_file_values_reach_the_program_as_the_cli_passes_them(tmp_path: Path) -> None:
    stack = read_stack_file(write(tmp_path, """
config:
  aws:region: us-east-1
  plainKey: hello
  defender-containers:flag: true
  defender-containers:count: 4
  defender-containers:aws:
    accountId: "012345678901"
    token:
      secure: v1:abc
""", name="Pulumi.team-a.yaml"))
    assert stack.stack == "team-a"
    assert stack.config["aws:region"] == "us-east-1"
    assert stack.config["defender-containers:plainKey"] == "hello"
    assert stack.config["defender-containers:flag"] == "true"
    assert stack.config["defender-containers:count"] == "4"
    assert json.loads(stack.config["defender-containers:aws"]) == {
        "accountId": "012345678901", "token": SECRET_PLACEHOLDER}
    assert stack.secret_keys == ("defender-containers:aws",)


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("prod.yaml", "config: {}\n", "the name must be Pulumi.<stack>.yaml"),
    ("Pulumi.prod.yaml", "config: [a, b\n", "not valid YAML at line"),
    ("Pulumi.prod.yaml", "- just\n- a list\n", "must be a YAML mapping"),
    ("Pulumi.prod.yaml", "config: 3\n", "`config:` must be a mapping"),
])
def test_unreadable_stack_files_are_refused_with_the_reason(
        tmp_path: Path, name: str, text: str, problem: str) -> None:
    with pytest.raises(StackFileError, match=problem.replace("`", ".").replace("<", ".")
                       .replace(">", ".")):
        read_stack_file(write(tmp_path, text, name))


def test_missing_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "Pulumi.none.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"error: {tmp_path / 'Pulumi.none.yaml'}: file not found"]


def test_table_shows_the_tree_with_the_inputs_that_matter(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES / "Pulumi.policy-management-group.yaml")]) == 0
    out = capsys.readouterr().out
    assert "offline preview" in out.lower()
    assert "No cloud was called" in out
    assert "placeholders" in out
    lines = out.splitlines()
    top = lines.index("defender:policy:ContainersPolicy  defender-containers")
    name = "defender-containers-mg-contoso-platform-mdc-containers-plan"
    # Children sorted by type and name: the five assignment components, alphabetically.
    assert lines[top + 1] == ("├─ defender:policy:DeployIfNotExistsAssignment  "
                              "defender-containers-mg-contoso-platform-mdc-aks-policy-addon")
    component = lines.index(f"└─ defender:policy:DeployIfNotExistsAssignment  {name}")
    assert lines[component + 1] == f"   ├─ azure-native:authorization:PolicyAssignment  {name}"
    assert lines[component + 2].strip(" │") == "policyAssignmentName: mdc-containers-plan"
    details = [line.strip(" │") for line in lines]
    assert any(line == "policyDefinitionId: /providers/Microsoft.Authorization/"
               "policyDefinitions/efd4031d-b232-4595-babf-ae817348e91b (efd4031d Configure "
               "Microsoft Defender for Containers plan)" for line in details)
    assert any(line == "roleDefinitionId: /providers/Microsoft.Authorization/"
               "roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635 (Owner)" for line in details)
    assert any(line == "scope: /providers/Microsoft.Management/managementGroups/"
               "contoso-platform" for line in details)
    assert any('"isAgentlessVmScanningEnabled": {"value": "false"}' in line for line in lines)
    assert "azurePolicyAssignmentIds" in out


def test_table_summarises_trust_policies_and_inline_permissions(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES / "Pulumi.aws-account.yaml")]) == 0
    out = capsys.readouterr().out
    assert "as if the credentials were for account 123456789012" in out
    issuer = "sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
    trust = (f"trust: Allow sts:AssumeRoleWithWebIdentity to Federated arn:aws:iam::123456789012:"
             f"oidc-provider/{issuer} if StringEquals {issuer}:aud = "
             "api://6610e979-c931-41ec-adc7-b9920c9d52f1 and StringLike sts:RoleSessionName = "
             "MicrosoftDefenderForClouds_11111111-1111-1111-1111-111111111111")
    lines = [line.strip(" │") for line in out.splitlines()]
    image = lines.index("├─ aws:iam/role:Role  defender-aws-imageAssessment")
    assert lines[image + 1] == "name: MDCContainersImageAssessmentRole"
    assert lines[image + 2] == trust
    assert "trust: Allow sts:AssumeRole to Service firehose.amazonaws.com if StringEquals " \
           "sts:ExternalId = 123456789012" in lines
    assert "policyArn: arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" in lines
    assert any(line.startswith("offerings: CspmMonitorAws ") for line in lines)


def test_json_output_keeps_parents_summaries_and_full_inputs(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES / "Pulumi.aws-organization.yaml"), "--output", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "defender-containers/offline-preview"
    assert document["stack"] == "aws-organization"
    assert "No cloud was called" in document["note"]
    by_urn = {r["urn"]: r for r in document["resources"]}
    (component,) = [r for r in document["resources"] if r["type"] == "defender:aws:Connector"]
    assert component["component"] is True
    assert component["parent"] is None
    (stack_set,) = [r for r in document["resources"]
                    if r["type"] == "aws:cloudformation/stackSet:StackSet"]
    assert by_urn[stack_set["parent"]] is component
    assert stack_set["summary"]["template"].startswith("template with 8 resources: ")
    assert "AWS::IAM::OIDCProvider" in stack_set["inputs"]["templateBody"]
    roles = [r for r in document["resources"] if r["type"] == "aws:iam/role:Role"]
    assert {r["summary"]["name"] for r in roles} >= {"CspmMonitorAws",
                                                     "MDCContainersImageAssessmentRole"}


def test_bad_config_fails_like_pulumi_preview_naming_the_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, """
config:
  azure-native:location: westeurope
  defender-containers:azure:
    managementGroup: [contoso]
""")
    assert main([str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: defender-containers:azure.managementGroup: unknown key; did you mean "
        "managementGroups? the known keys here are "
        + captured.err.split("keys here are ", 1)[1].strip()]


def test_the_module_command_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, 'config:\n  defender-containers:aws:\n    accountId: "1234"\n')
    done = subprocess.run([sys.executable, "-m", "stacks.offline", str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        'error: defender-containers:aws.accountId: must be a 12-digit AWS account ID such as '
        '"123456789012", got \'1234\'']


def test_secrets_are_named_not_decrypted(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # A provider's secret: the project's own namespace takes only its known keys.
    text = (EXAMPLES / "Pulumi.aws-account.yaml").read_text().replace(
        "    leastPrivilege: true", "    leastPrivilege: true\n  azure-native:clientSecret:\n"
        "    secure: v1:AAAA")
    assert main([str(write(tmp_path, text))]) == 0
    out = capsys.readouterr().out
    assert "Secret values are not decrypted: azure-native:clientSecret." in out


def test_a_misspelt_project_key_is_an_error_naming_the_known_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "Pulumi.aws-account.yaml").read_text().replace(
        "  defender-containers:aws:", "  defender-containers:awz:")
    assert main([str(write(tmp_path, text))]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: defender-containers:awz: unknown key; did you mean defender-containers:aws? "
        "the known keys are defender-containers:azure, defender-containers:aws, "
        "defender-containers:gcp"]


def test_a_yaml_indentation_error_gives_the_parsers_reason_and_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, 'config:\n  defender-containers:aws:\n    accountId: "1"\n'
                           "   azureTenantId: x\n")
    assert main([str(path)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"error: {path}: not valid YAML at line 4, column 4: expected <block end>, but found "
        "'<block mapping start>' (while parsing a block mapping at line 2); check the "
        "indentation of that line against the lines above")

"""Seed 004's deployment and rollback end to end: the runbook's npm / npx cdk / git / node /
vercel commands run as argv steps in the checkout, behind an approval, and what AWS says
afterwards is read from the estate.

The cockpit embeds none of those tools, so the tests put stand-ins first on PATH: each logs
its argv and folder, and the stand-in for `npx cdk deploy` does what CDK does to the
functions (UpdateFunctionCode over HTTP to the estate); `node addFinalSchools.cjs` writes
schools. Whether the playbook then *sees* the deployment is read from the estate, never from
the stand-ins. A tool left off PATH shows what a responder without it gets.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")

FUNCTIONS = ("CdkStack-GetSchoolsFunction", "CdkStack-MatchExplainerFunction")

#: One stand-in for every tool: logs [tool, cwd, *args]; `cdk deploy` and `node` act on AWS.
STAND_IN = """#!{python}
import io, json, os, sys, zipfile
import boto3
tool = os.path.basename(sys.argv[0])
with open(os.environ["FAKE_TOOLS_LOG"], "a") as log:
    log.write(json.dumps([tool, os.getcwd(), *sys.argv[1:]]) + "\\n")
def client(service):
    return boto3.client(service, region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
if tool == "git" and sys.argv[1] == "checkout":
    with open(".checked_out", "w") as head:
        head.write(sys.argv[2])
elif tool == "npx" and sys.argv[1:4] == ["--no-install", "cdk", "deploy"]:
    # CDK deploys what is checked out: the code differs per commit.
    head = os.path.join("..", ".checked_out")
    release = open(head).read() if os.path.exists(head) else "master"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", "exports.handler = async () => ({{statusCode: 200, body: '%s'}});" % release)
    lam = client("lambda")
    for name in {functions!r}:
        lam.update_function_code(FunctionName=name, ZipFile=buf.getvalue())
    print("CdkStack: deployed")
elif tool == "node":
    ddb = client("dynamodb")
    ddb.put_item(TableName=os.environ["TABLE_NAME"], Item={{"id": {{"S": "school-new"}}, "name": {{"S": "New Aero"}}}})
"""


def _tools(tmp_path: Path, names: tuple[str, ...]) -> tuple[Path, Path]:
    """A bin folder of stand-ins and their log; a checkout with cdk/, frontend/ and scripts/school-data/."""
    bindir, log = tmp_path / "bin", tmp_path / "tools.log"
    bindir.mkdir()
    log.write_text("")
    script = STAND_IN.format(python=sys.executable, functions=FUNCTIONS)
    for name in names:
        path = bindir / name
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    repo = tmp_path / "flight-school-marketplace"
    for sub in ("cdk", "frontend", "scripts/school-data"):
        (repo / sub).mkdir(parents=True)
    return bindir, repo


def _calls(tmp_path: Path) -> list[list[str]]:
    return [json.loads(line) for line in (tmp_path / "tools.log").read_text().splitlines()]


@pytest.fixture
def tools_on_path(tmp_path, monkeypatch):
    def put(names: tuple[str, ...] = ("git", "npm", "npx", "node", "vercel")) -> Path:
        bindir, repo = _tools(tmp_path, names)
        monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_TOOLS_LOG", str(tmp_path / "tools.log"))
        return repo
    return put


def _code(module_estate) -> dict[str, tuple[str, str]]:
    lam = aws(module_estate, "lambda")
    return {name: (c["LastModified"], c["CodeSha256"])
            for name in FUNCTIONS for c in [lam.get_function(FunctionName=name)["Configuration"]]}


async def test_a_rejected_deployment_runs_nothing_after_the_diff(module_estate, tmp_path, tools_on_path):
    repo = tools_on_path()
    before = _code(module_estate)
    run = await run_playbook("flight-school-deploy", tmp_path / "r.db", {"repo_dir": str(repo)}, screen="flight-school",
                             yes=True, rejections={"approve_deploy": "diff touches the table"})
    assert run.status == "failed" and run.state("cdk_deploy") == "pending"
    assert [c[0:1] + c[2:] for c in _calls(tmp_path)] == [
        ["git", "pull", "origin", "master"], ["npm", "install"], ["npx", "--no-install", "cdk", "diff"]]
    assert _code(module_estate) == before  # AWS unchanged


async def test_update_deployment_runs_the_runbook_commands_and_verifies_on_aws(module_estate, tmp_path, tools_on_path):
    repo = tools_on_path()
    before = _code(module_estate)
    run = await run_playbook("flight-school-deploy", tmp_path / "t.db", {"repo_dir": str(repo)}, screen="flight-school",
                             yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    # The runbook's Update Deployment, in its order and in its folders.
    assert _calls(tmp_path) == [
        ["git", str(repo), "pull", "origin", "master"],
        ["npm", str(repo / "cdk"), "install"],
        ["npx", str(repo / "cdk"), "--no-install", "cdk", "diff"],
        ["npx", str(repo / "cdk"), "--no-install", "cdk", "deploy", "--require-approval", "never"],
        ["npm", str(repo / "frontend"), "install"],
        ["npm", str(repo / "frontend"), "run", "build"],
        ["vercel", str(repo / "frontend"), "--prod"]]
    assert run.state("cdk_bootstrap") == run.state("populate") == "skipped"
    # What the estate says now is what the verification steps saw.
    after = _code(module_estate)
    for name, step in zip(FUNCTIONS, ("schools_after", "explainer_after")):
        assert after[name] != before[name]
        assert (run.outputs(step)["last_modified"], run.outputs(step)["code_sha"]) == after[name]
    assert run.outputs("smoke_schools")["status"] == 200 and run.outputs("smoke_schools")["count"] > 0
    assert run.outputs("alarms_after")["names"] == []
    assert run.state("explainer_logs") == "succeeded", run.error("explainer_logs")  # aws logs tail, the runbook's own command


async def test_initial_deployment_without_vercel_says_so_in_one_line(module_estate, tmp_path, tools_on_path):
    repo = tools_on_path(("git", "npm", "npx", "node"))  # no Vercel CLI on this machine
    ddb = aws(module_estate, "dynamodb")
    run = await run_playbook("flight-school-deploy", tmp_path / "t.db", {"repo_dir": str(repo), "initial": "true"},
                             screen="flight-school", yes=True, approver="Dana Lead")
    calls = [c[0:1] + c[2:] for c in _calls(tmp_path)]
    assert calls[:2] == [["npx", "--no-install", "cdk", "bootstrap", "aws://123456789012/us-east-1"],
                         ["npm", "install"]]
    assert ["npm", "run", "build"] in calls and ["node", "addFinalSchools.cjs"] in calls
    assert ["git", "pull", "origin", "master"] not in calls
    # The populate step wrote to the table it names, and the runbook's scan --limit 5 saw it.
    assert ddb.get_item(TableName="flight-schools", Key={"id": {"S": "school-new"}}).get("Item")
    assert run.outputs("populated")["count"] == 5
    # The pre-check listed the missing tool; the deploy step failed on it, in one line, and stopped.
    assert "missing: vercel" in run.outputs("tools")["stdout"]
    assert run.error("vercel_deploy") == "not run: vercel is not installed here (not on PATH)"
    assert run.status == "failed" and run.state("schools_after") == "pending"


async def test_rollback_puts_the_frontend_back_then_deploys_the_previous_commit(module_estate, tmp_path, tools_on_path):
    repo = tools_on_path()
    before = _code(module_estate)
    params = {"repo_dir": str(repo), "previous_deployment": "flight-school-abc123.vercel.app",
              "previous_commit": "4f2a9c1"}
    rejected = await run_playbook("flight-school-rollback", tmp_path / "r.db", params, screen="flight-school",
                                  yes=True, rejections={"approve_rollback": "wrong commit"})
    assert rejected.status == "failed" and rejected.state("vercel_rollback") == "pending"
    assert [c[0] for c in _calls(tmp_path)] == ["vercel"]  # vercel ls only
    assert _code(module_estate) == before

    run = await run_playbook("flight-school-rollback", tmp_path / "t.db", params, screen="flight-school",
                             yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    # The runbook's order: the frontend first, then the backend from the previous commit.
    assert _calls(tmp_path)[1:] == [
        ["vercel", str(repo / "frontend"), "ls"],
        ["vercel", str(repo / "frontend"), "rollback", "flight-school-abc123.vercel.app"],
        ["git", str(repo), "checkout", "4f2a9c1"],
        ["npx", str(repo / "cdk"), "--no-install", "cdk", "deploy", "--require-approval", "never"]]
    after = _code(module_estate)
    for name, step in zip(FUNCTIONS, ("schools_after", "explainer_after")):
        assert after[name][1] != before[name][1]
        assert run.outputs(step)["code_sha"] == after[name][1]
    assert run.outputs("smoke_schools")["status"] == 200
    assert "CREATE_COMPLETE" in " ".join(run.outputs("stack_events")["recent"])


async def test_rollback_of_the_frontend_alone_leaves_the_functions_as_they_are(module_estate, tmp_path, tools_on_path):
    repo = tools_on_path()
    before = _code(module_estate)
    run = await run_playbook("flight-school-rollback", tmp_path / "t.db",
                             {"repo_dir": str(repo), "previous_deployment": "flight-school-abc123.vercel.app"},
                             screen="flight-school", yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    assert [c[0:1] + c[2:] for c in _calls(tmp_path)] == [
        ["vercel", "ls"], ["vercel", "rollback", "flight-school-abc123.vercel.app"]]
    assert run.state("cdk_deploy") == run.state("schools_after") == "skipped"
    assert _code(module_estate) == before

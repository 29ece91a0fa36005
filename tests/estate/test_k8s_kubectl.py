"""The emulated cluster seen through the real kubectl, as a responder pasting the runbooks'
commands sees it: each test starts its own small cluster and runs kubectl as a subprocess
with the kubeconfig the estate writes (and a cache folder of its own). Skipped where kubectl
is not installed.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cockpit.estate.k8s import CONFIGMAPS, KubeEstate
from cockpit.estate.k8s_controller import PODS
from cockpit.estate.requestlog import RequestLog

pytestmark = [pytest.mark.slow,  # starts an estate
              pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")]

NS = "greenlang"

#: Seed 003's failover step 2, verbatim: the DR ConfigMap applied from a heredoc.
DR_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: storage-config
  namespace: greenlang
data:
  DATA_LAKE_BUCKET: "greenlang-prod-eu-central-1-data-lake-confidential-replica"
  REPORTS_BUCKET: "greenlang-prod-eu-central-1-reports-confidential-replica"
  MODELS_BUCKET: "greenlang-prod-eu-central-1-models-internal-replica"
  AWS_REGION: "eu-central-1"
  DR_MODE: "true"
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


class Kubectl:
    def __init__(self, estate: KubeEstate, kubeconfig: Path, cache: Path) -> None:
        self.estate, self.kubeconfig, self.cache = estate, kubeconfig, cache

    async def run(self, *args: str, stdin: str | None = None) -> Result:
        proc = await asyncio.create_subprocess_exec(
            "kubectl", "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache), *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 30)
        assert proc.returncode is not None
        return Result(proc.returncode, out.decode(), err.decode())

    async def ok(self, *args: str, stdin: str | None = None) -> str:
        result = await self.run(*args, stdin=stdin)
        assert result.code == 0, f"kubectl {' '.join(args)}: {result.err or result.out}"
        return result.out


@pytest.fixture
async def kubectl(tmp_path: Path) -> AsyncIterator[Kubectl]:
    async with KubeEstate(RequestLog(), restart_seconds=0.5) as estate:
        yield Kubectl(estate, estate.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path / "cache")


async def test_apply_validates_without_flags_as_on_a_cluster(kubectl: Kubectl) -> None:
    result = await kubectl.run("apply", "-f", "-", stdin=DR_CONFIGMAP)
    assert result.code == 0, result.err
    assert result.out.strip() == "configmap/storage-config configured"
    assert result.err == "", "no 'failed to download openapi', no missing last-applied warning"
    data = kubectl.estate.configmap_data(NS, "storage-config")
    assert (data["AWS_REGION"], data["DR_MODE"]) == ("eu-central-1", "true")
    assert "configmap/storage-config unchanged" in await kubectl.ok("apply", "-f", "-", stdin=DR_CONFIGMAP)


async def test_a_misspelt_field_is_refused_as_the_api_server_refuses_it(kubectl: Kubectl) -> None:
    typo = DR_CONFIGMAP.replace("\ndata:", "\ndataa:")
    result = await kubectl.run("apply", "-f", "-", stdin=typo)
    assert result.code != 0
    assert 'strict decoding error: unknown field "dataa"' in result.err
    assert kubectl.estate.configmap_data(NS, "storage-config")["DR_MODE"] == "false", "nothing applied"

    # --validate=false: the server drops what it does not know, as decoding into its types does.
    await kubectl.ok("apply", "-f", "-", "--validate=false", stdin=typo)
    stored = kubectl.estate.api.get(CONFIGMAPS, NS, "storage-config")
    assert stored is not None and "dataa" not in stored
    warned = await kubectl.run("create", "-f", "-", "--validate=warn",
                               stdin=typo.replace("name: storage-config", "name: other"))
    assert warned.code == 0 and 'Warning: unknown field "dataa"' in warned.err


async def test_apply_of_a_deployment_merges_containers_by_name(kubectl: Kubectl) -> None:
    manifest = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: greenlang-api, namespace: greenlang, labels: {app: greenlang-api, app.kubernetes.io/part-of: greenlang}}
spec:
  replicas: 3
  selector: {matchLabels: {app: greenlang-api}}
  template:
    metadata: {labels: {app: greenlang-api, app.kubernetes.io/part-of: greenlang}}
    spec:
      containers:
      - name: greenlang-api
        image: greenlang/greenlang-api:3.2.1
        ports: [{containerPort: 8000, protocol: TCP}]
        readinessProbe: {httpGet: {path: /healthz, port: 8000}, periodSeconds: 5}
        resources: {requests: {cpu: 250m, memory: 512Mi}}
      - name: log-shipper
        image: fluent/fluent-bit:3.0
"""
    result = await kubectl.run("apply", "-f", "-", stdin=manifest)
    assert result.code == 0 and result.err == "", result.err
    containers = kubectl.estate.deployment(NS, "greenlang-api")["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("greenlang-api", "greenlang/greenlang-api:3.2.1"), ("log-shipper", "fluent/fluent-bit:3.0")]
    # Dropping the sidecar from the manifest removes it: the patch kubectl computed from the
    # served schema deletes by merge key, as against a real cluster.
    await kubectl.ok("apply", "-f", "-", stdin=manifest.split("      - name: log-shipper")[0])
    containers = kubectl.estate.deployment(NS, "greenlang-api")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["greenlang-api"]
    assert await kubectl.ok("rollout", "status", "deployment/greenlang-api", "-n", NS, "--timeout=20s")


async def test_explain_reads_the_served_schema(kubectl: Kubectl) -> None:
    started = time.monotonic()
    out = await kubectl.ok("explain", "deployment.spec.strategy.rollingUpdate")
    assert "maxSurge" in out and "maxUnavailable" in out
    assert time.monotonic() - started < 20


def _rows(out: str) -> dict[str, list[str]]:
    """``kubectl top`` output: first column -> the other columns."""
    return {line.split()[0]: line.split()[1:] for line in out.strip().splitlines()[1:]}


def _millicores(cell: str) -> int:
    return int(cell.removesuffix("m")) if cell.endswith("m") else int(cell) * 1000


async def test_top_nodes_and_pods_follow_the_scenario(kubectl: Kubectl) -> None:
    nodes = _rows(await kubectl.ok("top", "nodes"))
    assert len(nodes) == 3 and all(cols[0].endswith("m") and cols[2].endswith("Mi") for cols in nodes.values())
    pods = _rows(await kubectl.ok("top", "pods", "-n", NS))
    storage = {name: cols for name, cols in pods.items() if name.startswith("storage-service-")}
    assert len(pods) == 8 and len(storage) == 3
    assert all(_millicores(cols[0]) < 300 for cols in storage.values())

    # Degraded to one ready pod: the crash-looping pods have no metrics (their containers are
    # not running), and the one left serves the whole deployment's load.
    kubectl.estate.set_degraded(NS, "storage-service", 1)
    pods = _rows(await kubectl.ok("top", "pods", "-n", NS, "-l", "app=storage-service"))
    assert len(pods) == 1
    [(cpu, _)] = pods.values()
    assert _millicores(cpu) > 450, pods

    # A node that is not Ready has no metrics, nor have its pods; kubectl shows <unknown>.
    node = "ip-10-0-2-12.eu-west-1.compute.internal"
    kubectl.estate.set_node_ready(node, False)
    nodes = _rows(await kubectl.ok("top", "nodes"))
    assert nodes[node] == ["<unknown>"] * 4 and nodes["ip-10-0-1-11.eu-west-1.compute.internal"][0].endswith("m")
    on_node = {p["metadata"]["name"] for p in kubectl.estate.api.list(PODS, NS) if p["spec"]["nodeName"] == node}
    assert on_node and on_node.isdisjoint(_rows(await kubectl.ok("top", "pods", "-n", NS)))
    assert "v1beta1.metrics.k8s.io" in await kubectl.ok("get", "apiservices")


async def test_events_tell_what_the_cluster_did(kubectl: Kubectl) -> None:
    assert "No resources found" in (await kubectl.run("get", "events", "-n", NS)).err, "old events have expired"
    await kubectl.ok("rollout", "restart", "deployment/api-gateway", "-n", NS)
    await kubectl.ok("rollout", "status", "deployment/api-gateway", "-n", NS, "--timeout=20s")
    events = await kubectl.ok("get", "events", "-n", NS)
    assert events.split("\n")[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    for reason in ("ScalingReplicaSet", "Scheduled", "Started", "Killing"):
        assert reason in events
    described = await kubectl.ok("describe", "deployment", "api-gateway", "-n", NS)
    assert "Scaled down replica set api-gateway-" in described.split("Events:")[1]

    kubectl.estate.set_degraded(NS, "storage-service", 1)
    await asyncio.sleep(0.6)  # past restart_seconds: the capped pods now crash-loop
    kubectl.estate.controller.tick()
    warnings = await kubectl.ok("get", "events", "-n", NS, "--field-selector", "type=Warning")
    assert "BackOff" in warnings and "Back-off restarting failed container storage-service" in warnings
    node = "ip-10-0-3-13.eu-west-1.compute.internal"
    kubectl.estate.set_node_ready(node, False)
    assert f"Node {node} status is now: NodeNotReady" in await kubectl.ok("describe", "node", node)


async def test_logs_honour_since_tail_and_timestamps(kubectl: Kubectl) -> None:
    # Seed 002's morning check, as written (kubectl asks for the last 10 lines of each pod).
    proc = await asyncio.create_subprocess_shell(
        f"kubectl --kubeconfig {kubectl.kubeconfig} --cache-dir {kubectl.cache} "
        "logs -l app=greenlang-api --since=12h --tail=-1 | grep ERROR | wc -l",
        stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    errors = int(out.decode())
    assert 0 < errors < 0.03 * 3 * 12 * 120, "about one request line in a hundred is an error"
    tail = await kubectl.ok("logs", "deployment/storage-service", "-n", NS, "--tail=3", "--timestamps")
    lines = tail.strip().splitlines()
    assert len(lines) == 3 and all(line[:4] == "20" + line[2:4] and line[26] == "Z" for line in lines)
    recent = await kubectl.ok("logs", "deployment/storage-service", "-n", NS, "--since=5m")
    assert 5 <= len(recent.strip().splitlines()) <= 11, "a line every 30 s"
    assert len((await kubectl.ok("logs", "deployment/storage-service", "-n", NS)).splitlines()) > 2000


async def test_wide_tables_have_the_real_servers_columns(kubectl: Kubectl) -> None:
    nodes = await kubectl.ok("get", "nodes")
    assert nodes.split("\n")[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert "v1.29.3-eks" in nodes
    wide = (await kubectl.ok("get", "nodes", "-o", "wide")).split("\n")[0].split()
    assert wide[5:] == ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    pods = (await kubectl.ok("get", "pods", "-n", NS, "-o", "wide")).split("\n")[0]
    assert pods.split()[-6:] == ["IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]
    deployments = await kubectl.ok("get", "deployments", "-n", NS, "-o", "wide")
    assert "greenlang/storage-service:2.14.1" in deployments and "app=storage-service" in deployments


async def test_errors_are_the_api_servers_not_a_crash(kubectl: Kubectl) -> None:
    missing = await kubectl.run("get", "namespace", "nope")
    assert missing.code != 0 and missing.err.strip() == 'Error from server (NotFound): namespaces "nope" not found'
    execd = await kubectl.run("exec", "deployment/storage-service", "-n", NS, "--", "true")
    assert execd.code != 0
    assert "exec is not available: the emulated cluster runs no containers" in execd.err


async def test_rollout_history_and_undo_go_back_to_the_previous_template(kubectl: Kubectl) -> None:
    dep = "deployment/api-gateway"
    await kubectl.ok("set", "image", dep, "api-gateway=greenlang/api-gateway:1.9.4", "-n", NS)
    await kubectl.ok("rollout", "status", dep, "-n", NS, "--timeout=20s")
    history = await kubectl.ok("rollout", "history", dep, "-n", NS)
    assert [line.split()[0] for line in history.strip().splitlines()[2:]] == ["1", "2"]

    assert "rolled back" in await kubectl.ok("rollout", "undo", dep, "-n", NS)
    await kubectl.ok("rollout", "status", dep, "-n", NS, "--timeout=20s")
    image = await kubectl.ok("get", dep, "-n", NS, "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert image == "greenlang/api-gateway:1.9.3"
    # As on a real cluster: revision 1's ReplicaSet is reused and becomes revision 3.
    history = await kubectl.ok("rollout", "history", dep, "-n", NS)
    assert [line.split()[0] for line in history.strip().splitlines()[2:]] == ["2", "3"]
    replicasets = await kubectl.ok("get", "replicasets", "-n", NS, "-l", "app=api-gateway")
    assert replicasets.split("\n")[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert len(replicasets.strip().splitlines()) == 3
    assert "NewReplicaSet:   api-gateway-" in await kubectl.ok("describe", dep, "-n", NS)

"""AWS service health: ECS services, RDS instances, target groups, DynamoDB tables.

Each is its own source, so a throttled RDS API never hides ECS. Calls are batched where AWS
allows: ``DescribeServices`` takes 10 services, ``DescribeDBInstances`` one filter with every
instance id, ``DescribeTargetGroups`` every name; target health is one call per group.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cockpit.content.screen import Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.errors import require
from cockpit.sources.services import ServiceItem, count_level
from cockpit.sources.snapshot import Level

RDS_OK = {"available"}
RDS_WARNING = {"backing-up", "modifying", "maintenance", "upgrading", "storage-optimization", "configuring-log-exports",
               "configuring-enhanced-monitoring", "renaming", "resetting-master-credentials", "starting", "creating",
               "rebooting", "configuring-iam-database-auth", "converting-to-vpc", "moving-to-vpc"}
# Anything else (failed, stopped, stopping, storage-full, inaccessible-encryption-credentials,
# incompatible-*, restore-error, deleting ...) means the database is not serving: critical.


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i: i + size] for i in range(0, len(values), size)]


class EcsSource(Source[ServiceItem]):
    name = "ecs"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.ecs is not None
        self.spec = screen.ecs
        self.conn = conn

    async def fetch(self) -> tuple[ServiceItem, ...]:
        client = await self.conn.aws("ecs", self.spec.region)
        groups = await asyncio.gather(*(self._cluster(client, c.name, c.services) for c in self.spec.clusters))
        return tuple(item for group in groups for item in group)

    async def _cluster(self, client: Any, cluster: str, services: list[str] | str) -> list[ServiceItem]:
        if services == "all":
            names: list[str] = []
            token: str | None = None
            while True:
                self.calls += 1
                page = await client.list_services(cluster=cluster, **({"nextToken": token} if token else {}))
                names.extend(arn.rsplit("/", 1)[-1] for arn in require(page, "serviceArns", "ListServices"))
                token = page.get("nextToken")
                if not token:
                    break
        else:
            names = list(services)
        items: dict[str, ServiceItem] = {}
        for chunk in _chunks(names, 10):
            self.calls += 1
            answer = await client.describe_services(cluster=cluster, services=chunk)
            for svc in require(answer, "services", "DescribeServices"):
                items[svc["serviceName"]] = self._item(cluster, svc)
            for failure in answer.get("failures", []):
                name = str(failure.get("arn", "")).rsplit("/", 1)[-1]
                items[name] = ServiceItem("ecs-service", name, cluster, "missing", Level.CRITICAL,
                                          str(failure.get("reason", "not found")).lower())
        return [items.get(n) or ServiceItem("ecs-service", n, cluster, "missing", Level.CRITICAL, "service not found")
                for n in names]

    @staticmethod
    def _item(cluster: str, svc: dict[str, Any]) -> ServiceItem:
        running, desired = int(svc.get("runningCount", 0)), int(svc.get("desiredCount", 0))
        deployments = svc.get("deployments") or []
        level = count_level(running, desired)
        status = str(svc.get("status", ""))
        if status not in ("ACTIVE", ""):
            level = Level.CRITICAL
        problem = "" if level == Level.OK else f"{running}/{desired} running"
        if len(deployments) > 1 and level == Level.OK:
            problem = f"{len(deployments)} deployments (rolling)"
        return ServiceItem("ecs-service", svc["serviceName"], cluster, status, level, problem, running, desired, {
            "pending": svc.get("pendingCount", 0), "task_definition": svc.get("taskDefinition", ""),
            "deployments": [{"status": d.get("status"), "running": d.get("runningCount"),
                             "desired": d.get("desiredCount"), "rollout": d.get("rolloutState")} for d in deployments],
        })


class RdsSource(Source[ServiceItem]):
    name = "rds"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.rds is not None
        self.spec = screen.rds
        self.conn = conn

    async def fetch(self) -> tuple[ServiceItem, ...]:
        client = await self.conn.aws("rds", self.spec.region)
        found: dict[str, dict[str, Any]] = {}
        params: dict[str, Any] = {"Filters": [{"Name": "db-instance-id", "Values": list(self.spec.instances)}]}
        while True:
            self.calls += 1
            page = await client.describe_db_instances(**params)
            for db in require(page, "DBInstances", "DescribeDBInstances"):
                found[db["DBInstanceIdentifier"]] = db
            if not page.get("Marker"):
                break
            params["Marker"] = page["Marker"]
        return tuple(self._item(i, found.get(i)) for i in self.spec.instances)

    def _item(self, ident: str, db: dict[str, Any] | None) -> ServiceItem:
        if db is None:
            return ServiceItem("rds", ident, self.spec.region, "missing", Level.CRITICAL, "instance not found")
        status = str(db.get("DBInstanceStatus", "unknown"))
        level = Level.OK if status in RDS_OK else Level.WARNING if status in RDS_WARNING else Level.CRITICAL
        return ServiceItem("rds", ident, self.spec.region, status, level, "" if level == Level.OK else status,
                           detail={"engine": db.get("Engine"), "class": db.get("DBInstanceClass"),
                                   "multi_az": db.get("MultiAZ")})


class TargetGroupsSource(Source[ServiceItem]):
    name = "targets"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.target_groups is not None
        self.spec = screen.target_groups
        self.conn = conn

    async def fetch(self) -> tuple[ServiceItem, ...]:
        client = await self.conn.aws("elbv2", self.spec.region)
        arns: dict[str, str] = {}
        for chunk in _chunks(list(self.spec.names), 20):
            self.calls += 1
            try:
                answer = await client.describe_target_groups(Names=chunk)
            except client.exceptions.TargetGroupNotFoundException:
                answer = await self._one_by_one(client, chunk)
            groups = require(answer, "TargetGroups", "DescribeTargetGroups")
            arns.update({tg["TargetGroupName"]: tg["TargetGroupArn"] for tg in groups})
        healths = await asyncio.gather(*(self._health(client, arns[n]) for n in self.spec.names if n in arns))
        by_name = dict(zip([n for n in self.spec.names if n in arns], healths))
        return tuple(self._item(n, by_name.get(n)) for n in self.spec.names)

    async def _one_by_one(self, client: Any, names: list[str]) -> dict[str, Any]:
        """AWS fails the whole call when one name is unknown; find the ones that exist."""
        groups: list[dict[str, Any]] = []
        for name in names:
            self.calls += 1
            try:
                groups.extend((await client.describe_target_groups(Names=[name])).get("TargetGroups", []))
            except client.exceptions.TargetGroupNotFoundException:
                continue
        return {"TargetGroups": groups}

    async def _health(self, client: Any, arn: str) -> list[dict[str, Any]]:
        self.calls += 1
        answer = await client.describe_target_health(TargetGroupArn=arn)
        return list(require(answer, "TargetHealthDescriptions", "DescribeTargetHealth"))

    def _item(self, name: str, targets: list[dict[str, Any]] | None) -> ServiceItem:
        if targets is None:
            return ServiceItem("target-group", name, self.spec.region, "missing", Level.CRITICAL,
                               "target group not found")
        states = [str(t.get("TargetHealth", {}).get("State", "unknown")) for t in targets]
        healthy = states.count("healthy")
        if not targets:
            level, problem = Level.WARNING, "no registered targets"
        else:
            level = count_level(healthy, len(targets))
            problem = "" if level == Level.OK else f"{healthy}/{len(targets)} healthy"
        return ServiceItem("target-group", name, self.spec.region, f"{healthy}/{len(targets)} healthy", level,
                           problem, healthy, len(targets), {"states": {s: states.count(s) for s in sorted(set(states))}})


class DynamoDBSource(Source[ServiceItem]):
    name = "dynamodb"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.dynamodb is not None
        self.spec = screen.dynamodb
        self.conn = conn

    async def fetch(self) -> tuple[ServiceItem, ...]:
        client = await self.conn.aws("dynamodb", self.spec.region)
        return tuple(await asyncio.gather(*(self._table(client, t) for t in self.spec.tables)))

    async def _table(self, client: Any, table: str) -> ServiceItem:
        self.calls += 1
        try:
            desc = (await client.describe_table(TableName=table))["Table"]
        except client.exceptions.ResourceNotFoundException:
            return ServiceItem("table", table, self.spec.region, "missing", Level.CRITICAL, "table not found")
        status = str(desc.get("TableStatus", "unknown"))
        level = Level.OK if status == "ACTIVE" else Level.WARNING if status in ("UPDATING", "CREATING") else Level.CRITICAL
        return ServiceItem("table", table, self.spec.region, status, level, "" if level == Level.OK else status,
                           detail={"items": desc.get("ItemCount")})

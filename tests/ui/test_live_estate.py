"""The cockpit on the real emulated estate, at 80x24, through the same code as production.

The storage-outage scenario runs at 600x: the panes must show the 5xx alarm firing, lag
past the RPO and storage-service degraded; after the responder fails over (DR ConfigMap,
then restarts, through kubernetes-asyncio as a responder's kubectl would) they must clear.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from kubernetes_asyncio import client as k8s, config as k8s_config

from cockpit.ui.app import CockpitApp
from cockpit.ui.widgets.keyed_table import KeyedTable

from .conftest import FAST, apply_env, play_to
from .helpers import pane_error, row, rows, screen_text, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

DR_CONFIG = {
    "DATA_LAKE_BUCKET": "greenlang-prod-eu-central-1-data-lake-confidential-replica",
    "REPORTS_BUCKET": "greenlang-prod-eu-central-1-reports-confidential-replica",
    "MODELS_BUCKET": "greenlang-prod-eu-central-1-models-internal-replica",
    "AWS_REGION": "eu-central-1",
    "DR_MODE": "true",
}


@pytest.fixture(scope="module")
def outage(start_estate):
    return start_estate(scenario="eu-west-1-storage-outage", speed=600)


PRIMARY_CONFIG = {
    "DATA_LAKE_BUCKET": "greenlang-prod-eu-west-1-data-lake-confidential",
    "REPORTS_BUCKET": "greenlang-prod-eu-west-1-reports-confidential",
    "MODELS_BUCKET": "greenlang-prod-eu-west-1-models-internal",
    "AWS_REGION": "eu-west-1",
    "DR_MODE": "false",
}


async def fail_over(env: dict[str, str], data: dict[str, str] = DR_CONFIG) -> None:
    """Seed 003 phase 2: point storage-config at eu-central-1, then restart the two deployments
    (with ``PRIMARY_CONFIG``: the failback's phase 3, back on eu-west-1)."""
    configuration = k8s.Configuration()
    await k8s_config.load_kube_config(config_file=env["KUBECONFIG"], client_configuration=configuration)
    async with k8s.ApiClient(configuration) as api:
        await k8s.CoreV1Api(api).patch_namespaced_config_map("storage-config", "greenlang", {"data": data})
        stamp = datetime.now(timezone.utc).isoformat()
        for name in ("storage-service", "api-gateway"):
            await k8s.AppsV1Api(api).patch_namespaced_deployment(name, "greenlang", {"spec": {"template": {
                "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}})


async def test_outage_shows_in_every_pane_and_clears_after_failover(outage, monkeypatch, tmp_path, config):
    apply_env(monkeypatch, outage.env, tmp_path)
    app = CockpitApp(config=config, live=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        # The 5xx alarm firing, critical, in the alarms pane.
        firing = await wait_for(pilot, lambda: row(app, "alarms", "greenlang-s3-5xx-errors-critical", "ALARM"),
                                what="5xx alarm in ALARM")
        assert firing[0] == "CRIT"
        # Lag past the 15-minute RPO on the data lake: critical, with a full bar.
        lag = await wait_for(pilot, lambda: (r := row(app, "replication", "data-lake")) and r[0] == "CRIT"
                             and r[3].endswith("!") and r, what="data-lake past its RPO")
        assert "/15m" in lag[2]
        # storage-service degraded, the health endpoint failing.
        await wait_for(pilot, lambda: row(app, "services", "greenlang/storage-service", "degraded"),
                       what="storage-service degraded")
        assert row(app, "services", "storage-health", "503")[0] == "CRIT"
        text = screen_text(app)
        assert "past RPO" in text and "firing" in text  # the pane titles say it at 80x24 too
        # No pane reads as failing: the outage is in what they show, not in reading it. With
        # FAST's one-second read timeout a loaded box can time one read out; the next succeeds.
        await wait_for(pilot, lambda: not any(pane_error(app, p) for p in ("alarms", "replication", "services")),
                       timeout=10, what="no pane failing to read")

        await fail_over(outage.env)

        await wait_for(pilot, lambda: (r := row(app, "services", "storage-health")) and r[3] == "200"
                       and r[0] == "ok", timeout=30, what="storage-health back to 200")
        await wait_for(pilot, lambda: not row(app, "alarms", "greenlang-s3-5xx-errors-critical", "ALARM"),
                       timeout=30, what="5xx alarm no longer firing")
        back = row(app, "alarms", "greenlang-s3-5xx-errors-critical")
        assert back is None or back[1] == "OK"  # recently back to OK is still listed, as ok
        await wait_for(pilot, lambda: (r := row(app, "services", "greenlang/storage-service")) and r[0] == "ok",
                       timeout=30, what="storage-service ready again")
        assert rows(app, "services")


@pytest.fixture
def at_the_decision(start_estate):
    """A storage outage of its own, played fast to T+31m (the 5xx and lag alarms have fired by
    evaluation, replication metrics stopped at T+30m, the region is down until T+45m), then
    at 30x: a scenario minute every two seconds."""
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    play_to(handle, 31, speed=30)
    return handle


@pytest.fixture
def firing_5xx(start_estate):
    """A storage outage of its own, played to T+10m (the 5xx alarm fired by evaluation about
    six minutes in, with datapoints above its threshold), then at 10x."""
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    play_to(handle, 10, speed=10)
    return handle


@pytest.mark.slow  # its own estate, and scenario minutes of staleness at 30x
async def test_after_failover_the_lag_says_how_old_it_is_and_recovers_after_failback(
        at_the_decision, monkeypatch, tmp_path):
    """Issue 17: after the failover the lag stayed at 25m/15m, looking current, alarms firing.

    From 30 minutes (scenario time) eu-west-1's S3 publishes no replication metrics: the
    pane must say how old the last lag is and mark it unknown (the screen's staleness bound
    is cut to its minimum, 120 s of scenario time, here; the shipped one is 5 minutes). The
    failover does not bring the metrics back (the replica is as far behind as it was); the
    failback does, before the region recovers by itself at T+45m, and the lag drains under
    the RPO in the estate.
    """
    outage = at_the_decision
    import yaml

    from cockpit.config import Config
    from cockpit.content.paths import content_files

    shipped = next(p for p in content_files("screens") if p.stem == "greenlang-storage")
    raw = yaml.safe_load(shipped.read_text())
    raw.setdefault("thresholds", {})["replication_stale_seconds"] = 120
    screens = tmp_path / "screens"
    screens.mkdir()
    (screens / "greenlang-storage.yaml").write_text(yaml.safe_dump(raw))
    apply_env(monkeypatch, outage.env, tmp_path)
    app = CockpitApp(config=Config(db=tmp_path / "timeline.db", screens_dirs=[screens]), live=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await fail_over(outage.env)
        await wait_for(pilot, lambda: "failed-over-to-eu-central-1" in outage.control("status")["reactions_fired"],
                       timeout=30, what="the failover reaction")
        stale = await wait_for(pilot, lambda: (r := row(app, "replication", "data-lake")) and r[0] == "UNKN" and r,
                               timeout=240, what="data-lake lag marked unknown")
        assert stale[2].startswith("25m/15m · ") and stale[2].endswith(" ago"), stale
        text = screen_text(app)
        assert "UNKN" in text and "25m/15m · " in text, text  # visible at 80x24

        await fail_over(outage.env, PRIMARY_CONFIG)

        fresh = await wait_for(pilot, lambda: (r := row(app, "replication", "data-lake")) and r[0] != "UNKN"
                               and "ago" not in r[2] and r, timeout=30, what="data-lake published again")
        assert "/15m" in fresh[2]
        status = outage.control("status")
        assert "failed-back-to-eu-west-1" in status["reactions_fired"]
        assert status["elapsed"] < 45 * 60  # the failback brought it back, not the region's recovery
        await wait_for(pilot, lambda: outage.control("status")["replication"]["data-lake"]["latency_seconds"] < 900,
                       timeout=30, what="the lag drained under the RPO in the estate")
        await wait_for(pilot, lambda: not row(app, "alarms", "S3-Replication-Lag-Critical", "ALARM"),
                       timeout=30, what="lag alarm no longer firing")


async def test_demo_mode_starts_the_estate_and_goes_live(config, monkeypatch, tmp_path):
    """`cockpit demo`: the first frame, then the estate strip, then live data."""
    from cockpit.estate.process import EstateProcess

    for name in ("AWS_ENDPOINT_URL", "KUBECONFIG", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    estate = EstateProcess(scenario="eu-west-1-storage-outage", speed=60, timeout=60)
    app = CockpitApp(config=config, estate=estate, live=FAST)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "Starting the emulated estate" in screen_text(app)
            await wait_for(pilot, lambda: "AWS_ENDPOINT_URL http://127.0.0.1:" in screen_text(app), timeout=60,
                           what="estate strip")
            await wait_for(pilot, lambda: "eu-west-1 S3 outage" in screen_text(app), what="scenario clock")
            await wait_for(pilot, lambda: rows(app, "alarms") or "firing" in screen_text(app),
                           what="live alarms")
            await wait_for(pilot, lambda: row(app, "replication", "data-lake"), what="live replication")
            await pilot.press("e")
            await wait_for(pilot, lambda: "COCKPIT_STORAGE_HEALTH_URL" in screen_text(app), what="estate details")
    finally:
        estate.stop()


async def test_alarm_detail_plots_the_metric_against_its_threshold(firing_5xx, monkeypatch, tmp_path, config):
    """Issue 17: `d` on an alarm fetches its metric's last hour (in a worker) and plots it,
    with the threshold's value on the y axis and clock times on the x axis."""
    from cockpit.ui.screens.detail import DetailScreen

    outage = firing_5xx
    apply_env(monkeypatch, outage.env, tmp_path)
    app = CockpitApp(config=config, live=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: row(app, "alarms", "greenlang-s3-5xx-errors-critical"), what="the 5xx alarm")
        table = app.screen.query_one("#alarms-table", KeyedTable)
        table.focus()
        names = [" ".join(cells) for cells in rows(app, "alarms")]
        table.move_cursor(next(i for i, n in enumerate(names) if "greenlang-s3-5xx-errors-critical" in n))
        await pilot.pause()
        await pilot.press("d")
        assert isinstance(app.screen, DetailScreen)
        plot = await wait_for(pilot, lambda: (t := str(app.screen.query_one("#detail-plot").render()))
                              and "loading" not in t and t, what="the metric plot")
        assert "AWS/S3 5xxErrors (Sum) · threshold 10" in plot, plot
        assert any(line.lstrip().startswith("10┤") or line.lstrip().startswith("10├") for line in plot.splitlines()), plot
        assert any(line.lstrip().startswith("10") and "───" in line for line in plot.splitlines()), plot
        assert "UTC" in plot and sum(1 for w in plot.split() if len(w) == 5 and w[2] == ":") >= 3, plot

"""The AWS client configuration the estate's env points at (``AWS_CONFIG_FILE``).

``AWS_ENDPOINT_URL`` alone sends boto3, aiobotocore and aws-cli v2 to the estate for every
service. aws-cli v1 overrides it for a few services and regions (RDS in us-east-1 among them:
``awscli_v1_endpoints.py`` says why), so the estate also writes an aws-cli config file that
loads a small v1 plugin, and puts the plugin's folder (it holds that one module) first on
``PYTHONPATH``, where v1 looks for plugins. The file has no credentials and no region: those
stay in the env, so one file serves every system's env.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cockpit.estate import awscli_v1_endpoints

PLUGIN_MODULE = "cockpit_estate_awscli"


def write_aws_client_config(workdir: Path) -> dict[str, str]:
    """Write the config file and the v1 plugin under ``workdir``; return the env that uses them."""
    plugins = workdir / "awscli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(awscli_v1_endpoints.__file__, plugins / f"{PLUGIN_MODULE}.py")
    config = workdir / "aws-config"
    config.write_text("# Written by the Cockpit estate: aws-cli v1 honours AWS_ENDPOINT_URL for every service.\n"
                      f"[plugins]\ncockpit_estate_endpoints = {PLUGIN_MODULE}\n", encoding="utf-8")
    # Keep the PYTHONPATH the estate was started with (a checkout's src/, say) after ours.
    inherited = os.environ.get("PYTHONPATH")
    return {"AWS_CONFIG_FILE": str(config),
            "PYTHONPATH": str(plugins) + (os.pathsep + inherited if inherited else "")}

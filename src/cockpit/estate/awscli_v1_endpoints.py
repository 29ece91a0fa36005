"""An aws-cli v1 plugin: configured endpoint URLs win over v1's hard-coded "SSL common names".

Copied by ``estate/aws_config.py`` into the estate's own folder and loaded by aws-cli v1 from
the ``[plugins]`` section of the config file the estate's env names (``AWS_CONFIG_FILE``),
found through ``PYTHONPATH``. It imports nothing from Cockpit: it runs inside aws-cli's Python.

Why: aws-cli v1 (``awscli/customizations/overridesslcommonname.py``) sets ``--endpoint-url``
itself for rds, docdb and neptune in us-east-1 (``https://rds.amazonaws.com``), sqs, emr and
health in most regions, whenever the user did not pass ``--endpoint-url``. An explicit
endpoint outranks every configured one, so ``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_RDS`` and
``[services]`` sections are all ignored there and the command goes to real AWS. This plugin
runs before that customization (on ``top-level-args-parsed``) and, for those services only,
passes on the endpoint botocore would have configured for the service anyway (service-specific
variable or section first, then the global one), unless configured endpoints are switched
off (``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``). aws-cli v2 and boto3 honour configured endpoints
themselves; v2 loads no plugin without ``cli_legacy_plugin_path``, so this never runs there.
"""


def awscli_initialize(cli):
    cli.register("top-level-args-parsed", use_configured_endpoint)


def use_configured_endpoint(parsed_args, session, **kwargs):
    if getattr(parsed_args, "endpoint_url", None) is not None:
        return  # the user's own --endpoint-url
    try:
        from awscli.customizations.overridesslcommonname import SSL_COMMON_NAMES
        from botocore.configprovider import ConfiguredEndpointProvider
    except ImportError:  # an aws-cli without the override, or a botocore without configured endpoints
        return
    service = getattr(parsed_args, "command", None)
    if service not in SSL_COMMON_NAMES or session.get_config_variable("ignore_configured_endpoint_urls"):
        return
    provider = ConfiguredEndpointProvider(full_config=session.full_config,
                                          scoped_config=session.get_scoped_config(), client_name=service)
    endpoint = provider.provide()
    if endpoint:
        parsed_args.endpoint_url = endpoint

"""The share's address, ``dynamodb://TABLE?region=R[&profile=P]``: good ones parse, every
mistake is one line saying what is wrong and where (the config file's line, ``--share``),
never a traceback. In-process: no server, no subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.cli import cli
from cockpit.config import load_config
from cockpit.content.errors import ContentError
from cockpit.share.uri import ShareUri, ShareUriError, parse


@pytest.mark.parametrize("text, expected", [
    ("dynamodb://cockpit-share?region=eu-central-1", ShareUri("cockpit-share", "eu-central-1")),
    ("dynamodb://Team.Share_2?region=us-east-1&profile=sre-admin",
     ShareUri("Team.Share_2", "us-east-1", "sre-admin")),
    ("dynamodb://abc?profile=ops@corp&region=cn-north-1", ShareUri("abc", "cn-north-1", "ops@corp")),
    ("dynamodb://" + "t" * 255 + "?region=us-gov-west-1", ShareUri("t" * 255, "us-gov-west-1")),
])
def test_good_uris_parse_and_print_back(text: str, expected: ShareUri) -> None:
    uri = parse(text)
    assert uri == expected
    assert parse(str(uri)) == uri


@pytest.mark.parametrize("text, says", [
    ("", "is not a share URI: dynamodb://TABLE?region=REGION[&profile=PROFILE]"),
    ("https://cockpit-share?region=eu-central-1", "'https://cockpit-share?region=eu-central-1' is not a share URI"),
    ("dynamodb:/cockpit-share?region=eu-central-1", "is not a share URI"),
    (" dynamodb://cockpit-share?region=eu-central-1", "is not a share URI"),
    ("dynamodb://ab?region=eu-central-1", "table name 'ab': DynamoDB allows 3 to 255 letters, digits"),
    ("dynamodb://" + "t" * 256 + "?region=eu-central-1", "table name 'tttt"),
    ("dynamodb://team/share?region=eu-central-1", "table name 'team/share'"),
    ("dynamodb://cockpit share?region=eu-central-1", "table name 'cockpit share'"),
    ("dynamodb://cockpit-share", "no region: add ?region=REGION"),
    ("dynamodb://cockpit-share?profile=ops", "no region: add ?region=REGION"),
    ("dynamodb://cockpit-share?regoin=eu-central-1", "unknown query key 'regoin' (did you mean 'region'?)"),
    ("dynamodb://cockpit-share?region=eu-central-1&table=x", "unknown query key 'table' (known: region, profile)"),
    ("dynamodb://cockpit-share?region=eu-central-1&", "an empty query part (a stray '?' or '&')"),
    ("dynamodb://cockpit-share?region=eu-central-1&region=us-east-1", "query key 'region' is given twice"),
    ("dynamodb://cockpit-share?region=", "query key 'region' has no value"),
    ("dynamodb://cockpit-share?region", "query key 'region' has no value"),
    ("dynamodb://cockpit-share?region=eu-centrl-1", "region 'eu-centrl-1' is not a region in botocore's partition "
                                                    "data (did you mean 'eu-central-1'?)"),
    ("dynamodb://cockpit-share?region=EU-CENTRAL-1", "region 'EU-CENTRAL-1' is not an AWS region"),
    ("dynamodb://cockpit-share?region=eu-central-1#x", "region 'eu-central-1#x' is not an AWS region"),
    ("dynamodb://cockpit-share?region=eu-central-1&profile=a b", "profile 'a b': use 1 to 128 letters"),
    ("dynamodb://cockpit-share?region=eu-central-1&profile=\x1b[2J", r"profile '\x1b[2J'"),
])
def test_each_mistake_is_one_line_naming_it(text: str, says: str) -> None:
    with pytest.raises(ShareUriError) as caught:
        parse(text)
    message = str(caught.value)
    assert says in message, message
    assert "\n" not in message and "\x1b" not in message and len(message) < 200


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=80),
    st.builds(lambda table, query: f"dynamodb://{table}?{query}",
              st.text(max_size=20), st.text(alphabet=st.sampled_from("region=profile&eu-west-1?#% \n"), max_size=40)),
))
def test_any_text_parses_or_is_refused_in_one_line(text: str) -> None:
    try:
        uri = parse(text)
    except ShareUriError as exc:
        assert str(exc) and "\n" not in str(exc) and "\r" not in str(exc)
    else:
        assert str(uri) == text or parse(str(uri)) == uri


def test_a_bad_share_in_the_config_is_reported_at_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('screen = "greenlang-storage"\n\nshare = "dynamodb://cockpit-share?regoin=eu-central-1"\n')
    with pytest.raises(ContentError) as caught:
        load_config(config, check_share=parse)
    assert str(caught.value) == (f"{config}:3: share: unknown query key 'regoin' (did you mean 'region'?); "
                                 "the form is dynamodb://TABLE?region=REGION[&profile=PROFILE]")


def test_a_good_share_in_the_config_is_kept_and_none_is_the_default(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('share = "dynamodb://cockpit-share?region=eu-central-1"\n')
    assert load_config(config, check_share=parse).share == "dynamodb://cockpit-share?region=eu-central-1"
    config.write_text('screen = "greenlang-storage"\n')
    assert load_config(config, check_share=parse).share is None


def test_a_bad_share_option_is_one_error_line_and_exit_2_for_any_command(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", str(tmp_path / "t.db"),
                                      "--share", "dynamodb://x?region=eu-central-1", "incident", "list"])
    assert result.exit_code == 2
    assert result.stderr == ("cockpit: error: --share: table name 'x': DynamoDB allows 3 to 255 letters, digits, "
                             "'_', '-' and '.'\n")
    assert result.stdout == ""

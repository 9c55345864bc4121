"""Which STS endpoint the token is signed for here, and when an `sts` client is asked instead.

The tokens themselves are compared with the aws CLI's in test_eks_token.py; these say which path made
them, so that the fast one stays taken where it is exact and never where it is not.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import botocore
import botocore.session
import pytest
from botocore.endpoint_provider import RuleSetStandardLibrary

from ops.kube.eks_token import StsEndpoint, _dns_suffix, sts_endpoint


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> botocore.session.Session:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    return botocore.session.Session()


def test_regions_of_the_aws_and_china_partitions_are_signed_here(session: botocore.session.Session) -> None:
    frankfurt = StsEndpoint("https://sts.eu-central-1.amazonaws.com", "eu-central-1")
    assert sts_endpoint(session, "eu-central-1") == frankfurt
    assert sts_endpoint(session, "cn-northwest-1") == StsEndpoint(
        "https://sts.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"
    )


@pytest.mark.parametrize(
    ("setting", "region", "expected"),
    [
        ("legacy", "us-east-1", StsEndpoint("https://sts.amazonaws.com", "us-east-1")),
        ("legacy", "eu-central-1", StsEndpoint("https://sts.amazonaws.com", "us-east-1")),
        ("legacy", "ap-east-1", StsEndpoint("https://sts.ap-east-1.amazonaws.com", "ap-east-1")),
        ("regional", "us-east-1", StsEndpoint("https://sts.us-east-1.amazonaws.com", "us-east-1")),
        ("global", "us-east-1", None),  # botocore refuses it: the client says so
    ],
)
def test_sts_regional_endpoints(
    session: botocore.session.Session,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    region: str,
    expected: StsEndpoint | None,
) -> None:
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", setting)
    assert sts_endpoint(session, region) == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ("AWS_ENDPOINT_URL_STS", "https://sts.example.internal"),
        ("AWS_USE_FIPS_ENDPOINT", "true"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
        ("AWS_DEFAULTS_MODE", "standard"),
    ],
)
def test_other_endpoint_settings_are_left_to_an_sts_client(
    session: botocore.session.Session, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert sts_endpoint(session, "eu-central-1") is None


def test_an_endpoint_url_in_the_profile_is_left_to_an_sts_client(
    session: botocore.session.Session, tmp_path: Path
) -> None:
    (tmp_path / "config").write_text(
        "[default]\nservices = local\n\n[services local]\nsts =\n  endpoint_url = http://x\n"
    )
    assert sts_endpoint(botocore.session.Session(), "eu-central-1") is None


@pytest.mark.parametrize("region", [None, "us-gov-west-1", "us-iso-east-1", "aws-global", "fips-us-east-1"])
def test_other_partitions_and_pseudo_regions_are_left_to_an_sts_client(
    session: botocore.session.Session, region: str | None
) -> None:
    assert sts_endpoint(session, region) is None


def test_the_partition_table_agrees_with_botocores_partitions() -> None:
    """Every region botocore knows: where a suffix is given here, it is botocore's partition's."""
    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    library = RuleSetStandardLibrary(data)
    regions = {region for p in data["partitions"] for region in p["regions"]}
    signed_here = set()
    for region in regions | {"eu-south-7", "cn-south-9", "us-gov-north-9", "mx-central-2"}:
        ours = _dns_suffix(region)
        if ours is not None:
            assert ours == library.aws_partition(region)["dnsSuffix"], region
            signed_here.add(region)
    # and it covers every ordinary region of the two partitions
    usual = {r for p in data["partitions"] if p["id"] in {"aws", "aws-cn"} for r in p["regions"] if "global" not in r}
    assert usual and usual <= signed_here

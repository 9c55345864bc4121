"""EKS tokens minted in-process: the aws CLI's own token for the same credentials and clock, no `aws` process.

The comparison runs the aws CLI installed on this machine (its own Python, its own botocore) and this
module each in a subprocess whose clock is fixed: botocore's and the CLI's `get_current_datetime`
return one instant, so the two signatures can only be equal if everything else is the same.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from ops.errors import ExitCode
from ops.kube import KubeTarget, connect
from ops.kube.eks_token import EksExec, EksTokenError, TokenCache, eks_exec
from tests.conftest import ROOT
from tests.kube.emulator import EmulatorThread
from tests.objects import Stack, healthy_platform, platform_crds
from tests.programs import Programs, programs  # noqa: F401
from tests.tasks.cli import invoke

FIXED = "datetime.datetime(2026, 11, 29, 21, 30, 15)"
CLOCK = f"""
import datetime, json, sys
FIXED = {FIXED}
def fixed(remove_tzinfo=True):
    return FIXED if remove_tzinfo else FIXED.replace(tzinfo=datetime.timezone.utc)
import botocore.auth, botocore.compat
botocore.auth.get_current_datetime = botocore.compat.get_current_datetime = fixed
"""
CLI = (  # argv: one JSON list of [args, env] cases; prints one ExecCredential per line
    CLOCK
    + """
import contextlib, io, os
import awscli.compat, awscli.customizations.eks.get_token as get_token
awscli.compat.get_current_datetime = get_token.get_current_datetime = fixed
from awscli.clidriver import create_clidriver
base = dict(os.environ)
for args, env in json.loads(sys.argv[1]):
    os.environ.clear()
    os.environ.update(base | env)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert create_clidriver().main(args) == 0
    print(json.dumps(json.loads(out.getvalue())["status"]))
"""
)
OURS = (  # argv: one JSON list of [exec config, env] cases
    CLOCK
    + """
import os
from ops.kube.eks_token import eks_exec, mint
base = dict(os.environ)
for exec_config, env in json.loads(sys.argv[1]):
    os.environ.clear()
    os.environ.update(base | env)
    token = mint(eks_exec(exec_config), clock=lambda: FIXED.replace(tzinfo=datetime.timezone.utc))
    print(json.dumps({"expirationTimestamp": token.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "token": token.token}))
"""
)
KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def _cli_python() -> str | None:
    """The interpreter of the aws CLI on PATH (through a pyenv shim too), if it is the Python one."""
    found = shutil.which("aws")
    if found is None:
        return None
    script = Path(found)
    if "pyenv" in script.read_text(errors="replace")[:300] and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True, check=False).stdout.strip()
        script = Path(real) if real else script
    first = script.read_bytes().split(b"\n", 1)[0].decode(errors="replace")
    if not first.startswith("#!") or "python" not in first:
        return None
    words = first[2:].split()
    python = shutil.which(words[1]) if Path(words[0]).name == "env" and len(words) > 1 else words[0]
    probe = subprocess.run([python or "", "-c", "import awscli"], capture_output=True, check=False) if python else None
    return python if probe is not None and probe.returncode == 0 else None


AWS_CLI_PYTHON = _cli_python()
needs_cli = pytest.mark.skipif(AWS_CLI_PYTHON is None, reason="the aws CLI (v1, Python) is not installed here")


def _aws_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "INVOKE_", "KUBERNETES_EXEC"))}
    none = tmp_path / "none"
    return env | {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(none),
        "AWS_SHARED_CREDENTIALS_FILE": str(none),
        **extra,
    }


def _plugin_env(exec_config: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in exec_config.get("env") or []}


def _get_token(region: str) -> dict[str, Any]:
    return {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "kratix-demo", "--region", region]}


CASES = {
    "as invoke kubeconfig writes it": (
        {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "kratix-demo", "--region", "eu-central-1"]},
        KEYS,
    ),
    "as aws eks update-kubeconfig writes it, with a session token": (
        {
            "command": "aws",
            "args": ["--region", "us-west-2", "eks", "get-token", "--cluster-name", "platform-eu", "--output", "json"],
        },
        {**KEYS, "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE//session+token="},
    ),
    "a local cluster by id, the region from the environment": (
        {"command": "aws", "args": ["eks", "get-token", "--cluster-id", "0123-abcd"]},
        {**KEYS, "AWS_DEFAULT_REGION": "ap-southeast-2"},
    ),
    "a profile from the plugin's env": (
        {
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", "kratix-demo", "--region", "eu-central-1"],
            "env": [{"name": "AWS_PROFILE", "value": "platform"}],
        },
        {},
    ),
    # the endpoint rules signed here (ops.kube.eks_token.sts_endpoint)
    "a China region: the amazonaws.com.cn partition": (_get_token("cn-north-1"), KEYS),
    "sts_regional_endpoints = legacy in a legacy region: the global endpoint, signed for us-east-1": (
        _get_token("eu-west-1"),
        {**KEYS, "AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
    ),
    "sts_regional_endpoints = legacy in a newer region: regional": (
        _get_token("ap-east-1"),
        {**KEYS, "AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
    ),
    # what an sts client resolves instead (the same token, the CLI's own way)
    "an STS endpoint URL in the environment": (
        _get_token("eu-central-1"),
        {**KEYS, "AWS_ENDPOINT_URL_STS": "https://sts.example.internal:8443"},
    ),
    "FIPS endpoints": (_get_token("us-east-1"), {**KEYS, "AWS_USE_FIPS_ENDPOINT": "true"}),
    "a GovCloud region": (_get_token("us-gov-west-1"), KEYS),
    "the aws-global pseudo region": (_get_token("aws-global"), KEYS),
}


@needs_cli
def test_the_token_is_the_one_aws_eks_get_token_prints(tmp_path: Path) -> None:
    profiles = tmp_path / "credentials"
    profiles.write_text(
        "[platform]\naws_access_key_id = AKIAPLATFORMEXAMPLE\naws_secret_access_key = platform/secret/EXAMPLE\n"
    )
    env = _aws_env(tmp_path, {"AWS_SHARED_CREDENTIALS_FILE": str(profiles)})
    # each case's credentials go in its env, on both sides (as kubectl's environment would hold them)
    cli_cases = [(c["args"], credentials | _plugin_env(c)) for c, credentials in CASES.values()]
    assert AWS_CLI_PYTHON is not None

    def run(argv: list[str], run_env: dict[str, str]) -> list[dict[str, Any]]:
        done = subprocess.run(argv, env=run_env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    cli = run([AWS_CLI_PYTHON, "-c", CLI, json.dumps(cli_cases)], env)
    ours = run([sys.executable, "-c", OURS, json.dumps(list(CASES.values()))], env)

    assert len(cli) == len(CASES)
    assert dict(zip(CASES, ours, strict=True)) == dict(zip(CASES, cli, strict=True))
    hosts = {}
    for case, token in zip(CASES, (t["token"] for t in ours), strict=True):
        url = base64.urlsafe_b64decode(token.removeprefix("k8s-aws-v1.") + "==").decode()
        query = parse_qs(urlsplit(url).query)
        assert query["Action"] == ["GetCallerIdentity"] and query["X-Amz-Expires"] == ["60"]
        assert query["X-Amz-SignedHeaders"] == ["host;x-k8s-aws-id"]
        hosts[case.split(":")[0]] = urlsplit(url).netloc
    assert hosts["a China region"] == "sts.cn-north-1.amazonaws.com.cn"
    assert hosts["sts_regional_endpoints = legacy in a legacy region"] == "sts.amazonaws.com"
    assert hosts["sts_regional_endpoints = legacy in a newer region"] == "sts.ap-east-1.amazonaws.com"
    assert hosts["an STS endpoint URL in the environment"] == "sts.example.internal:8443"
    assert hosts["FIPS endpoints"] == "sts-fips.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("exec_config", "expected"),
    [
        (
            {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c", "--region", "eu-central-1"]},
            EksExec("c", "eu-central-1"),
        ),
        (
            {
                "command": "/usr/local/bin/aws",
                "args": ["--region=us-east-1", "eks", "get-token", "--cluster-name", "c", "--role-arn", "arn:r"],
                "env": [{"name": "AWS_PROFILE", "value": "p"}],
            },
            EksExec("c", "us-east-1", "p", "arn:r"),
        ),
        (
            {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c", "--profile", "q"]},
            EksExec("c", None, "q"),
        ),
        # anything else runs as configured
        ({"command": "aws-iam-authenticator", "args": ["token", "-i", "c"]}, None),
        ({"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c", "--debug"]}, None),
        ({"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c", "--output", "yaml"]}, None),
        ({"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c", "--cluster-id", "i"]}, None),
        ({"command": "aws", "args": ["eks", "get-token"]}, None),
        ({"command": "aws", "args": ["eks", "describe-cluster", "--name", "c"]}, None),
        (
            {
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", "c"],
                "env": [{"name": "AWS_VAULT", "value": "x"}],
            },
            None,
        ),
    ],
)
def test_only_aws_eks_get_token_is_recognised(exec_config: dict[str, Any], expected: EksExec | None) -> None:
    assert eks_exec(exec_config) == expected


def test_one_token_per_cluster_until_it_is_about_to_expire(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in _aws_env(tmp_path, KEYS).items():
        monkeypatch.setenv(name, value)
    now = [datetime(2026, 11, 29, 12, 0, tzinfo=UTC)]
    cache = TokenCache(clock=lambda: now[0])
    a, b = EksExec("a", "eu-central-1"), EksExec("b", "eu-central-1")

    first = cache.token(a)
    now[0] += timedelta(minutes=8)
    assert cache.token(a) is first and cache.token(b) is not first
    assert first.expires_at == datetime(2026, 11, 29, 12, 14, tzinfo=UTC)
    now[0] += timedelta(minutes=1, seconds=1)  # less than 5 minutes left: a new one
    assert cache.token(a) is not first
    assert cache.minted == 3


def test_no_credentials_is_an_aws_credentials_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in _aws_env(tmp_path, {}).items():
        monkeypatch.setenv(name, value)

    with pytest.raises(EksTokenError) as caught:
        TokenCache().token(EksExec("kratix-demo", "eu-central-1"))

    assert caught.value.exit_code == ExitCode.AWS_CREDENTIALS
    assert str(caught.value).startswith("cannot make the EKS token for cluster kratix-demo: no AWS credentials")


def _eks_kubeconfig(path: Path, server: str) -> Path:
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": [
                "--region",
                "eu-central-1",
                "eks",
                "get-token",
                "--cluster-name",
                "kratix-demo",
                "--output",
                "json",
            ],
            "env": [{"name": "AWS_PROFILE", "value": "platform"}],
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": False,
        }
    }
    arn = "arn:aws:eks:eu-central-1:123456789012:cluster/kratix-demo"
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": arn, "cluster": {"server": server}}],
        "users": [{"name": arn, "user": user}],
        "contexts": [{"name": arn, "context": {"cluster": arn, "user": arn}}],
        "current-context": arn,
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def test_status_on_an_eks_kubeconfig_runs_no_aws_process_and_sends_one_token(
    kube: EmulatorThread,
    tmp_path: Path,
    programs: Programs,  # noqa: F811
) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform([Stack("production", "team-a")]))
    credentials = tmp_path / "credentials"
    credentials.write_text("[platform]\naws_access_key_id = AKIAPLATFORM\naws_secret_access_key = platform/secret\n")
    env = _aws_env(tmp_path, {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "PATH": os.environ["PATH"]})
    env["KUBECONFIG"] = str(_eks_kubeconfig(tmp_path / "config", kube.url))
    kube.forget_requests()

    result = invoke("status", "--output", "json", env=env)

    assert result.code == 0, result.stderr
    assert programs.calls("aws") == []  # the stand-in `aws` first on PATH was never run
    tokens = set(kube.bearer_tokens())
    assert len(tokens) == 1 and len(kube.requests) > 10
    url = base64.urlsafe_b64decode(tokens.pop().removeprefix("k8s-aws-v1.") + "==").decode()
    assert urlsplit(url).netloc == "sts.eu-central-1.amazonaws.com"
    assert parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].startswith("AKIAPLATFORM/")


def test_connect_fails_closed_without_credentials(
    kube: EmulatorThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in _aws_env(tmp_path, {}).items():
        monkeypatch.setenv(name, value)

    with pytest.raises(EksTokenError) as caught:
        connect(KubeTarget(_eks_kubeconfig(tmp_path / "config", kube.url)))

    assert "profile platform is not configured" in str(caught.value)

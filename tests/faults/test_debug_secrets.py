"""`invoke --debug` turns on every library's debug log; no key, token or password reaches stdout or
stderr through it (botocore's request parameters and response bodies, the kubernetes client's
response bodies). Each test also checks that debug logging was on, so it can fail."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import boto3

from tests.aws import MotoServer
from tests.kube.emulator import EmulatorThread
from tests.objects import Stack, healthy_platform, platform_crds
from tests.ops.platform.test_secrets import API_KEY, APP_KEY
from tests.programs import Programs, programs  # noqa: F401
from tests.tasks.cli import Invocation, invoke
from tests.tasks.test_argocd_tasks import initial_secret, with_argo_cd

KEYS = {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}
TOKEN = "ghp_s3cr3tT0ken"
PASSWORD = "Xq3-kP9zR2mWv8Ln"
NAME = "datadog/prod/api-keys"


def assert_absent(run: Invocation, *secrets: str) -> None:
    for secret in secrets:
        for form in (secret, base64.b64encode(secret.encode()).decode(), json.dumps(secret)[1:-1]):
            assert form not in run.stderr
            assert form not in run.stdout


def test_secrets_create_with_debug_logs_no_key(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    run = invoke("--debug", "secrets.create", "--env", "staging", env=KEYS)

    assert run.code == 0, run.stderr[-2000:]
    assert "botocore" in run.stderr  # debug logging was on
    assert "left out: a request or response body" in run.stderr
    assert_absent(run, API_KEY, APP_KEY)


def test_git_credentials_with_debug_log_no_token(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    run = invoke("--debug", "secrets.git-credentials", env={"GIT_USERNAME": "kratix-bot", "GIT_TOKEN": TOKEN})

    assert run.code == 0, run.stderr[-2000:]
    assert "botocore" in run.stderr
    assert_absent(run, TOKEN)


def test_doctor_with_debug_logs_no_key_it_read(moto_server: MotoServer, kube: object, kubeconfig: Path) -> None:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    client.create_secret(
        Name="datadog/prod/api-keys", SecretString=json.dumps({"api-key": API_KEY, "app-key": APP_KEY})
    )
    kube.install_crd(*platform_crds())  # type: ignore[attr-defined]
    kube.seed(*healthy_platform([Stack("production", "team-a", tier="full", env="prod")]))  # type: ignore[attr-defined]

    run = invoke("--debug", "doctor", "--check", "aws-api-keys", env={"KUBECONFIG": str(kubeconfig)})

    assert run.code == 0, run.stderr[-2000:]
    assert "botocore" in run.stderr
    assert_absent(run, API_KEY, APP_KEY)


def test_argocd_password_with_debug_prints_it_on_stdout_only(kube: EmulatorThread, kubeconfig: Path) -> None:
    with_argo_cd(kube)
    kube.seed(initial_secret(PASSWORD))

    run = invoke("--debug", "argocd.password", "--kubeconfig", str(kubeconfig))

    assert (run.code, run.stdout) == (0, PASSWORD + "\n")
    assert "kubernetes.client.rest" in run.stderr
    assert PASSWORD not in run.stderr and base64.b64encode(PASSWORD.encode()).decode() not in run.stderr

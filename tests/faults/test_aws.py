"""AWS through the fault proxy in front of moto: a garbled, HTML, dropped or failing answer is one
line with exit 12 (no traceback), and nothing is written on a garbled read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.aws import MotoServer
from tests.faults.proxy import FaultProxy
from tests.ops.platform.test_secrets import API_KEY, APP_KEY
from tests.programs import Programs, programs  # noqa: F401
from tests.tasks.inprocess import run_task

KEYS = {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}


@pytest.fixture
def aws_proxy(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy


@pytest.mark.parametrize(
    ("fault", "options", "says"),
    [
        ("garble", {}, "AWS answered secretsmanager:DescribeSecret datadog/dev/api-keys with something that is not"),
        ("html", {}, "AWS answered secretsmanager:DescribeSecret datadog/dev/api-keys with something that is not"),
        ("reset", {}, "cannot reach AWS for secretsmanager:DescribeSecret datadog/dev/api-keys"),
        ("status", {"code": 500}, "AWS could not serve secretsmanager:DescribeSecret datadog/dev/api-keys"),
        ("status", {"code": 503}, "AWS could not serve secretsmanager:DescribeSecret datadog/dev/api-keys"),
    ],
)
def test_secrets_create_fails_closed_on_a_bad_aws_answer(
    moto_server: MotoServer,
    aws_proxy: FaultProxy,
    *,
    programs: Programs,  # noqa: F811
    fault: str,
    options: dict[str, object],
    says: str,
) -> None:
    aws_proxy.add(fault, **options)

    run = run_task("secrets.create", "--env", "dev", env=KEYS)

    assert run.code == 12, run.stderr
    last = run.stderr.splitlines()[-1]
    assert last.startswith("error: ") and says in last
    assert "Traceback" not in run.stderr
    assert all("CreateSecret" not in target and "PutSecretValue" not in target for target, _ in moto_server.requests)
    assert API_KEY not in run.stderr

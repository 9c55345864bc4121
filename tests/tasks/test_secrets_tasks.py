"""`invoke secrets.*` as a user runs it: keys from the environment, never in any output or process."""

from __future__ import annotations

import pytest

from tests.aws import MotoServer
from tests.ops.platform.test_secrets import API_KEY, APP_KEY, stored, writes
from tests.programs import OUTPUTS, Programs, programs  # noqa: F401
from tests.tasks.cli import Invocation, invoke
from tests.tasks.inprocess import run_task
from tests.tasks.terminal import at_a_terminal

KEYS = {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}


def assert_no_key_anywhere(programs: Programs, *runs: Invocation) -> None:  # noqa: F811
    for secret in (API_KEY, APP_KEY, "ghp_s3cr3tT0ken"):
        for run in runs:
            assert secret not in run.stdout and secret not in run.stderr
        assert secret not in programs.log_text()  # argv and environment of every program started


def test_create_stores_the_keys_then_says_unchanged(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    first = invoke("secrets.create", "--env", "staging", env=KEYS)
    moto_server.requests.clear()
    second = invoke("secrets.create", "--env", "staging", env=KEYS)

    assert (first.code, second.code) == (0, 0), first.stderr
    assert first.stdout == "secret datadog/staging/api-keys in eu-central-1 created\n"
    assert second.stdout == "secret datadog/staging/api-keys in eu-central-1 unchanged\n"
    assert writes(moto_server) == []
    assert stored("datadog/staging/api-keys") == {"api-key": API_KEY, "app-key": APP_KEY}
    assert programs.argvs() == [["tofu", "output", "-json"]] * 2  # the region; nothing else was started
    assert_no_key_anywhere(programs, first, second)


def test_the_region_follows_the_cluster_outputs(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    programs.set_outputs({**OUTPUTS, "region": "us-east-2"})

    run = run_task("secrets.create-prod", env=KEYS)

    assert run.code == 0, run.stderr
    assert run.stdout == "secret datadog/prod/api-keys in us-east-2 created\n"
    assert "region us-east-2 (from iac/ outputs)" in run.stderr


def test_create_dev_dry_run_writes_nothing(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    run = run_task("secrets.create-dev", "--dry-run", env=KEYS)

    assert run.code == 0, run.stderr
    assert run.stdout == "secret datadog/dev/api-keys in eu-central-1 would be created\n"
    assert writes(moto_server) == []
    assert_no_key_anywhere(programs, run)


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"DD_API_KEY": API_KEY[:-2], "DD_APP_KEY": APP_KEY},
            "error: the API key from DD_API_KEY is not a Datadog API key: expected 32 hexadecimal characters, "
            "got 30 characters (the value is not shown)",
        ),
        (
            {"DD_API_KEY": APP_KEY, "DD_APP_KEY": API_KEY},
            "error: the API key (DD_API_KEY) and the application key (DD_APP_KEY) look swapped: "
            "the API key has 32 characters, the application key 40",
        ),
        (
            {"DD_API_KEY": API_KEY},
            "error: DD_APP_KEY is not set and stdin is not a terminal to ask for the Datadog application key; set it",
        ),
    ],
)
def test_a_wrong_or_missing_key_is_exit_2_and_nothing_is_stored(
    env: dict[str, str],
    line: str,
    moto_server: MotoServer,
    programs: Programs,  # noqa: F811
) -> None:
    run = run_task("secrets.create", "--env", "dev", env=env)

    assert run.code == 2
    assert run.stderr == line + "\n"
    assert run.stdout == ""
    assert moto_server.requests == []
    assert programs.calls() == []
    assert_no_key_anywhere(programs, run)


def test_a_bad_environment_name_is_exit_2(moto_server: MotoServer) -> None:
    run = run_task("secrets.create", "--env", "Prod_1", env=KEYS)

    assert run.code == 2
    assert run.stderr.startswith("error: --env: 'Prod_1' is not allowed; a DNS label of at most 32 characters")


def test_expired_credentials_are_exit_15(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    moto_server.fail_next("ExpiredTokenException", "The security token included in the request is expired")

    run = run_task("secrets.create", "--env", "dev", env=KEYS)

    assert run.code == 15
    assert run.stderr.splitlines()[-1].startswith(
        "error: AWS rejected the credentials for secretsmanager:DescribeSecret datadog/dev/api-keys"
    )
    assert_no_key_anywhere(programs, run)


def test_git_credentials_go_to_the_secret_the_external_secret_reads(
    moto_server: MotoServer,
    programs: Programs,  # noqa: F811
) -> None:
    programs.set_outputs({**OUTPUTS, "kratix_git_secret_name": "platform/git"})
    env = {"GIT_USERNAME": "kratix-bot", "GIT_TOKEN": "ghp_s3cr3tT0ken"}

    first = run_task("secrets.git-credentials", env=env)
    second = run_task("secrets.git-credentials", env=env)

    assert (first.code, second.code) == (0, 0), first.stderr
    assert first.stdout == "secret platform/git in eu-central-1 created\n"
    assert second.stdout == "secret platform/git in eu-central-1 unchanged\n"
    assert stored("platform/git") == {"username": "kratix-bot", "password": "ghp_s3cr3tT0ken"}
    assert_no_key_anywhere(programs, first, second)


def test_at_a_terminal_the_keys_are_asked_for_and_not_echoed(moto_server: MotoServer, programs: Programs) -> None:  # noqa: F811
    code, seen = at_a_terminal(
        "secrets.create",
        "--env",
        "dev",
        answers=[("Datadog API key (not shown): ", API_KEY), ("Datadog application key (not shown): ", APP_KEY)],
    )

    assert code == 0, seen
    assert "secret datadog/dev/api-keys in eu-central-1 created" in seen
    assert API_KEY not in seen and APP_KEY not in seen  # the terminal did not echo them
    assert stored("datadog/dev/api-keys") == {"api-key": API_KEY, "app-key": APP_KEY}

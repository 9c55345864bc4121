"""`invoke pipeline.run` as a newcomer types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.tasks.cli import invoke


def test_the_readme_command_shows_the_objects_the_status_and_the_footprint() -> None:
    run = invoke("pipeline.run", "--tier", "full", "--name", "production", "--env", "prod")

    assert run.code == 0, run.stderr
    for text in (
        "Namespace",
        "HelmRepository",
        "ExternalSecret",
        "HelmRelease",
        "helm-release.yaml",
        "status: Datadog full tier configured",
        "datadog/prod/api-keys",
        "security-agent",
        "per node",
        "2304Mi",
        "5120Mi",
    ):
        assert text in run.stdout, text
    assert "datadog-default-production-" in run.stdout  # full names, never cut to fit the terminal


def test_json_output_has_the_documented_fields() -> None:
    run = invoke("pipeline.run", "--tier", "standard", "--output", "json")

    data = json.loads(run.stdout)
    assert set(data) == {"request", "targetNamespace", "objects", "status", "footprint"}
    assert [o["kind"] for o in data["objects"]] == ["Namespace", "HelmRepository", "ExternalSecret", "HelmRelease"]
    assert data["footprint"]["perNode"]["requests"]["memory"] == "1152Mi"
    assert data["footprint"]["unbounded"] == []


def test_yaml_output_is_the_manifests_as_one_stream() -> None:
    run = invoke("pipeline.run", "--output", "yaml", "--tag", "team:payments", "--tag", "cost:42")

    docs = list(yaml.safe_load_all(run.stdout))
    assert [d["kind"] for d in docs] == ["Namespace", "HelmRepository", "ExternalSecret", "HelmRelease"]
    assert docs[3]["spec"]["values"]["datadog"]["tags"][-2:] == ["team:payments", "cost:42"]


def test_a_request_file_runs_unchanged() -> None:
    run = invoke("pipeline.run", "--file", "promises/examples/standard-tier.yaml", "--output", "json")

    data = json.loads(run.stdout)
    assert data["status"]["message"] == "Datadog standard tier configured"
    assert data["status"]["environment"] == "staging"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--tier", "huge"], "error: spec.tier: 'huge' is not allowed; one of minimal, standard, full"),
        (["--env", "PROD"], "error: spec.environment: 'PROD' is not allowed"),
        (["--cluster", "My_Cluster"], "error: spec.clusterName: 'My_Cluster' is not allowed"),
        (["--output", "xml"], "error: --output: 'xml' is not allowed; one of table, json, yaml"),
        (
            ["--file", "promises/examples/full-tier.yaml", "--tier", "full"],
            "error: --tier: 'full' is not allowed; not together with --file",
        ),
        (["--file", "nope.yaml"], "error: --file: 'nope.yaml' is not allowed; a path to an existing YAML file"),
        (["--dry-run"], "error: --dry-run: True is not allowed; only together with --write"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_is_written(args: list[str], line: str, tmp_path: Path) -> None:
    run = (
        invoke("pipeline.run", *args, "--write", str(tmp_path))
        if "--dry-run" not in args
        else invoke("pipeline.run", *args)
    )

    assert run.code == 2
    assert run.stderr.startswith(line)
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_write_lays_out_the_state_store_and_a_second_run_skips_unchanged_files(tmp_path: Path) -> None:
    args = ("pipeline.run", "--file", "promises/examples/full-tier.yaml", "--write", str(tmp_path))

    first = invoke(*args)
    second = invoke(*args)

    folder = tmp_path / "gitops/platform/resources/default/datadog-stack/production/instance-configure/5058f"
    assert sorted(p.name for p in folder.iterdir()) == [
        "external-secret.yaml",
        "helm-release.yaml",
        "helm-repository.yaml",
        "namespace.yaml",
    ]
    assert first.stderr.count("wrote ") == 4
    assert "unchanged, skipped: " in second.stderr
    assert "wrote " not in second.stderr


def test_dry_run_with_write_says_what_it_would_write_and_writes_nothing(tmp_path: Path) -> None:
    run = invoke("pipeline.run", "--write", str(tmp_path), "--dry-run")

    assert run.code == 0, run.stderr
    assert run.stderr.count("would write ") == 4
    assert list(tmp_path.iterdir()) == []


def test_invoke_settings_come_from_environment_variables_over_invoke_yaml() -> None:
    run = invoke(
        "pipeline.run",
        "--output",
        "json",
        env={"INVOKE_DATADOG_SITE": "us5.datadoghq.com", "INVOKE_CLUSTER_NAME": "eks-blue"},
    )

    values = json.loads(run.stdout)["request"]["spec"]
    assert values["clusterName"] == "eks-blue"
    docs = yaml.safe_load_all(
        invoke("pipeline.run", "--output", "yaml", env={"INVOKE_DATADOG_SITE": "us5.datadoghq.com"}).stdout
    )
    release = next(d for d in docs if d["kind"] == "HelmRelease")
    assert release["spec"]["values"]["datadog"]["site"] == "us5.datadoghq.com"


def test_flags_override_invoke_yaml() -> None:
    run = invoke("pipeline.run", "--output", "json", "--cluster", "eks-green", "--site", "datadoghq.com")

    data = json.loads(run.stdout)
    assert data["request"]["spec"]["clusterName"] == "eks-green"


@pytest.mark.parametrize("argv", [["--list"], ["--help", "status"], ["--help", "doctor"]])
def test_listing_tasks_and_their_help_import_neither_kubernetes_nor_boto3(argv: list[str]) -> None:
    probe = (
        "import sys; from invoke.main import program; "
        f"sys.argv = ['invoke', *{argv!r}]; program.run(exit=False); "
        "heavy = sorted(m for m in ('kubernetes', 'boto3', 'botocore', 'kratix_sdk', 'rich') if m in sys.modules); "
        "print(heavy, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)

    assert done.stdout.strip()  # the listing or the help was printed
    assert done.stderr.strip() == "[]"


def test_every_task_and_every_flag_has_help() -> None:
    def names_of(collection: dict[str, Any], prefix: str = "") -> list[str]:
        own = [prefix + t["name"] for t in collection["tasks"]]
        return own + [n for sub in collection["collections"] for n in names_of(sub, f"{prefix}{sub['name']}.")]

    names = names_of(json.loads(invoke("--list", "--list-format=json").stdout))

    assert "pipeline.run" in names
    for name in names:
        helped = invoke("--help", name)
        assert helped.code == 0
        assert "Docstring:\n  none" not in helped.stdout, name
        options = [line for line in helped.stdout.splitlines() if line.strip().startswith("-")]
        assert options, name
        for option in options:
            assert len(option.split(None, 1)) == 2 or "--help" in option, f"{name}: {option.strip()} has no help"

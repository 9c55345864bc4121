"""The cluster-free run: the same pipeline in-process, and the files laid out as Kratix commits them."""

from __future__ import annotations

import re
from pathlib import Path

import kratix_sdk
import pytest
import yaml

from ops.config import Settings
from ops.errors import BadInput, ExitCode
from ops.stacks.local_run import (
    RequestFlags,
    load_request_file,
    request_from_flags,
    run_locally,
    state_store_folder,
    workload_group_id,
    write_state_store,
)
from tests.conftest import ROOT, datadog_stack
from tests.pipeline.contract import run_pipeline


def test_the_local_run_writes_what_the_image_writes(tmp_path: Path, settings: Settings) -> None:
    obj = datadog_stack(tier="standard", environment="staging")

    local = run_locally(obj, settings)
    image = run_pipeline(tmp_path, obj)

    assert {f.path: f.content.decode() for f in local.files} == image.outputs
    assert local.status == image.status


def test_the_sdk_directories_are_restored_after_a_run(settings: Settings) -> None:
    before = kratix_sdk.get_input_dir(), kratix_sdk.get_output_dir(), kratix_sdk.get_metadata_dir()

    run_locally(datadog_stack(), settings)
    with pytest.raises(BadInput):
        run_locally(datadog_stack(tier="huge"), settings)

    assert (kratix_sdk.get_input_dir(), kratix_sdk.get_output_dir(), kratix_sdk.get_metadata_dir()) == before


def test_a_bad_request_is_bad_input_with_the_pipelines_words(settings: Settings) -> None:
    with pytest.raises(BadInput) as caught:
        run_locally(datadog_stack(environment="Prod"), settings)

    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert str(caught.value).startswith("spec.environment: 'Prod' is not allowed; a DNS label")


def test_flags_become_a_request_with_only_what_was_given(settings: Settings) -> None:
    obj = request_from_flags(
        RequestFlags(name="prod", namespace="team-a", cluster_name="eks-1", tags=("a:b",)), settings
    )

    assert obj["apiVersion"] == "platform.srekubecraft.io/v1alpha1"
    assert obj["metadata"] == {"name": "prod", "namespace": "team-a"}
    assert obj["spec"] == {"clusterName": "eks-1", "tags": ["a:b"]}


def test_the_state_store_folder_follows_kratixs_nested_by_metadata_layout(settings: Settings) -> None:
    obj = yaml.safe_load((ROOT / "promises" / "examples" / "full-tier.yaml").read_text())

    # seen in github.com/NoNickeD/kratix-demo's state store for the default group "."
    assert workload_group_id() == "5058f"
    assert state_store_folder(obj, settings) == Path(
        "gitops/platform/resources/default/datadog-stack/production/instance-configure/5058f"
    )


def test_writing_twice_changes_nothing_the_second_time(tmp_path: Path, settings: Settings) -> None:
    run = run_locally(datadog_stack(tier="full"), settings)

    first = write_state_store(run, tmp_path, settings)
    second = write_state_store(run, tmp_path, settings)

    assert sorted(first.written) == sorted(f.path for f in run.files)
    assert second.written == ()
    assert sorted(second.unchanged) == sorted(first.written)
    assert sorted(p.name for p in first.folder.iterdir()) == sorted(first.written)


def test_a_file_the_pipeline_no_longer_generates_is_removed(tmp_path: Path, settings: Settings) -> None:
    run = run_locally(datadog_stack(), settings)
    folder = tmp_path / state_store_folder(run.request, settings)
    folder.mkdir(parents=True)
    labels = {
        "kratix.io/promise-name": "datadog-stack",
        "kratix.io/resource-name": "production",
        "kratix.io/resource-namespace": "default",
    }
    (folder / "old-configmap.yaml").write_text(yaml.safe_dump({"kind": "ConfigMap", "metadata": {"labels": labels}}))
    (folder / "someone-elses.yaml").write_text("kind: ConfigMap\n")

    result = write_state_store(run, tmp_path, settings)

    assert result.removed == ("old-configmap.yaml",)  # an older run's file; not a file it did not write
    assert not (folder / "old-configmap.yaml").exists()
    assert (folder / "someone-elses.yaml").exists()


def test_a_dry_run_writes_and_removes_nothing(tmp_path: Path, settings: Settings) -> None:
    run = run_locally(datadog_stack(), settings)
    folder = tmp_path / state_store_folder(run.request, settings)
    folder.mkdir(parents=True)
    (folder / "old.yaml").write_text(
        "metadata:\n  labels:\n    kratix.io/promise-name: datadog-stack\n"
        "    kratix.io/resource-name: production\n    kratix.io/resource-namespace: default\n"
    )

    result = write_state_store(run, tmp_path, settings, dry_run=True)

    assert len(result.written) == 4
    assert result.removed == ("old.yaml",)
    assert [p.name for p in folder.iterdir()] == ["old.yaml"]


def test_writing_into_a_folder_that_does_not_exist_is_refused(tmp_path: Path, settings: Settings) -> None:
    run = run_locally(datadog_stack(), settings)

    with pytest.raises(BadInput, match=r"--write: .* an existing folder"):
        write_state_store(run, tmp_path / "missing", settings)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "a path to an existing YAML file"),
        ("spec: [unclosed\n", "valid YAML"),
        ("a: 1\n---\nb: 2\n", "exactly one DatadogStack document"),
        ("apiVersion: v1\nkind: ConfigMap\n", "kind: 'ConfigMap' is not allowed; DatadogStack"),
        ("apiVersion: other.io/v1\nkind: DatadogStack\n", "apiVersion: 'other.io/v1' is not allowed"),
    ],
)
def test_a_request_file_that_is_not_one_datadog_stack_is_refused(
    tmp_path: Path, settings: Settings, content: str | None, message: str
) -> None:
    path = tmp_path / "request.yaml"
    if content is not None:
        path.write_text(content)

    with pytest.raises(BadInput, match=re.escape(message)):
        load_request_file(path, settings)


def test_the_example_files_load_unchanged(settings: Settings) -> None:
    for path in sorted((ROOT / "promises" / "examples").glob("*.yaml")):
        assert load_request_file(path, settings) == yaml.safe_load(path.read_text())

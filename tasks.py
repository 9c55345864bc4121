"""kratix-ops tasks. `invoke --list` shows them, `invoke --help <task>` explains each one.

This file only wires namespaces; the work is done in `ops/`.
"""

import sys

from invoke import Collection

# invoke turns bytecode caching off (so that it writes no tasks.pyc beside tasks.py); an editable install
# then compiles every module of ops/ at each start. Python's own setting (-B, PYTHONDONTWRITEBYTECODE)
# decides for ops/ instead: its __pycache__ is ignored by git.
sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)

from ops.tasks import (  # noqa: E402
    argocd,
    cluster,
    datadog,
    dev,
    incident,
    infra,
    kubeconfig,
    lifecycle,
    pipeline,
    platform_config,
    promise,
    secrets,
)
from ops.tasks.flags import install as one_line_flag_errors  # noqa: E402
from ops.tasks.redaction import install as redact_library_logs  # noqa: E402

one_line_flag_errors()  # a bad or unknown flag: one line, exit 2 (before invoke parses the task flags)
redact_library_logs()  # `--debug` never prints a body, parameters or headers a library logs

ns = Collection()
ns.add_collection(pipeline.ns)
ns.add_collection(infra.ns)
ns.add_task(kubeconfig.kubeconfig)
ns.add_collection(argocd.ns)
ns.add_collection(platform_config.external_secrets_ns)
ns.add_collection(platform_config.kratix_ns)
ns.add_collection(secrets.ns)
ns.add_collection(promise.ns)
ns.add_collection(datadog.ns)
ns.add_collection(cluster.ns)
ns.add_task(lifecycle.setup)
ns.add_task(lifecycle.teardown)
ns.add_task(incident.status)
ns.add_task(incident.doctor)
ns.add_task(dev.check)
ns.add_task(dev.readme)
ns.add_task(dev.vendor_crds)

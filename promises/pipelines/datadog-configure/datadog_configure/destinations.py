"""Where a request's output is scheduled: the Kratix Destination of the cluster it names.

The pipeline writes `/kratix/metadata/destination-selectors.yaml` (Kratix's pipeline contract:
https://docs.kratix.io/main/reference/resource-requests/pipelines, a list of `{directory?, matchLabels}`
entries) with one entry for the whole output, `matchLabels: {kratix-ops/cluster: <spec.clusterName>}`.
With no `directory` the entry is merged with the Promise's own `destinationSelectors`, which still apply.
The toolkit (`ops.names.CLUSTER_LABEL`) puts the same label on every Destination it registers; a test
holds the two constants equal (this package must not import ops).
"""

from __future__ import annotations

from typing import Any

from datadog_configure.request import DatadogStackRequest

CLUSTER_LABEL = "kratix-ops/cluster"


def destination_selectors(request: DatadogStackRequest) -> list[dict[str, Any]]:
    """The selectors of the request's output: the Destination labelled with its cluster's name."""
    return [{"matchLabels": {CLUSTER_LABEL: request.cluster_name}}]

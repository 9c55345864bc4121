"""The DatadogStack and Promise domain: requests checked, applied, followed to running agents, deleted."""

"""The DatadogStack configure pipeline: turns a request into the manifests Kratix commits.

Pure functions (request parsing, values, footprint, manifests) plus one entry point that follows the
Kratix pipeline contract. `ops` imports the pure parts for the local run; nothing here imports `ops`.
"""

"""Incidents: one snapshot of a cluster, the status view of it, and doctor's checks over it."""

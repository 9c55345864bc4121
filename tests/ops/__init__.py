"""Tests of the ops package, mirroring its layout."""

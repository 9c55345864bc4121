"""Tests of ops.kube, over real HTTP against tests.kube.emulator."""

"""Target namespaces: readable, valid DNS labels, one per request."""

from __future__ import annotations

import itertools

from datadog_configure.naming import target_namespace
from datadog_configure.request import DNS_LABEL, parse_request
from tests.conftest import datadog_stack


def namespace_of(name: str, namespace: str) -> str:
    return target_namespace(parse_request(datadog_stack(name=name, namespace=namespace)))


def test_the_namespace_reads_as_the_request_it_serves() -> None:
    assert namespace_of("production", "default").startswith("datadog-default-production-")


def test_the_longest_names_still_give_a_valid_dns_label() -> None:
    ns = namespace_of("a" * 63, "b" * 63)

    assert len(ns) <= 63
    assert DNS_LABEL.match(ns)


def test_dotted_request_names_give_a_valid_dns_label() -> None:
    assert DNS_LABEL.match(namespace_of("prod.eu-1", "default"))


def test_names_that_join_to_the_same_text_still_get_different_namespaces() -> None:
    pairs = [
        ("b-c", "a"),
        ("c", "a-b"),
        ("production", "team-a"),
        ("production", "team-b"),
        ("x" * 63, "y" * 62),
        ("x" * 63, "y" * 63),
    ]
    namespaces = [namespace_of(name, ns) for name, ns in pairs]

    assert len(set(namespaces)) == len(pairs)
    for a, b in itertools.combinations(namespaces, 2):
        assert a != b


def test_the_same_request_always_gets_the_same_namespace() -> None:
    assert namespace_of("production", "default") == namespace_of("production", "default")

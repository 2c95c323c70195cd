"""kg/upstream_patches.py: the changes to rdflib and pyshacl are applied by one idempotent install(), only on the
upstream versions they were written for, and only while the methods they wrap keep their parameters."""

from __future__ import annotations

import inspect
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import rdflib.plugins.sparql as rdflib_sparql
from packaging.requirements import Requirement
from pyshacl.shape import Shape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.sparql.processor import SPARQLProcessor

from kg import upstream_patches
from kg.upstream_patches import KNOWN_VERSIONS, WRAPPED_PARAMETERS, WRAPPERS, UpstreamVersionError, check_version
from kg.validate import validate_graph

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_upstream_methods_still_take_the_parameters_the_wrappers_pass_on() -> None:
    upstream_patches.install()
    for name, parameters in WRAPPED_PARAMETERS.items():
        assert tuple(inspect.signature(upstream_patches.original(name)).parameters) == parameters, name
        assert tuple(inspect.signature(WRAPPERS[name]).parameters) == parameters, name


def test_install_replaces_the_methods_and_switches_off_graph_loading_and_union_default() -> None:
    upstream_patches.install()
    assert SPARQLProcessor.query is WRAPPERS["SPARQLProcessor.query"]
    assert Shape.focus_nodes is WRAPPERS["Shape.focus_nodes"]
    assert rdflib_sparql.SPARQL_LOAD_GRAPHS is False
    assert rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION is False


def test_install_twice_is_harmless() -> None:
    upstream_patches.install()
    upstream_patches.install()
    assert SPARQLProcessor.query is WRAPPERS["SPARQLProcessor.query"]
    # the originals are upstream's, never a wrapper wrapping itself
    for name, wrapper in WRAPPERS.items():
        assert upstream_patches.original(name) is not wrapper
    graph = Graph()
    graph.add((URIRef("https://example.org/x"), RDF.type, URIRef("https://example.org/Thing")))
    report = validate_graph(graph)
    assert report.conforms, report.text()


def test_validation_installs_the_patches_itself() -> None:
    validate_graph(Graph())
    assert upstream_patches.installed()


@pytest.mark.parametrize(
    ("package", "version"),
    [("pyshacl", "0.41.0"), ("pyshacl", "0.29.1"), ("rdflib", "8.0.0"), ("rdflib", "7.0.0")],
)
def test_unknown_upstream_version_fails_loudly_naming_package_and_known_versions(package: str, version: str) -> None:
    with pytest.raises(UpstreamVersionError) as caught:
        check_version(package, version)
    message = str(caught.value)
    assert f"{package} {version}" in message
    assert str(KNOWN_VERSIONS[package]) in message


def test_unreadable_upstream_version_fails_loudly() -> None:
    with pytest.raises(UpstreamVersionError, match="pyshacl not-a-version"):
        check_version("pyshacl", "not-a-version")


def test_changed_upstream_parameters_fail_loudly() -> None:
    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False, extra=None):
        pass

    with pytest.raises(UpstreamVersionError, match=r"SPARQLProcessor\.query takes"):
        upstream_patches.check_parameters("SPARQLProcessor.query", query)


def test_installed_upstream_versions_are_known() -> None:
    for package in KNOWN_VERSIONS:
        check_version(package, metadata.version(package))


def test_known_versions_are_the_pins_in_pyproject() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = {req.name: req.specifier for req in map(Requirement, dependencies)}
    for package, known in KNOWN_VERSIONS.items():
        assert pins[package] == known, package


def test_cached_query_answers_as_upstream_does() -> None:
    upstream_patches.install()
    graph = Graph()
    graph.add((URIRef("https://example.org/x"), URIRef("https://example.org/p"), Literal(1)))
    text = "SELECT ?o WHERE { ex:x ex:p ?o }"
    for _ in range(2):  # the second answer comes from the cached prepared query
        rows = list(graph.query(text, initNs={"ex": "https://example.org/"}))
        assert [row[0] for row in rows] == [Literal(1)]

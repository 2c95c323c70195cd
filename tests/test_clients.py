"""Real SPARQL clients against the real server: rdflib's SPARQLStore and Comunica (node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from tests.corpus import PERSONS, SELECT_PERSONS

ROOT = Path(__file__).resolve().parents[1]
COMUNICA = ROOT / "node_modules" / ".bin" / "comunica-sparql"


def test_rdflib_sparqlstore_selects_and_constructs(server_url: str) -> None:
    graph = Graph(SPARQLStore(server_url + "sparql"))  # its default Accept covers results and RDF/XML
    labels = [row.label for row in graph.query(SELECT_PERSONS)]
    assert [str(label) for label in labels] == PERSONS
    nakatani = URIRef("https://w3id.org/akg/id/person/nakatani-gen")
    assert (nakatani, None, None) in graph
    built = graph.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o . FILTER(?s = <{nakatani}>) }}").graph
    assert len(built) >= 5


def test_comunica_queries_the_endpoint(server_url: str) -> None:
    assert COMUNICA.exists(), "run `make install` (npm ci) to install Comunica"
    node = shutil.which("node")
    assert node, "node is needed for the Comunica test"
    result = subprocess.run(
        [str(COMUNICA), f"sparql@{server_url}sparql", SELECT_PERSONS, "-t", "application/sparql-results+json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert [b["label"]["value"] for b in bindings] == PERSONS

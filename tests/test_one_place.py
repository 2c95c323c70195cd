"""One place for each job (issue 14, items 6 and 7): the Wikidata endpoint, data IRIs and the changes to upstream
libraries each live in one module, and the others import them from there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Building an IRI from a base: ``base + "…"`` or ``f"{…base…}…"``.
BASE_CONCATENATION = re.compile(
    r"(base_iri|minter\.base|\.base|DEFAULT_BASE_IRI)\s*\+|\{[^}]*(base_iri|\.base|DEFAULT_BASE_IRI)\}"
)
#: The POST-to-store graph IRI (server/routers/writes.py) is left to the write-core work of issue 14.
NOT_YET = {("server/routers/writes.py", "graph/{uuid.uuid4().hex}")}


def _sources(*packages: str) -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def test_wikidata_endpoint_url_is_defined_only_in_kg_federation() -> None:
    holders = [name for name, text in _sources("kg", "server").items() if "query.wikidata.org/sparql" in text]
    assert holders == ["kg/federation.py"]


def test_data_iris_are_built_from_a_base_only_in_kg_iris() -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in _sources("kg", "server").items()
        if name != "kg/iris.py"
        for number, line in enumerate(text.splitlines(), start=1)
        if BASE_CONCATENATION.search(line) and not any(name == n and part in line for n, part in NOT_YET)
    ]
    assert not found, "mint these with a kg.iris.Minter method:\n" + "\n".join(found)


def test_upstream_libraries_are_patched_only_in_kg_upstream_patches() -> None:
    patch = re.compile(
        r"SPARQL_LOAD_GRAPHS\s*=|SPARQL_DEFAULT_GRAPH_UNION\s*=|\.focus_nodes\s*=|SPARQLProcessor\.query\s*="
    )
    found = [
        name
        for name, text in _sources("kg", "server").items()
        if name != "kg/upstream_patches.py" and patch.search(text)
    ]
    assert not found

"""The backends the parametrized tests run on: the embedded store, and a private Virtuoso behind `kg serve`.

``backend_url`` is the base URL of a real `kg serve`: over the built store (``embedded``), or over a Virtuoso 7
started for the session on free loopback ports, with its own ini and data directory in a temporary directory,
bulk-loaded from the same build (``virtuoso``). A module opts in by defining ``server_url`` from it.
Virtuoso is installed by ``make virtuoso`` (a dependency of ``make test``); without it these tests fail, they
are not skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kg.build import BuildResult
from kg.engines.virtuoso import VirtuosoInstance, allow_updates, load_build, missing

BACKENDS = ["embedded", "virtuoso"]


def start_virtuoso(directory_factory: pytest.TempPathFactory, built: BuildResult) -> VirtuosoInstance:
    """A private Virtuoso holding the build (one named graph per source), started and loaded."""
    if reason := missing():
        pytest.fail(reason)
    load_dir = directory_factory.mktemp("virtuoso-load")
    instance = VirtuosoInstance(directory_factory.mktemp("virtuoso-db"), dirs_allowed=(load_dir,))
    instance.start()
    try:
        load_build(built.store_path, load_dir, instance.isql)
        allow_updates(instance.isql)
    except BaseException:
        instance.destroy()
        raise
    return instance


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Iterator[VirtuosoInstance]:
    """A private Virtuoso holding the build, for the session."""
    instance = start_virtuoso(tmp_path_factory, built)
    yield instance
    instance.destroy()


@pytest.fixture(scope="session")
def virtuoso_server_url(built: BuildResult, virtuoso: VirtuosoInstance) -> Iterator[str]:
    """`kg serve --store <Virtuoso>` (read-only): the same build's dumps, its queries answered by Virtuoso."""
    from tests.conftest import serve

    for live in serve(built.store_path.parent, {"KG_STORE": virtuoso.sparql_url}):
        yield live.url


@pytest.fixture(scope="session", params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str:
    """The base URL of a real `kg serve` on each backend in turn."""
    if request.param == "embedded":
        return request.getfixturevalue("live_server").url
    return request.getfixturevalue("virtuoso_server_url")


def xfail_on_virtuoso(request: pytest.FixtureRequest, reason: str) -> None:
    """Mark the running test an expected failure when it runs on Virtuoso, which answers it differently."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("backend_url") == "virtuoso":
        request.applymarker(pytest.mark.xfail(reason=f"Virtuoso 7: {reason}", strict=True))

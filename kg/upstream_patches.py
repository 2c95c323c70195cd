"""Every change this project makes to rdflib and pyshacl, in one place, applied only by :func:`install`.

1. ``SPARQLProcessor.query`` (rdflib) caches prepared queries by text: pyshacl hands rdflib the same SHACL-SPARQL
   query text for every focus node, and rdflib re-parsed it every time (85 % of a gated write's validation).
2. ``Shape.focus_nodes`` (pyshacl) keeps only the focus nodes allowed by :func:`restricted_targets`. pyshacl's
   own ``focus_nodes`` option is not used for this: it also filters the value nodes that nested shapes
   (``sh:or``, ``sh:qualifiedValueShape``) are evaluated on, so a literal failing ``sh:or ([sh:datatype …] …)``
   would pass. Restricting each shape's targets, and nothing else, keeps every constraint intact.
3. ``rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS`` and ``SPARQL_DEFAULT_GRAPH_UNION`` are switched off: pyshacl's
   SHACL-SPARQL constraints run on rdflib's engine, which would otherwise fetch the IRI of every ``FROM`` /
   ``USING`` from the web or the file system, and treat a whole Dataset as the default graph.
4. ``SPARQLBasedConstraint._evaluate_sparql_constraint`` (pyshacl) hands each SHACL-SPARQL constraint to the
   evaluator set by :func:`sparql_evaluator` (kg/validate_sparql.py: one query on pyoxigraph for every focus node)
   when one is set and it accepts the query; otherwise pyshacl runs it, one rdflib query per focus node.

The wrappers were written against the versions in :data:`KNOWN_VERSIONS` (the same ranges as the pins in
pyproject.toml); :func:`install` refuses any other with :class:`UpstreamVersionError` rather than patch code it
has not seen. That error is a fault of the installation, not of a request, so it is not a ``KgError``.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator, Set
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import metadata
from typing import Any

import rdflib.plugins.sparql as rdflib_sparql
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.shape import Shape
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor

from kg.errors import UpstreamVersionError

#: The upstream versions the patches below were written and tested for (keep in step with pyproject.toml).
KNOWN_VERSIONS: dict[str, SpecifierSet] = {
    "rdflib": SpecifierSet(">=7.1,<8"),
    "pyshacl": SpecifierSet(">=0.30,<0.41"),
}

#: The parameters each replaced method has upstream (the wrappers take the same ones and pass them on by position);
#: keyed by the name :func:`original` takes.
WRAPPED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "SPARQLProcessor.query": (
        "self",
        "strOrQuery",
        "initBindings",
        "initNs",
        "base",
        "DEBUG",
    ),
    "Shape.focus_nodes": ("self", "data_graph", "debug"),
    "SPARQLBasedConstraint._evaluate_sparql_constraint": ("self", "sparql_constraint", "target_graph", "f_v_dict"),
}


def check_version(package: str, version: str) -> None:
    """Refuse a ``version`` of ``package`` outside :data:`KNOWN_VERSIONS`.

    >>> check_version("pyshacl", "0.40.1")
    >>> check_version("pyshacl", "0.41.0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.UpstreamVersionError: pyshacl 0.41.0 is installed, but ... written for pyshacl <0.41,>=0.30: ...

    Raises:
        UpstreamVersionError: the version is unknown, unreadable, or the package is not one we patch.
    """
    known = KNOWN_VERSIONS.get(package)
    if known is None:
        raise UpstreamVersionError(
            f"{package} is not patched by kg/upstream_patches.py (it knows {list(KNOWN_VERSIONS)})"
        )
    try:
        parsed = Version(version)
    except InvalidVersion:
        parsed = None
    if parsed is None or parsed not in known:
        raise UpstreamVersionError(
            f"{package} {version} is installed, but kg/upstream_patches.py was written for {package} {known}: "
            "install a known version (pyproject.toml pins it) or check the patches and widen the range"
        )


def check_parameters(name: str, method: Any) -> None:
    """Refuse to wrap ``method`` unless its parameters are those :data:`WRAPPED_PARAMETERS` lists for ``name``.

    Raises:
        UpstreamVersionError: the upstream method's parameters changed.
    """
    found = tuple(inspect.signature(method).parameters)
    if found != WRAPPED_PARAMETERS[name]:
        raise UpstreamVersionError(
            f"{name} takes {found}, but kg/upstream_patches.py wraps it as taking {WRAPPED_PARAMETERS[name]}"
        )


def original(name: str) -> Any:
    """The upstream method that :func:`install` replaced (a key of :data:`WRAPPED_PARAMETERS`)."""
    return _originals[name]


# --- 1. prepared SHACL-SPARQL queries, cached by text ---------------------------------------------------


@lru_cache(maxsize=1024)
def _prepared(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Any:
    return prepareQuery(text, initNs=dict(namespaces), base=base)


_originals: dict[str, Any] = {}


def _cached_query(
    self: Any, strOrQuery: Any, initBindings: Any = None, initNs: Any = None, base: Any = None, DEBUG: bool = False
) -> Any:
    if isinstance(strOrQuery, str):
        strOrQuery = _prepared(strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
        initNs = None  # already bound in the prepared query
    return _originals["SPARQLProcessor.query"](self, strOrQuery, initBindings, initNs, base, DEBUG)


# --- 2. focus nodes restricted to given targets --------------------------------------------------------

#: The targets a validation may have (None: every target of every shape).
_targets: ContextVar[Set[object] | None] = ContextVar("kg_validation_targets", default=None)


@contextmanager
def restricted_targets(targets: Set[object] | None) -> Iterator[None]:
    """Within the block, shapes select only focus nodes in ``targets`` (rdflib terms; None: no restriction)."""
    token = _targets.set(targets)
    try:
        yield
    finally:
        _targets.reset(token)


def _restricted_focus_nodes(self: Any, data_graph: Any, debug: bool = False) -> Any:
    found = _originals["Shape.focus_nodes"](self, data_graph, debug=debug)
    allowed = _targets.get()
    return found if allowed is None else {node for node in found if node in allowed}


# --- 4. SHACL-SPARQL constraints handed to another evaluator -------------------------------------------

#: The evaluator of SPARQL constraints in force (None: pyshacl's own); see kg.validate_sparql.StoreEvaluator.
_evaluator: ContextVar[Any] = ContextVar("kg_sparql_evaluator", default=None)


@contextmanager
def sparql_evaluator(evaluator: Any) -> Iterator[None]:
    """Within the block, SPARQL constraints go to ``evaluator.evaluate(component, constraint, graph, focus)``
    first, and to pyshacl when it returns None (``evaluator`` None: always to pyshacl)."""
    token = _evaluator.set(evaluator)
    try:
        yield
    finally:
        _evaluator.reset(token)


def _evaluate_sparql_constraint(self: Any, sparql_constraint: Any, target_graph: Any, f_v_dict: Any) -> Any:
    evaluator = _evaluator.get()
    done = None if evaluator is None else evaluator.evaluate(self, sparql_constraint, target_graph, f_v_dict)
    if done is not None:
        return done
    return _originals["SPARQLBasedConstraint._evaluate_sparql_constraint"](
        self, sparql_constraint, target_graph, f_v_dict
    )


#: The wrappers, by the names of the methods they replace.
WRAPPERS: dict[str, Any] = {
    "SPARQLProcessor.query": _cached_query,
    "Shape.focus_nodes": _restricted_focus_nodes,
    "SPARQLBasedConstraint._evaluate_sparql_constraint": _evaluate_sparql_constraint,
}

# --- install --------------------------------------------------------------------------------------------

_lock = threading.Lock()


def install() -> None:
    """Check the upstream versions, then apply the four changes; running it again changes nothing.

    Raises:
        UpstreamVersionError: rdflib or pyshacl is at a version outside :data:`KNOWN_VERSIONS`, or a method to
            replace no longer takes the parameters in :data:`WRAPPED_PARAMETERS`.
    """
    with _lock:
        if _originals:
            return
        for package in KNOWN_VERSIONS:
            check_version(package, metadata.version(package))
        originals = {
            "SPARQLProcessor.query": SPARQLProcessor.query,
            "Shape.focus_nodes": Shape.focus_nodes,
            "SPARQLBasedConstraint._evaluate_sparql_constraint": (SPARQLBasedConstraint._evaluate_sparql_constraint),
        }
        for name, method in originals.items():
            check_parameters(name, method)
        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
        rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION = False
        _originals.update(originals)
        SPARQLProcessor.query = _cached_query  # type: ignore[method-assign]
        Shape.focus_nodes = _restricted_focus_nodes  # type: ignore[method-assign]
        SPARQLBasedConstraint._evaluate_sparql_constraint = _evaluate_sparql_constraint  # type: ignore[method-assign]


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return bool(_originals)


__all__ = [
    "KNOWN_VERSIONS",
    "WRAPPED_PARAMETERS",
    "WRAPPERS",
    "UpstreamVersionError",
    "check_parameters",
    "check_version",
    "install",
    "installed",
    "original",
    "restricted_targets",
    "sparql_evaluator",
]

"""One clear path per job (issue 14, items 1 to 3): one query handler, one exception tree and one map to HTTP, one write
core, and a library that imports nothing from the server.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from typer.core import TyperGroup

import kg
import kg.errors
from kg.cli import app
from kg.errors import KgError
from kg.iris import Minter
from kg.store import OxigraphStore
from server.protocol import body_too_large
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
KG_ONTOLOGY = "https://w3id.org/akg/ontology#"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_the_kg_library_imports_nothing_from_the_server() -> None:
    offenders = {
        _module(path): sorted(m for m in _imports(path) if m == "server" or m.startswith("server."))
        for path in sorted((ROOT / "kg").rglob("*.py"))
    }
    assert not {name: found for name, found in offenders.items() if found}


def test_kg_update_runs_without_loading_a_server_module(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from kg.cli import app\n"
        f"result = CliRunner().invoke(app, ['update', 'INSERT DATA {{}}', '--build-dir', {str(tmp_path)!r}])\n"
        "print(result.exit_code, [m for m in sys.modules if m == 'server' or m.startswith('server.')])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split(" ", 1)[1].strip() == "[]", done.stdout + done.stderr


def test_kg_serve_is_the_server_s_own_command_registered_through_an_entry_point() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    with typer.Context(group) as ctx:
        serve = group.get_command(ctx, "serve")
        assert "serve" in group.list_commands(ctx)
    assert serve is not None and serve.callback is not None
    assert serve.callback.__module__ == "server.cli"


def test_server_modules_import_each_other_without_a_cycle() -> None:
    paths = {_module(p): p for p in sorted((ROOT / "server").rglob("*.py"))}
    graph = {name: {m for m in _imports(path) if m in paths and m != name} for name, path in paths.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and not seen.add(n) and reaches(n, goal, seen)) for n in graph[start])

    assert not sorted(name for name in graph if reaches(name, name, set()))


def _kg_exception_classes() -> list[type[BaseException]]:
    classes: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(kg.__path__, "kg."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("kg."):
                classes[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(classes.values())


def test_every_kg_error_class_is_a_kg_error_drawn_in_the_tree() -> None:
    classes = _kg_exception_classes()
    assert len(classes) >= 10, classes
    assert [c for c in classes if not issubclass(c, KgError)] == []
    drawn = kg.errors.__doc__ or ""
    assert [c.__name__ for c in classes if f" {c.__name__} " not in drawn] == []


def test_a_body_over_the_limit_gets_the_same_413_from_the_hot_path_and_from_a_route(server_url: str) -> None:
    from server.errors import error_response

    limit = Settings().max_body_bytes
    expected = error_response(body_too_large(limit))
    big = b"x" * (limit + 1)
    query, update = {"Content-Type": "application/sparql-query"}, {"Content-Type": "application/sparql-update"}
    answers = {
        "hot path": httpx.post(server_url + "sparql", content=big, headers=query),
        "route": httpx.post(server_url + "update", content=big, headers=update),
    }
    for where, r in answers.items():
        assert (r.status_code, r.headers["content-type"], r.content) == (
            expected.status,
            expected.media_type,
            expected.body,
        ), where


def test_a_write_that_breaks_a_shape_raises_shape_violation_and_writes_nothing() -> None:
    from kg.errors import ShapeViolation
    from kg.writes import Writer
    from server.errors import error_response

    store = OxigraphStore.in_memory()
    writer = Writer(store, Minter(), None)
    quotation = f"<http://example.org/q> a <{KG_ONTOLOGY}DirectQuotation>"
    update = f"INSERT DATA {{ GRAPH <http://example.org/g> {{ {quotation} }} }}"
    with pytest.raises(ShapeViolation) as refused:
        writer.update(update)
    assert not refused.value.report.conforms
    assert str(refused.value).startswith("The write was refused:")
    assert len(store) == 0 and writer.writes == 0
    answer = error_response(refused.value, accept="application/json")
    assert answer.status == 422 and json.loads(answer.body)["conforms"] is False


def test_a_write_that_waits_too_long_for_the_lock_is_writer_busy_answered_503() -> None:
    from kg.errors import WriterBusy
    from kg.writes import Writer
    from server.errors import error_response

    writer = Writer(OxigraphStore.in_memory(), Minter(), None, lock_wait=0.01)
    with writer.gate.lock, pytest.raises(WriterBusy) as busy:
        writer.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    answer = error_response(busy.value)
    assert (answer.status, answer.media_type) == (503, "application/json")
    assert json.loads(answer.body) == {
        "error": "writer-busy",
        "message": "Another write has been running for more than 0.01 s; nothing was written, try again.",
    }
    assert answer.headers == {"Cache-Control": "no-store", "Retry-After": "1", "Connection": "close"}

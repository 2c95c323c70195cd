"""Issue 15, item 7: several stateless `kg serve` in front of one engine (docs/deployment.md).

What can be tested here: two `kg serve --store` on one private Virtuoso under the load test (bench/load.py), and
that the shipped deployment files (docs/deploy/) parse and name only settings the code reads, with values
`kg serve` accepts.
"""

from __future__ import annotations

import asyncio
import configparser
import re
from pathlib import Path

import httpx
import pytest
import yaml

from bench.load import run_load
from kg.build import BuildResult
from kg.engines.virtuoso import VirtuosoInstance
from server.settings import RULES, Settings
from tests.conftest import serve

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "docs" / "deploy"
#: A setting is named in the code as a string literal: "KG_STORE", "KG_STORE_ISQL"…
SETTING = re.compile(r"\bKG_[A-Z_]+\b")


def settings_the_code_reads() -> set[str]:
    """Every ``KG_*`` name quoted in the library's and the server's code (what a deployment file may set)."""
    names: set[str] = set()
    for path in [*ROOT.glob("kg/**/*.py"), *ROOT.glob("server/**/*.py")]:
        names |= set(re.findall(r"[\"'](KG_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    return names


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def readers(services: dict) -> dict[str, dict]:
    """The compose services that run `kg serve`."""
    return {name: s for name, s in services.items() if "serve" in s.get("command", [])}


def test_two_kg_serve_on_one_virtuoso_under_the_load_test_have_no_errors(
    built: BuildResult, virtuoso: VirtuosoInstance
) -> None:
    env = {"KG_STORE": virtuoso.sparql_url, "KG_PROCESSES": "1"}
    first, second = serve(built.store_path.parent, env), serve(built.store_path.parent, env)
    try:
        urls = [next(first).url, next(second).url]
        stats = asyncio.run(run_load(urls, None, clients=6, seconds=12))
        health = [httpx.get(url + "health", timeout=10) for url in urls]
    finally:
        first.close()
        second.close()
    assert stats.errors == [], stats.errors[:5]
    assert stats.requests > 60, stats.latencies.keys()
    assert {"query", "entity", "dump"} <= set(stats.latencies)
    assert [h.status_code for h in health] == [200, 200], [h.text for h in health]


def test_load_test_refuses_any_url_that_is_not_loopback() -> None:
    with pytest.raises(SystemExit, match="loopback"):
        asyncio.run(run_load(["http://127.0.0.1:9/", "http://192.0.2.1/"], None, clients=2, seconds=1))


def test_compose_file_runs_one_engine_two_readers_and_a_proxy() -> None:
    services = compose()["services"]
    assert {"virtuoso", "loader", "nginx"} <= set(services)
    assert len(readers(services)) == 2
    loader = services["loader"]["command"]
    assert loader[:2] == ["build", "--store"]
    for name, reader in readers(services).items():
        assert reader["environment"]["KG_STORE"] == loader[2], f"{name} reads the engine the loader fills"
        assert reader["depends_on"]["loader"]["condition"] == "service_completed_successfully"


def test_compose_file_names_only_settings_the_code_reads_with_values_kg_serve_accepts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    known = settings_the_code_reads()
    services = compose()["services"]
    for name in ("loader", *readers(services)):
        environment = services[name].get("environment", {})
        named = {key for key in environment if key.startswith("KG_")}
        assert named <= known, f"{name}: {sorted(named - known)}"
    for name, reader in readers(services).items():
        for rule in RULES.values():
            monkeypatch.delenv(rule.env, raising=False)
        for key, value in reader["environment"].items():
            monkeypatch.setenv(key, str(value))
        settings = Settings.from_env()  # raises SettingError on a value kg serve would refuse
        assert settings.store_url == "http://virtuoso:8890/sparql", name
        assert settings.write_token is None, f"{name}: readers are read-only"


def test_nginx_sends_to_every_reader_on_its_port() -> None:
    services = compose()["services"]
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream kg_readers \{(.*?)\}", conf, re.S)
    assert upstream is not None
    servers = set(re.findall(r"^\s*server\s+([\w.-]+:\d+)", upstream.group(1), re.M))
    expected = {f"{name}:{r['command'][r['command'].index('--port') + 1]}" for name, r in readers(services).items()}
    assert servers == expected
    mounted = [v for v in services["nginx"]["volumes"] if v.startswith("./nginx.conf:")]
    assert mounted, services["nginx"]["volumes"]


def test_systemd_units_parse_and_name_only_settings_the_code_reads() -> None:
    known = settings_the_code_reads()
    units = sorted(DEPLOY.glob("*.service"))
    assert units
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
        parser.read_string(unit.read_text(encoding="utf-8"))
        assert {"Unit", "Service", "Install"} <= set(parser.sections()), unit.name
        assert "kg serve" in parser["Service"]["ExecStart"], unit.name
        named = set(SETTING.findall(unit.read_text(encoding="utf-8")))
        assert named <= known, f"{unit.name}: {sorted(named - known)}"
    env_file = DEPLOY / "kg.env"
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line and not line.startswith("#"))
    assert set(values) <= known, sorted(set(values) - known)
    Settings(**{field: RULES[field].parse(values[RULES[field].env]) for field in RULES if RULES[field].env in values})

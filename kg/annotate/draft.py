"""The draft annotation file: the ``suggested`` block every element carries, and writing the YAML safely.

A draft is a normal annotation file (kg/annotation.schema.json) whose elements each carry
``suggested: {confidence, by, evidence}``; a reviewer deletes the block once an element is checked, and
``kg build`` refuses any file that still has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import KgError


class WouldOverwrite(KgError):
    """The output exists and is a reviewed file (no suggestions left): it is not replaced without --force."""


def suggestion(confidence: float, by: str, evidence: str) -> dict[str, Any]:
    """The ``suggested`` block of one element.

    >>> suggestion(0.91234, "quotes.marks", "curly marks")
    {'confidence': 0.91, 'by': 'quotes.marks', 'evidence': 'curly marks'}
    """
    return {"confidence": round(max(0.0, min(1.0, confidence)), 2), "by": by, "evidence": evidence}


def is_reviewed(path: Path) -> bool:
    """Whether ``path`` is an annotation file with no suggestion left (a human owns it)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and not has_suggestion(data)


def has_suggestion(node: Any) -> bool:
    """Whether any element below ``node`` still carries a ``suggested`` block."""
    if isinstance(node, dict):
        return "suggested" in node or any(has_suggestion(v) for v in node.values())
    if isinstance(node, list):
        return any(has_suggestion(v) for v in node)
    return False


class _Dumper(yaml.SafeDumper):
    """Block style for sections, flow style for the small maps (spans, suggested) so a draft reads like the seed."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, int | str) for v in data) and len(data) <= 12
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def write_draft(draft: dict[str, Any], out: Path, *, force: bool = False, header: str = "") -> None:
    """Write ``draft`` as YAML to ``out``, never replacing a reviewed file unless ``force``.

    Raises:
        WouldOverwrite: ``out`` is a reviewed annotation file and ``force`` is false.
    """
    if out.exists() and not force and is_reviewed(out):
        raise WouldOverwrite(f"{out} is a reviewed annotation file (no suggestions); use --force to replace it")
    write_annotation(draft, out, header)


def write_annotation(data: dict[str, Any], out: Path, header: str = "") -> None:
    """Write an annotation file atomically (beside it, then renamed), in the layout of the drafts."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(out)

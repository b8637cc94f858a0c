"""The house: imports follow the arrows in the package docstring, and nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

import birdscan

ROOT = Path(birdscan.__file__).parent

# part -> the parts it may import (besides itself). Subpackages are one part each.
ALLOWED = {
    "__main__": {"cli"},
    "cli": {"detect", "train", "synth", "review", "model", "device", "birdvox70k", "realsounds", "calltypes", "files",
            "tables", "errors", "_version"},
    "__init__": {"_lazy", "_version"},
    "review": {"_lazy", "detect", "calltypes", "files", "tables", "errors", "_version"},
    "detect": {"_lazy", "model", "device", "birdvox70k", "calltypes", "files", "tables", "errors", "_version"},
    "train": {"_lazy", "model", "device", "birdvox70k", "realsounds", "calltypes", "files", "tables", "errors"},
    "synth": {"_lazy", "birdvox70k", "realsounds", "files", "tables", "errors"},
    "realsounds": {"birdvox70k", "tables", "errors"},
    "model": {"birdvox70k", "files", "errors", "_version"},
    "device": {"errors"},
    "birdvox70k": {"files", "errors"},
    "calltypes": set(),
    "files": {"errors"},
    "tables": set(),
    "errors": set(),
    "_lazy": set(),
    "_version": set(),
}


def _part(module: str) -> str:
    """``birdscan.detect.audio`` -> ``detect``; ``birdscan`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, str]]:
    """(importing module, imported birdscan module or external top-level name) of one file."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
    package = module if rel.name == "__init__" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module]
            out += [(module, n) for n in names]
        elif isinstance(node, ast.Import):
            out += [(module, a.name) for a in node.names]
    return out


def _all_imports() -> list[tuple[str, str]]:
    return [pair for path in sorted(ROOT.rglob("*.py")) for pair in _imports(path)]


def test_imports_follow_the_allowed_arrows():
    pairs = _all_imports()
    assert ("birdscan.detect.infer", "birdscan.model") in pairs  # the reader sees relative imports
    assert ("birdscan.review.clips", "birdscan.detect.audio") in pairs
    bad = set()
    for src, dst in pairs:
        if not dst.startswith("birdscan"):
            continue
        a, b = _part(src), _part(dst)
        if a != b and b not in ALLOWED[a]:
            bad.add(f"{src} -> {dst}")
    assert not bad, sorted(bad)


def test_only_the_cli_imports_click_and_rich():
    users = {src for src, dst in _all_imports() if dst.split(".")[0] in ("click", "rich")}
    assert users and all(u == "birdscan.cli" or u.startswith("birdscan.cli.") for u in users), users


def test_no_module_imports_the_package_init():
    # everything public comes from the module that defines it; __init__ only hands names on
    assert not [src for src, dst in _all_imports() if dst == "birdscan" and src != "birdscan"]


def _subpackage_imports_named(doc: str) -> set[str]:
    """The birdscan modules a subpackage docstring's "Imports ...; never ..." statement names."""
    import re

    said = re.search(r"\b[Ii]mports?\s+(:mod:.*?)(?:\bnever\b|\n\n|\Z)", doc, re.S)  # "imports :mod:`...`, ..."
    return set(re.findall(r"birdscan\.(\w+)", said.group(1))) if said else set()


def test_each_subpackage_docstring_names_what_it_imports():
    import importlib

    actual: dict[str, set[str]] = {}
    for src, dst in _all_imports():
        if dst.startswith("birdscan") and _part(src) != _part(dst) and not _part(dst).startswith("_"):
            actual.setdefault(_part(src), set()).add(_part(dst))
    for sub in ("detect", "train", "synth", "review", "realsounds"):
        doc = importlib.import_module(f"birdscan.{sub}").__doc__
        assert _subpackage_imports_named(doc) == actual[sub], sub


def _defined_names(path: Path) -> set[str]:
    """Module-level assignments, functions and classes of one file."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


# a shared job -> the one module that does it ("Written twice" in the architecture review)
ONE_HOME = {
    "TYPE_BOUNDARY_HZ": "calltypes.py",
    "CALL_TYPES": "calltypes.py",
    "call_type": "calltypes.py",
    "semitones": "calltypes.py",
    "sigmoid": "train/metrics.py",
    "TRUTH_COLUMNS": "tables.py",
    "REFERENCE_COLUMNS": "tables.py",
    "ReferenceMismatch": "errors.py",
    "SAMPLE_RATE": "birdvox70k.py",
    "CLIP_SAMPLES": "birdvox70k.py",
    "audio_files": "realsounds/noise.py",
    "pick_recording": "review/runs.py",
}


def test_each_shared_job_is_defined_once():
    homes: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for name in _defined_names(path) & set(ONE_HOME):
            homes.setdefault(name, []).append(rel)
    assert homes == {name: [home] for name, home in ONE_HOME.items()}


def test_no_module_imports_another_modules_private_names():
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                bad += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
    assert not bad, bad

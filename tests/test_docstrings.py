"""Every public definition in birdscan/ is documented, numpydoc style.

Public: a function or class at the top of a module whose path and name do not start with ``_``,
and the methods of a public class, dunder methods aside. Each needs a docstring; one that takes
parameters (besides ``self``/``cls``) needs a ``Parameters`` section, and one with a return
annotation other than ``None`` a ``Returns`` or ``Yields`` section. A class whose own ``__init__``
takes parameters documents them in a ``Parameters`` section of the class docstring; dataclasses
(and NamedTuples) document their fields there too, in any form: only the docstring is required of
them. A property is documented like an attribute: a docstring, no sections. Click commands in
``birdscan/cli`` are skipped: their docstring is the ``--help`` text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import birdscan

ROOT = Path(birdscan.__file__).parent

# "path:qualname" -> why it needs no docstring of its own (e.g. a simple override documented by its
# base class). Empty: every public definition documents itself.
EXEMPT: dict[str, str] = {}



def _name(node: ast.expr) -> str:
    """``click.command(...)`` -> ``click.command``, ``dataclass`` -> ``dataclass``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _sections(doc: str) -> set[str]:
    """Titles of the numpydoc sections (a line, then a line of dashes) in a docstring."""
    lines = [line.strip() for line in doc.splitlines()]
    return {a for a, b in zip(lines, lines[1:]) if a and len(b) >= 3 and set(b) == {"-"}}


def _is_click_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated ``@click.command``, ``@<group>.command`` or ``@click.group`` (with or without a call)."""
    return any(_name(d).rpartition(".")[2] in ("command", "group") for d in node.decorator_list)


def _returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Annotated to return something: not ``None`` (nor ``NoReturn``), and annotated at all."""
    r = node.returns
    return r is not None and not (isinstance(r, ast.Constant) and r.value in (None, "None")) \
        and _name(r).rpartition(".")[2] != "NoReturn"


def _check_function(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    """What the docstring of one function or method lacks."""
    doc = ast.get_docstring(node)
    if not doc:
        return ["docstring"]
    decorators = {_name(d).rpartition(".")[2] for d in node.decorator_list}
    if decorators & {"property", "cached_property"}:
        return []
    a = node.args
    params = [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    params += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
    if method and "staticmethod" not in decorators and params[:1] in (["self"], ["cls"]):
        params = params[1:]
    sections = _sections(doc)
    missing = []
    if params and "Parameters" not in sections:
        missing.append("Parameters")
    if _returns(node) and not sections & {"Returns", "Yields"}:
        missing.append("Returns")
    return missing


def _is_record(node: ast.ClassDef) -> bool:
    """A dataclass or NamedTuple: its fields are documented in the class docstring."""
    return any(_name(d).rpartition(".")[2] == "dataclass" for d in node.decorator_list) \
        or any(_name(b).rpartition(".")[2] == "NamedTuple" for b in node.bases)


def _check_class(node: ast.ClassDef) -> list[str]:
    """What the docstring of one class lacks."""
    doc = ast.get_docstring(node)
    if not doc:
        return ["docstring"]
    if _is_record(node):
        return []
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            a = item.args
            if (a.args[1:] or a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg) \
                    and "Parameters" not in _sections(doc):
                return ["Parameters (of __init__)"]
    return []


def definitions() -> dict[str, tuple[str, list[str]]]:
    """``path:qualname`` -> (``path:line:qualname``, what its docstring lacks) for every checked definition."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent)
        if any(p.startswith("_") and p not in ("__init__.py", "__main__.py") for p in rel.parts):
            continue
        in_cli = rel.parts[1] == "cli"

        def report(node: ast.AST, qualname: str, missing: list[str]) -> None:
            key = f"{rel.as_posix()}:{qualname}"
            if key not in EXEMPT:
                out[key] = (f"{rel.as_posix()}:{node.lineno}:{qualname}", missing)

        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                if not (in_cli and _is_click_command(node)):
                    report(node, node.name, _check_function(node, method=False))
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                report(node, node.name, _check_class(node))
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_"):
                        if any(_name(d).endswith((".setter", ".deleter", "overload")) for d in item.decorator_list):
                            continue  # the getter (or the implementation) carries the docstring
                        report(item, f"{node.name}.{item.name}", _check_function(item, method=True))
    return out


def offenders() -> dict[str, str]:
    """``path:qualname`` -> ``path:line:qualname: missing ...`` of the definitions that lack something."""
    return {k: f"{where}: missing {', '.join(m)}" for k, (where, m) in definitions().items() if m}


def test_public_definitions_are_documented():
    assert len(definitions()) > 300, "the checker lost track of the package"  # not silently vacuous
    found = offenders()
    new = sorted(found.values())
    assert not new, "undocumented (numpydoc) public definitions:\n" + "\n".join(new)


"""What every command shares: the ``birdscan`` group, and library errors in the words of the command line."""

from __future__ import annotations

import click

from ..errors import BirdscanError


# Library keyword names that differ from the option that sets them, per command.
_ALIASES = {
    "clips": {"out_dir": "--out"},
    "plot": {"file": "--file"},
    "synth": {"out_dir": "OUT", "path": "OUT", "duration_s": "--duration", "sr": "--sample-rate", "folder": "--backgrounds"},
    "evaluate": {"detections": "DETECTIONS"},
}


EXIT_CODES = """Exit status: 0 every recording was scanned in full; 1 the outputs were written, but some
recordings failed or were only partly decodable (each named in run.json with its reason);
2 the run itself failed (bad option, unusable model, outputs not writable or locked by
another run) and nothing was written."""


class _RunFailed(click.ClickException):
    exit_code = 2  # the run itself failed: nothing written (1 means some recordings failed)


def fail(e: BirdscanError) -> click.ClickException:
    """The library's error in the words of the command line: ``hop=0`` -> ``--hop 0``,
    ``overwrite=True (--overwrite)`` -> ``--overwrite``, Python callers keep keyword names.
    ``run`` and ``merge`` exit with status 2 (the run itself failed, nothing written; 1 is
    theirs for "some recordings failed"), the other commands with 1.

    Parameters
    ----------
    e : BirdscanError, the library's error

    Returns
    -------
    click.ClickException, to raise (its message rewritten by :func:`in_cli_words` for the running command)
    """
    ctx = click.get_current_context(silent=True)
    kind = _RunFailed if ctx is not None and ctx.command.name in ("run", "merge") else click.ClickException
    return kind(in_cli_words(str(e), ctx))


def in_cli_words(text: str, ctx: click.Context | None) -> str:
    """Rewrite keyword arguments named in a library message as the options of ``ctx``'s command.

    ``hop=0`` -> ``--hop 0``; ``overwrite=True (--overwrite)``, ``overwrite=True / --overwrite``
    and ``model=/--model`` -> the option alone; ``val_units:`` -> ``--val-units:``; a keyword
    set by an argument -> its metavar (``data=x`` -> ``DATA x``); the command's entries in
    ``_ALIASES`` (e.g. ``out_dir`` -> ``--out`` for ``clips``) name keywords whose option is
    called otherwise. A keyword is only matched where it does not continue a longer word or
    a path (no letter, digit, ``_``, ``.``, ``/``, ``\\`` or ``-`` before it); longer names are
    replaced first.

    Parameters
    ----------
    text : str, a library message, e.g. ``str(BirdscanError)``
    ctx : click.Context or None, the running command's context; None returns ``text`` unchanged

    Returns
    -------
    str, ``text`` in the words of the command line
    """
    import re

    if ctx is None:
        return text
    names = {p.name: max(p.opts, key=len) for p in ctx.command.params if isinstance(p, click.Option) and p.name}
    names.update({p.name: p.human_readable_name for p in ctx.command.params if isinstance(p, click.Argument) and p.name})
    names.update(_ALIASES.get(ctx.command.name, {}))
    text = re.sub(r"\b\w+=True \((--[\w-]+)\)", r"\1", text)  # "pass overwrite=True (--overwrite)"
    text = re.sub(r"\b\w+=True / (--[\w-]+)", r"\1", text)
    text = re.sub(r"\b\w+=/(--[\w-]+)", r"\1", text)  # "give one with model=/--model"
    for kw, opt in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if not opt.startswith("--"):
            text = re.sub(rf"(?<![\w./\\-]){kw}=", f"{opt} ", text)
            continue
        text = re.sub(rf"(?<![\w./\\-]){kw}:(?=\s)", f"{opt}:", text)  # "val_units: units [...] are not in the data"
        text = re.sub(rf"(?<![\w./\\-]){kw}=True\b", opt, text)
        text = re.sub(rf"(?<![\w./\\-]){kw}=(?=[\s:;,)]|$)", opt, text)
        text = re.sub(rf"(?<![\w./\\-]){kw}=", f"{opt} ", text)
    return text


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog="run and merge: " + EXIT_CODES.replace("\n", " "))
@click.version_option(package_name="birdscan")
def main() -> None:
    """birdscan: find bird flight calls in long field recordings."""

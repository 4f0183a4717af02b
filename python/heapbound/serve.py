"""Serves a bot class over heapbound's protocol:

    python -m heapbound.serve my_package.my_module:MyBot
    python -m heapbound.serve path/to/my_bot.py:MyBot

which is what `heapbound.prove` runs. The class is imported before the
helper starts tracemalloc, so importing it costs the bot nothing.
"""

import importlib
import importlib.util
import os
import sys

from heapbound.bot import serve


def load(spec: str):
    """The class `spec` names ("module:Qualname" or "file.py:Qualname")."""
    where, sep, qualname = spec.rpartition(":")
    if not sep or not where or not qualname:
        raise SystemExit(f"heapbound.serve: {spec!r}: expected 'module:Class' or 'path/to/file.py:Class'")
    if where.endswith(".py") or os.sep in where:
        path = os.path.abspath(where)
        sys.path.insert(0, os.path.dirname(path))  # its sibling modules import as they would in a test
        name = os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise SystemExit(f"heapbound.serve: cannot load {path!r}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    target = module
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise SystemExit(f"heapbound.serve: {where} has no {qualname!r}") from None
    return target


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m heapbound.serve module:Class | path/to/bot.py:Class")
    serve(load(args[0]))


if __name__ == "__main__":
    main()

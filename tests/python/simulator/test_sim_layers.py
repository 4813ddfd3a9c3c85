"""The simulator's layering, read from its source (no server needed).

The domain model and the converters do not depend on the request parser (``args``), so the
operations on stored state can be used without parsing a request.
"""

import ast
import os

SIM = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tegile_intelliflash",
                   "simulator")


def _modules():
    out = {}
    for folder, _dirs, files in os.walk(SIM):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, SIM)[:-3].replace(os.sep, ".")
                out[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = path
    return out


def imports_of(module):
    """Simulator modules that ``module`` imports (relative imports resolved, by dotted name)."""
    path = _modules()[module]
    package = module.split(".")[:-1] if not path.endswith("__init__.py") else module.split(".")
    found = set()
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
            prefix = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = (prefix + "." if prefix else "") + alias.name
                found.add(candidate if candidate in _modules() else prefix)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "tegile_intelliflash.simulator"):
            found.add(node.module[len("tegile_intelliflash.simulator."):])
    found.discard("")
    return found


def test_import_resolution_sees_relative_imports():
    # the checker itself: app imports the request parser
    assert "args" in imports_of("app")


def test_model_and_converters_do_not_import_the_request_parser():
    for module in ("model", "convert", "core", "store"):
        assert "args" not in imports_of(module), module

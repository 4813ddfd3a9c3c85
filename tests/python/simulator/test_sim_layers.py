"""The simulator's layering, read from its source and its route tables (no server needed).

- ``handlers/*`` turn a call's arguments into operations; they never import each other.
- ``ops/*`` operate on stored state; they never parse a request (``args``) nor import a handler.
- the model, converters, paths and store do not depend on the request parser.
- ``routes`` is the only map from RPC names to handlers; every name in it is a literal string
  (so ``grep setNFSNetworkACLsOnShare`` finds it) and a method of the wire protocol spec.
"""

import ast
import os
import re
import subprocess

import pytest

from tegile_intelliflash.simulator import routes

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SIM = os.path.join(ROOT, "tegile_intelliflash", "simulator")
SPEC = os.path.join("shared", "spec", "intelliflash-rest-api.md")


def _modules():
    out = {}
    for folder, _dirs, files in os.walk(SIM):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, SIM)[:-3].replace(os.sep, ".")
                out[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = path
    return out


MODULES = _modules()


def imports_of(module):
    """Simulator modules that ``module`` imports (relative imports resolved, by dotted name)."""
    path = MODULES[module]
    package = module.split(".")[:-1] if not path.endswith("__init__.py") else module.split(".")
    found = set()
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = (prefix + "." if prefix else "") + alias.name
                found.add(candidate if candidate in MODULES else prefix)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "tegile_intelliflash.simulator."):
            found.add(node.module[len("tegile_intelliflash.simulator."):])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tegile_intelliflash.simulator."):
                    found.add(alias.name[len("tegile_intelliflash.simulator."):])
    found.discard("")
    return found


def _in(layer):
    return sorted(m for m in MODULES if m.startswith(layer + ".") and m != layer)


def test_import_resolution_sees_relative_imports():
    # the checker itself: app imports the request parser and the routes, a handler the ops
    assert {"args", "routes"} <= imports_of("app")
    assert "ops.datasets" in imports_of("handlers.openstack")
    assert "ops.snapshots" in imports_of("ops.datasets")


def test_handler_modules_do_not_import_each_other():
    handlers = _in("handlers")
    assert len(handlers) >= 5, handlers
    for module in handlers:
        assert not (imports_of(module) & set(handlers + ["handlers"])), module


def test_operations_do_not_parse_requests_nor_call_handlers():
    assert _in("ops")
    for module in _in("ops"):
        bad = {m for m in imports_of(module)
               if m in ("args", "routes", "app", "handlers") or m.startswith("handlers.")}
        assert not bad, (module, bad)


# v2-only operations that used to live in their handlers: the handler reads the arguments,
# the operation (ops/) changes the state.
OPERATIONS_IN_OPS = (
    ("handlers.v2_snapshots", "create_project_snapshot"),
    ("handlers.v2_snapshots", "clone_project_snapshot"),
    ("handlers.v2_snapshots", "roll_back_to_project_snapshot"),
    ("handlers.v2_snapshots", "roll_back_to_share_snapshot"),
    ("handlers.v2_datasets", "inherit_property_from_project"),
    ("handlers.v2_access", "set_smb_config"),
)


def _function(module, name):
    with open(MODULES[module], encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    return next(node for node in tree.body if isinstance(node, ast.FunctionDef)
                and node.name == name)


@pytest.mark.parametrize("module,name", OPERATIONS_IN_OPS)
def test_these_handlers_leave_the_state_to_an_operation(module, name):
    func = _function(module, name)
    writes = sorted(node.func.attr for node in ast.walk(func) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr.startswith(("put_", "delete_")))
    assert not writes, "%s.%s writes stored state itself: %s" % (module, name, writes)
    calls = [node.func for node in ast.walk(func) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)]
    assert any(call.value.id in ("snaps", "datasets", "access") for call in calls), \
        "%s.%s calls no operation of ops/" % (module, name)


def test_model_and_converters_do_not_import_the_request_parser():
    for module in ("model", "convert", "core", "store"):
        bad = {m for m in imports_of(module)
               if m == "args" or m.startswith(("ops", "handlers")) or m == "routes"}
        assert not bad, (module, bad)


def test_only_the_route_table_imports_handlers():
    for module in MODULES:
        if module != "routes" and not module.startswith("handlers"):
            assert not any(m == "handlers" or m.startswith("handlers.")
                           for m in imports_of(module)), module


def _route_names(service):
    """The RPC names of ``service`` in ``routes.ROUTES``, each of which (service and name) must
    be a string literal."""
    with open(MODULES["routes"], encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "ROUTES":
            names = []
            for route in node.value.elts:
                for literal in route.elts[:2]:
                    assert isinstance(literal, ast.Constant) and isinstance(literal.value, str), \
                        ast.dump(literal)
                if route.elts[0].value == service:
                    names.append(route.elts[1].value)
            return names
    raise AssertionError("no ROUTES in routes.py")


def test_every_route_name_is_a_literal_and_the_table_holds_nothing_else():
    assert _route_names("v2") == list(routes.V2.methods)
    assert _route_names("openstack") == list(routes.OPENSTACK.methods)
    assert {route[0] for route in routes.ROUTES} == {"v2", "openstack"}
    assert "setNFSNetworkACLsOnShare" in routes.V2.methods


def _spec_path():
    common = subprocess.run(["git", "-C", ROOT, "rev-parse", "--path-format=absolute",
                             "--git-common-dir"], capture_output=True, text=True, check=False).stdout.strip()
    # CI: a clone with ../shared beside it; a helper's worktree: beside the main checkout.
    for base in (os.path.dirname(ROOT), os.path.dirname(os.path.dirname(common or ROOT))):
        if os.path.isfile(os.path.join(base, SPEC)):
            return os.path.join(base, SPEC)
    pytest.skip("the wire protocol spec (../%s) is not beside the repository" % SPEC)


def spec_method_names(text):
    """Method names written in the spec, its ``<P>``/``<target>`` and ``A/B`` forms expanded."""
    names = set()
    for word in re.findall(r"`([A-Za-z<>/]+)`", text):
        for variant in _expand(word):
            if re.fullmatch(r"[a-z][A-Za-z]+", variant):
                names.add(variant)
    return names


def _expand(word):
    if "<P>" in word:
        return [v for proto in ("NFS", "SMB") for v in _expand(word.replace("<P>", proto, 1))]
    if "<target>" in word:
        return [v for level in ("Share", "Project")
                for v in _expand(word.replace("<target>", level, 1))]
    first, _slash, rest = word.partition("/")
    if not rest:
        return [word]
    # setNFSSharingOnShare/Project, isShareExposedOverNFS/SMB: the tail after "/" replaces
    # the same-sized capitalised tail of the first name.
    stem = re.sub(r"(?:[A-Z][a-z]+|[A-Z]+)$", "", first)
    return [first] + [stem + alt for alt in rest.split("/")]


def test_spec_expansion():
    names = spec_method_names("`add<P>NetworkACLOn<target>` `setNFSSharingOnShare/Project` "
                              "`isShareExposedOverNFS/SMB` `listPools`")
    assert names == {"addNFSNetworkACLOnShare", "addNFSNetworkACLOnProject",
                     "addSMBNetworkACLOnShare", "addSMBNetworkACLOnProject",
                     "setNFSSharingOnShare", "setNFSSharingOnProject",
                     "isShareExposedOverNFS", "isShareExposedOverSMB", "listPools"}


def test_every_routed_method_is_in_the_spec():
    with open(_spec_path(), encoding="utf-8") as handle:
        names = spec_method_names(handle.read())
    for table in (routes.V2, routes.OPENSTACK):
        missing = sorted(set(table.methods) - names)
        assert not missing, (table.service, missing)

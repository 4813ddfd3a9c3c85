# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""v2 handlers for projects and shares (spec §7.4-7.6): arguments in, ``ops.datasets`` out."""

from .. import core, model
from ..errors import ApiError, INVALID_ARGUMENT, RESOURCE_EXIST
from ..ops import datasets
from ..registry import VOID


def create_project(ctx, args):
    obj = args.obj(0, "project")
    pool = obj.get("poolName")
    name = obj.get("projectName", obj.get("name"))
    if pool is None:
        raise ApiError(INVALID_ARGUMENT, "createProject: poolName is required")
    if name is None:
        raise ApiError(INVALID_ARGUMENT, "createProject: projectName is required")
    core.validate_name(name, "projectName")
    core.get_pool(ctx.txn, pool)
    project = model.new_project(pool, name)
    if ctx.txn.project(project["path"]) is not None:
        raise ApiError(RESOURCE_EXIST, "Project %s already exists" % project["path"])
    if "mountPoint" not in obj or obj.get("mountPoint") in ("", None):
        obj = dict(obj)
        obj.pop("mountPoint", None)
    datasets.apply_project_props(ctx.txn, project, obj, creating=True)
    ctx.txn.put_project(project)
    return 0


def _project_by_name(ctx, args):
    pool = args.str(0, "poolName")
    name = args.str(1, "projectName")
    local = args.bool(2, "local", True)
    core.get_pool(ctx.txn, pool)
    path = core.Path(pool, "Local" if local else "Replica", name)
    return core.get_project(ctx.txn, path)


def get_project(ctx, args):
    return model.project_model(_project_by_name(ctx, args))


def list_projects(ctx, args):
    pool = args.str(0, "poolName")
    local = args.bool(1, "local", True)
    core.get_pool(ctx.txn, pool)
    return [model.project_v1_model(p)
            for p in ctx.txn.projects(pool, "Local" if local else "Replica")]


def modify_project_properties(ctx, args):
    path, project = datasets.project_for_write(ctx, args.raw(0, "datasetPath"),
                                               what="modifyProjectProperties")
    obj = args.obj(1, "project")
    model.check_read_only(obj, model.project_model(project), datasets.PROJECT_READ_ONLY)
    datasets.apply_project_props(ctx.txn, project, obj, creating=False)
    ctx.txn.put_project(project)
    return 0


def delete_project(ctx, args):
    path = core.parse_path(args.raw(0, "projectDatasetPath"), "projectDatasetPath",
                           kind="project")
    project = core.get_project(ctx.txn, path)
    core.require_local(path, "deleteProject")
    datasets.delete_project_doc(ctx.txn, project)
    return 0


def create_share(ctx, args):
    pool = args.str(0, "poolName")
    project_name = args.str(1, "projectName")
    name = args.str(2, "shareName")
    options = args.obj(3, "shareOptions", {})
    permissions = args.list(4, "sharePermissions", None)
    core.validate_name(project_name, "projectName")
    core.validate_name(name, "shareName")
    core.get_pool(ctx.txn, pool)
    project = core.get_project(ctx.txn, core.Path(pool, "Local", project_name))
    datasets.create_share_doc(ctx.txn, project, name, options, permissions)
    return 0


def get_share(ctx, args):
    path = core.parse_path(args.raw(0, "datasetPath"), kind="share")
    share = core.get_share(ctx.txn, path)
    project = ctx.txn.project(share["project_path"])
    return model.share_model(share, project, core.share_available(ctx.txn, share))


def list_shares(ctx, args):
    project = _project_by_name(ctx, args)
    free = core.pool_free(ctx.txn, project["pool"])
    return [model.share_v1_model(s, project, core.share_available(ctx.txn, s, free))
            for s in ctx.txn.shares_of_project(project["path"])]


def modify_share_properties(ctx, args):
    path, share, project = datasets.share_for_write(ctx, args.raw(0, "datasetPath"),
                                                    what="modifyShareProperties")
    obj = args.obj(1, "share")
    datasets.apply_share_changes(ctx, share, project, obj)
    ctx.txn.put_share(share)
    return 0


def _delete(ctx, args):
    # A 4th "promote" argument (firmware >= 3.11) is accepted and ignored (C10).
    datasets.delete_dataset(ctx, args.raw(0, "datasetPath"), args.bool(1, "recursive", False),
                            args.bool(2, "errorIfNotExist", True), ctx.method)
    return VOID


def delete_share(ctx, args):
    return _delete(ctx, args)


def delete_dataset(ctx, args):
    return _delete(ctx, args)


def inherit_property_from_project(ctx, args):
    path, share, project = datasets.share_for_write(ctx, args.raw(0, "datasetPath"),
                                                    what="inheritPropertyFromProject")
    datasets.inherit_property(ctx, share, project, args.str(1, "propName"))
    return 0


def get_project_property(ctx, args):
    """Newer firmware (used by S4): ``[projectPath, propertyName]`` -> ``{"propertyValue": v}``."""
    path = core.parse_path(args.raw(0, "projectDatasetPath"), "projectDatasetPath",
                           kind="project")
    name = args.str(1, "propertyName")
    values = model.project_model(core.get_project(ctx.txn, path))
    if name not in values:
        raise ApiError(INVALID_ARGUMENT, "unknown project property %r" % name)
    return {"propertyValue": values[name]}

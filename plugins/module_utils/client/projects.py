# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Projects: listProjects, getProject, createProject, modifyProjectProperties, deleteProject."""

from . import paths as paths_mod
from . import sizes as sizes_mod
from .base import check_bool
from .errors import NotFoundError, invalid_argument
from .views import ProjectInfo


class ProjectCalls(object):
    """The project calls of IntelliFlashClient."""

    def list_projects(self, pool, local=True):
        """The projects of ``pool`` (ProjectInfo from the list items: name and pool), the Local
        ones or (``local`` False) the Replica ones."""
        with self._context("listProjects", pool):
            paths_mod.validate_pool(pool)
            check_bool(local, "local")
        reply = self.call("listProjects", pool, local, dataset=pool) or []
        container = paths_mod.LOCAL if local else paths_mod.REPLICA
        return [ProjectInfo.from_wire(item, pool=pool, container=container) for item in reply]

    def _read_project(self, pool, project, container=paths_mod.LOCAL):
        """The getProject reply (wire dict), for the checks of a write."""
        path = self._dataset("getProject", pool, project, None, container)
        return self.call("getProject", pool, project, container == paths_mod.LOCAL,
                         dataset=path)

    def get_project(self, ref):
        """ProjectInfo; NotFoundError when the project does not exist."""
        ref = self._ref(ref, share=False)
        return ProjectInfo.from_wire(self._read_project(ref.pool, ref.project, ref.container),
                                     pool=ref.pool, container=ref.container)

    def find_project(self, ref):
        """ProjectInfo, or None when the project does not exist."""
        return self._or_none(self.get_project, ref)

    def _project_exists(self, pool, project):
        return self._or_none(self._read_project, pool, project) is not None

    def create_project(self, ref, properties=None):
        """createProject with optional Project_V2_1 keys (e.g. ``{"compression": "lz4"}``)."""
        pool, project = self._unpack(ref, share=False)[:2]
        with self._context("createProject", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            if properties is not None and not isinstance(properties, dict):
                raise invalid_argument("properties", "must be a dict of Project_V2_1 keys")
        body = dict(properties or {})
        body.update({"poolName": pool, "projectName": project})

        def verify():
            from . import written  # write verification: after a lost reply only
            current = self._or_none(self._read_project, pool, project)
            if current is None:
                return False
            return written.properties_written(current, dict(properties or {}),
                                              share_level=False)

        self.call("createProject", body, write=True, dataset=path, verify=verify)

    def modify_project(self, ref, properties):
        """modifyProjectProperties with a partial Project_V2_1 dict."""
        pool, project = self._unpack(ref, share=False)[:2]
        with self._context("modifyProjectProperties", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            if not isinstance(properties, dict) or not properties:
                raise invalid_argument("properties", "must be a non-empty dict")
        props = dict(properties)

        def verify():
            from . import written  # write verification: after a lost reply only
            return written.properties_written(self._read_project(pool, project), props,
                                              share_level=False)

        self.call("modifyProjectProperties", path, props, write=True, dataset=path,
                  verify=verify)

    def delete_project(self, ref, missing_ok=True):
        """deleteProject; True when deleted, False when it was already gone (missing_ok)."""
        pool, project = self._unpack(ref, share=False)[:2]
        with self._context("deleteProject", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
        try:
            self.call("deleteProject", path, write=True, dataset=path,
                      verify=lambda: not self._project_exists(pool, project))
        except NotFoundError:
            if not missing_ok:
                raise
            return False
        return True

    def set_project_quota(self, ref, quota_bytes):
        """Set (or with 0/None clear) the project quota via ``quotaInByte``."""
        pool, project = self._unpack(ref, share=False)[:2]
        with self._context("modifyProjectProperties", "%s/Local/%s" % (pool, project)):
            path = paths_mod.project_path(pool, project)
            wanted = sizes_mod.parse_optional_size(quota_bytes, "quota")

        def verify():
            return self.get_project(paths_mod.project_ref(pool, project)).quota_bytes == wanted

        self.call("modifyProjectProperties", path, {"quotaInByte": wanted}, write=True,
                  dataset=path, verify=verify)

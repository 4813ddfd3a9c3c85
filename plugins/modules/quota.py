#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: quota
short_description: Manage quotas and reservations of IntelliFlash shares and projects
version_added: 1.0.0
description:
  - Set, change or remove the quota (upper limit) and reservation (guaranteed space) of a share, or the quota of a
    project, on a Tegile (DDN) IntelliFlash array.
  - The share or project must exist; this module never creates or deletes one.
  - Values are exact bytes after parsing; nothing is rounded.
  - Every rule the array enforces is checked first, so a refused value leaves the array unchanged.
author:
  - tegile.intelliflash developers (!UNKNOWN)
extends_documentation_fragment:
  - tegile.intelliflash.connection
  - tegile.intelliflash.attributes
  - tegile.intelliflash.attributes.actiongroup
options:
  pool:
    description:
      - Pool of the project.
    type: str
    required: true
  project:
    description:
      - Project (the target itself when O(share) is not given).
    type: str
    required: true
  share:
    description:
      - Share of O(project) whose limits are managed. When not given, the project's quota is managed.
    type: str
  quota:
    description:
      - Quota. An integer number of bytes, or a size with a binary unit (1 K = 1024 bytes, 1 G = 1024^3 bytes;
        V(B) and V(iB) are optional, case does not matter), for example V(512M), V(10G), V(10GiB), V(1.5T).
      - V(none) removes the quota.
      - V(0), negative sizes, fractions of a byte and unknown units are refused.
      - A quota below the space already used (for a project, by its shares) is refused, with the used amount in the
        message. A share quota below the share's reservation is refused too.
      - When not given, the quota is left as it is.
    type: raw
  reservation:
    description:
      - Reservation of the share, in the same format as O(quota). V(none) removes it.
      - Only shares have a reservation; giving it without O(share) is an error.
      - A reservation above the quota, or one the pool's free space cannot hold, is refused.
      - When not given, the reservation is left as it is.
    type: raw
notes:
  - When both values change, they are written in the order that keeps the array's rule (reservation not above
    quota) true at every step.
  - The quota of a share may exceed its project's quota; the project quota still limits the sum of its shares.
seealso:
  - module: tegile.intelliflash.share
  - module: tegile.intelliflash.project
  - module: tegile.intelliflash.info
    description: Read the quotas, reservations and used space of shares and projects.
"""

EXAMPLES = r"""
# The connection options (host, username, password, ca_path) are set once for the play with
# module_defaults on group/tegile.intelliflash.intelliflash, or come from the INTELLIFLASH_*
# environment variables.
- name: Give the builds share a 200 GiB quota and reserve 50 GiB
  tegile.intelliflash.quota:
    pool: pool-a
    project: engineering
    share: builds
    quota: 200G
    reservation: 50GiB

- name: Limit the whole project to 1.5 TiB
  tegile.intelliflash.quota:
    pool: pool-a
    project: engineering
    quota: 1.5T

- name: Remove the reservation of the builds share, keep its quota
  tegile.intelliflash.quota:
    pool: pool-a
    project: engineering
    share: builds
    reservation: none
"""

RETURN = r"""
path:
  description: Dataset path of the share or project.
  returned: always
  type: str
  sample: pool-a/Local/engineering/builds
quota_bytes:
  description: Quota in bytes after the run (as it would be, in check mode); V(0) when there is none.
  returned: always
  type: int
  sample: 214748364800
quota:
  description: Quota in binary units; V(null) when there is none.
  returned: always
  type: str
  sample: 200 GiB
reservation_bytes:
  description: Reservation in bytes after the run; V(0) when there is none (always V(0) for a project).
  returned: always
  type: int
  sample: 53687091200
reservation:
  description: Reservation in binary units; V(null) when there is none.
  returned: always
  type: str
  sample: 50 GiB
used_bytes:
  description:
    - Space used by the share, or used or reserved by the shares of the project.
    - For a project only when its quota is set or lowered (checked against it, which reads every share of the
      project); raising a quota does not read the shares.
  returned: when known
  type: int
  sample: 1073741824
array_retries:
  description:
    - The retries and waits of the task for the array (connection errors, timeouts, lost replies, HTTP 408/429/502/503/504,
      an error page answering a write), one message each, in order.
    - Only at verbosity 1 or more (C(-v)); at any verbosity one warning counts them and quotes the first and the last.
  returned: when the task retried or waited for the array and runs with C(-v)
  type: list
  elements: str
  version_added: 1.1.0
  sample:
    - "listSystemProperties : HTTP 503 from the array: <html>...</html>; retrying in 0.39 s (attempt 2)"
"""

from ansible_collections.tegile.intelliflash.plugins.module_utils._worker import hand_over

hand_over(globals())  # with INTELLIFLASH_WORKER set, a resident worker runs this task (docs/worker.md)

from ansible_collections.tegile.intelliflash.plugins.module_utils.common import (
    DifferenceTracker,
    IntelliFlashModule,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._argspec import ArgumentSpec, dataset_spec
from ansible_collections.tegile.intelliflash.plugins.module_utils._dataset import (
    parse_limit,
    size_fact,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._quota import needs_shares_usage
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import (
    apply_limits,
    checked_limits,
    project_used,
    require_project,
    require_share,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.system import SystemCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.projects import ProjectCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls

# The client's call groups this module uses (common.client_class): a task imports no other.
CALLS = (SystemCalls, ProjectCalls, ShareCalls)


def main():
    spec = ArgumentSpec(dict(quota=dict(type="raw"), reservation=dict(type="raw")),
                        required_one_of=[("quota", "reservation")])
    spec.merge(dataset_spec(share=True, states=()))
    module = IntelliFlashModule.from_spec(spec, supports_check_mode=True, calls=CALLS)
    params = module.params
    pool, project, share = params["pool"], params["project"], params["share"]
    module.validate_names(project=project, share=share)
    with module.api_errors("validating options"):
        quota = parse_limit(params["quota"], "quota")
        reservation = parse_limit(params["reservation"], "reservation")
    if share is None and reservation is not None:
        module.fail("reservation: projects have no reservation; give share to reserve space for a share")
    path = module.dataset_path(pool, project, share)
    tracker = DifferenceTracker()

    used = None
    if share is not None:
        current = require_share(module, pool, project, share)
        used = current.used_bytes
    else:
        current = require_project(module, pool, project)
        if needs_shares_usage(current.quota_bytes, quota):
            used = project_used(module, pool, project)
    plan = checked_limits(module, pool, path, current, used or 0, quota, reservation, tracker)

    if plan.writes and not module.check_mode:
        with module.api_errors("setting the limits of %s" % path, path):
            apply_limits(module.client, plan, pool, project, share)

    result = dict(path=path, quota_bytes=plan.quota, quota=size_fact(plan.quota),
                  reservation_bytes=plan.reservation, reservation=size_fact(plan.reservation))
    if used is not None:
        result["used_bytes"] = used
    module.exit(tracker.has_differences(), diff=tracker, **result)


if __name__ == "__main__":
    main()

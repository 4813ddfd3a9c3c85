# SPDX-License-Identifier: GPL-3.0-or-later
"""The functional layer of the modules: each module runs in-process against a simulator.

The modules import each other as ``ansible_collections.tegile.intelliflash...``: a link named like
the collection's FQCN, on ``sys.path`` for this session, makes the working tree importable under
that name without a build (ansible-test stages a copy for the unit layer; this layer runs in
``.venv`` with plain pytest). The fast layer over a mocked array is ``tests/unit``.
"""

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _link_collection():
    work = tempfile.mkdtemp(prefix="tegile-modules-")
    namespace = os.path.join(work, "ansible_collections", "tegile")
    os.makedirs(namespace)
    link = os.path.join(namespace, "intelliflash")
    os.symlink(ROOT, link)

    def remove():
        os.unlink(link)  # the link only, never what it points to
        shutil.rmtree(work, ignore_errors=True)

    atexit.register(remove)
    sys.path.insert(0, work)


_link_collection()

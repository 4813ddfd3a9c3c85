# SPDX-License-Identifier: Apache-2.0
"""Fixtures shared by the Manila driver tests (ours and the in-tree driver's).

Only what both can use: one array simulator per test session (per xdist worker), over HTTPS
with its own CA, listening on 127.0.0.1 and stopped at the end of the session.
"""

# First, before anything imports ssl or threading: set up the process the way this Manila
# release's manila-share does. Its entry module applies the release's concurrency backend on
# import (eventlet monkey patching in 2025.1-2026.1, native threads from 2026.2 on), so the
# driver runs here as it runs in the service. Importing it later than ssl makes eventlet's
# patched SSLContext recurse for ever.
import manila.cmd.share  # noqa: F401,E402  pylint: disable=unused-import

import pytest

from tegile_intelliflash.simulator.harness import SimulatorProcess

# The driver tests' fixtures live with their helpers; importing them here makes pytest find them
# without each test module importing names it only uses as fixture parameters.
from tegile_driver_helpers import array, driver, share_type_specs  # noqa: F401  pylint: disable=unused-import


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    """A running simulator: ``.address``, ``.port``, ``.ca_path``, ``.user``, ``.password``."""
    sim = SimulatorProcess(str(tmp_path_factory.mktemp("intelliflash-sim")),
                           host="127.0.0.1", port=0)
    with sim:
        yield sim

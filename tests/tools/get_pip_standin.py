# SPDX-License-Identifier: Apache-2.0
"""Stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test --venv fetches get-pip.py from a host that is not reachable from every machine.
This script does the same job with the standard library: ``ensurepip`` puts the bundled pip into
the virtualenv, then pip upgrades itself to what ansible-test asked for. get-pip's own flags
(--no-setuptools, --no-wheel) are dropped. The second pip call runs with the caller's
environment, because ensurepip sets PIP_CONFIG_FILE=/dev/null, which would drop this machine's
pip configuration (index mirrors, CA bundle).
"""
import os
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel", "--no-pip"}


def main():
    env = dict(os.environ)
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                          stdout=subprocess.DEVNULL)
    args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + args, env=env)


if __name__ == "__main__":
    main()

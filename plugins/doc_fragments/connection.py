# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every tegile.intelliflash module.
    DOCUMENTATION = r"""
options:
  host:
    description:
      - Management address of the IntelliFlash array, optionally with a port.
      - Accepts a host name, an IPv4 address, an IPv6 address, V(host:port) or V([fd00::5]:port). The default port is 443.
      - Credentials (V(https://user:password@array)), a path, a query (V(?)), a fragment (V(#)), white space and
        invisible characters are refused before any connection; give the credentials as O(username) and O(password).
      - If not set, the value of the E(INTELLIFLASH_HOST) environment variable is used.
    type: str
    required: true
  username:
    description:
      - User name for HTTP Basic authentication on the array's management API.
      - If not set, the value of the E(INTELLIFLASH_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(INTELLIFLASH_PASSWORD) environment variable is used.
      - Never logged, never shown in results, diffs or error messages, also when the task's other options are invalid.
      - Give it from a vaulted variable, for example through C(module_defaults). Do not set E(INTELLIFLASH_PASSWORD) with
        a task's or play's C(environment) keyword, which puts it on the command line that C(-vvv) prints in clear.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the array's TLS certificate.
      - Arrays ship with self-signed certificates; rather than turning verification off, give the array's CA (or the
        certificate itself) in O(ca_path).
      - Setting this to V(false) sends the credentials over an unauthenticated channel and makes the module emit a warning.
      - If not set, the value of the E(INTELLIFLASH_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) used to verify the array's certificate.
      - When not set, the system trust store is used.
      - Ignored when O(validate_certs=false).
      - If not set, the value of the E(INTELLIFLASH_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Read timeout of one API request, in seconds. The connect timeout is the smaller of this value and 10 seconds.
      - The read timeout bounds the whole reply of one attempt, not each wait for a byte.
      - Its status line, headers and body must arrive within this time after the request was sent. A reply still incomplete then counts as a read timeout.
      - Idempotent reads, and writes that provably did not reach the array or that it answered with HTTP 503, 429 or 408
        (not executed), are retried with backoff for up to 60 seconds.
      - After a 503 or 429 reply with C(Retry-After), the next attempt waits at least that long; a wait that would end
        past those 60 seconds fails the task at once, saying so.
    type: float
    default: 60
requirements:
  - requests >= 2.25 (on the host that runs the module, usually the controller)
notes:
  - The modules talk to the array's REST API (C(/zebi/api/v2)) over HTTPS. Run them on the controller
    (a play on C(localhost), or C(delegate_to=localhost)); they do not need access to the managed hosts.
  - All connection options can be set once for a play with
    C(module_defaults) and the action group C(group/tegile.intelliflash.intelliflash).
  - Sizes use binary units throughout (1 K = 1024 bytes, 1 G = 1024^3 bytes).
"""

# SPDX-License-Identifier: Apache-2.0
"""Configuration options of the Tegile IntelliFlash Manila share driver.

The first four options are the in-tree driver's (manila 23.0.1's
``manila/share/drivers/tegile/tegile.py``), declared here
with exactly the same class, name, help text and default so that oslo.config
accepts both modules being imported in one process (it raises
``DuplicateOptError`` when two declarations of one name differ). A
``manila.conf`` written for the in-tree driver therefore keeps working with
only ``share_driver`` changed (plus the array's CA: TLS is verified by
default). The other five are this driver's own.

This module imports nothing but oslo.config, so ``oslo-config-generator
--namespace tegile_intelliflash`` (entry point ``oslo.config.opts``) works
without loading Manila.
"""

from oslo_config import cfg

# Exactly as in manila 23.0.1's in-tree driver (do not change a character).
intree_opts = [
    cfg.HostAddressOpt('tegile_nas_server',
                       help='Tegile NAS server hostname or IP address.'),
    cfg.StrOpt('tegile_nas_login',
               help='User name for the Tegile NAS server.'),
    cfg.StrOpt('tegile_nas_password',
               secret=True,
               help='Password for the Tegile NAS server.'),
    cfg.StrOpt('tegile_default_project',
               help='Create shares in this project')]

# This driver's own options.
tegile_intelliflash_opts = [
    cfg.PortOpt('tegile_nas_port',
                default=443,
                help='HTTPS port of the IntelliFlash management (REST) API.'),
    cfg.BoolOpt('tegile_nas_ssl_verify',
                default=True,
                help='Verify the TLS certificate of the IntelliFlash array. '
                     'Keep this on in production: give the array\'s CA with '
                     'tegile_nas_ssl_ca_file when its certificate is '
                     'self-signed. Turning it off logs a warning.'),
    cfg.StrOpt('tegile_nas_ssl_ca_file',
               default=None,
               help='CA bundle (PEM file) used to verify the array\'s TLS '
                    'certificate. Default: the system trust store.'),
    cfg.IntOpt('tegile_nas_timeout',
               default=60,
               min=1,
               help='Timeout, in seconds, of one REST call to the array '
                    '(read timeout; connecting waits at most 10 seconds or '
                    'this value if smaller). It bounds the whole reply of '
                    'one attempt: a reply still incomplete that long after '
                    'the request was sent counts as a read timeout.'),
    cfg.IntOpt('tegile_nas_retry_budget',
               default=60,
               min=0,
               help='Total time, in seconds, that retries of one REST call '
                    'may take after connection errors, timeouts and HTTP '
                    '408/429/502/503/504 replies (0 disables retries). A '
                    'write is sent again only when the array provably '
                    'never received it or did not handle it (503, 429, '
                    '408); after a lost reply the driver waits this long '
                    'for its effect instead. After a 503 or 429 with '
                    'Retry-After the next attempt waits at least that '
                    'long; when that wait would end past this budget the '
                    'call fails at once, saying so.'),
]

ALL_OPTS = intree_opts + tegile_intelliflash_opts

CONF = cfg.CONF
# Registered in [DEFAULT] like the in-tree driver does; identical declarations
# of the in-tree four make a second registration a no-op.
CONF.register_opts(ALL_OPTS)


def list_opts():
    """oslo-config-generator entry point (namespace tegile_intelliflash)."""
    return [('DEFAULT', list(ALL_OPTS))]

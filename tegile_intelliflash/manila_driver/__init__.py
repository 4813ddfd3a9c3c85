# SPDX-License-Identifier: Apache-2.0
"""OpenStack Manila share driver for Tegile (DDN) IntelliFlash arrays.

Use it with::

    share_driver = tegile_intelliflash.manila_driver.TegileShareDriver

The driver class is imported on first access, so that
``tegile_intelliflash.manila_driver.options`` (the oslo.config entry point)
can be loaded without importing Manila.
"""

__all__ = ['TegileShareDriver']  # pylint: disable=undefined-all-variable


def __getattr__(name):
    if name == 'TegileShareDriver':
        from tegile_intelliflash.manila_driver.driver import TegileShareDriver
        return TegileShareDriver
    raise AttributeError('module %r has no attribute %r' % (__name__, name))


def __dir__():
    return sorted(list(globals()) + __all__)

# SPDX-License-Identifier: Apache-2.0
"""The one place where the client's errors become Manila exceptions.

Every call to the array runs inside :class:`translate`::

    with errors.translate('delete share %s' % share_id,
                          (client_errors.NotFoundError, errors.IGNORE),
                          (client_errors.InUseError, busy)):
        client.delete_snapshot(...)

Specific mappings are tried in the order given (so a subclass goes before its
base class); a client error none of them claims becomes a
``ShareBackendException`` "could not <what>: <error>", logged once. Manila's
own exceptions and programming errors pass through untouched.
"""

import contextlib
import functools

from oslo_log import log

from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import errors as client_errors

LOG = log.getLogger(__name__)

#: Client errors that say the array is unusable (unreachable after the
#: retry budget, refusing the credentials), not that one share is: a loop
#: over shares stops at the first (each share would wait out its budget).
ARRAY_DOWN = (client_errors.ConnectionFailedError,
              client_errors.ArrayTimeoutError,
              client_errors.AuthenticationError)

#: A mapping's result meaning "the error is expected: carry on".
IGNORE = object()

#: A mapping's result meaning "not this one": the next mapping (or the
#: default) decides.
DEFAULT = None


def tls_text(err):
    """A certificate the driver does not trust, with the fix in manila.conf's
    terms (the client's own message names its arguments, ca_path and
    verify)."""
    if getattr(err, 'problem', None) is None:
        return str(err)
    if getattr(err, 'untrusted', False):
        fix = _('set tegile_nas_ssl_ca_file to the PEM file of the CA (or the '
                'self-signed certificate) that issued the array\'s '
                'certificate; or, only on a trusted network, set '
                'tegile_nas_ssl_verify = False')
    else:
        fix = _('set tegile_nas_server to a host name or address listed in '
                'the certificate\'s subject alternative names, or give the '
                'array a certificate for that name')
    return _('TLS verification failed: %(problem)s (%(reason)s). Fix: '
             '%(fix)s.') % {'problem': err.problem, 'reason': err.reason,
                            'fix': fix}


def backend_error(what, err):
    """The default translation: log it and say what could not be done."""
    if isinstance(err, client_errors.TLSVerificationError):
        err = tls_text(err)
    LOG.error('IntelliFlash: could not %(what)s: %(err)s',
              {'what': what, 'err': err})
    return exception.ShareBackendException(
        msg=_('could not %(what)s: %(err)s') % {'what': what, 'err': err})


def share_missing(share):
    """Mapping result for a share the array does not hold."""
    return lambda err: exception.ShareResourceNotFound(share_id=share['id'])


def project_missing(share, ref):
    """Mapping result for a share whose project the array does not hold
    (a share group's project removed outside Manila)."""
    group_id = share.get('share_group_id')
    if group_id and ref.project.endswith(group_id):
        message = _('share %(id)s: the project of its share group %(group)s, '
                    '%(pool)s/%(project)s, is not on the array (removed '
                    'outside Manila?)')
    else:
        message = _('share %(id)s: project %(pool)s/%(project)s is not on '
                    'the array')
    return lambda err: exception.ShareBackendException(msg=message % {
        'id': share['id'], 'group': group_id, 'pool': ref.pool,
        'project': ref.project})


class translate(object):  # pylint: disable=invalid-name
    """Context manager (and decorator) translating client errors.

    ``what``: what was being done, for the default message.
    ``mappings``: ``(client error class or tuple of classes, factory)``
    pairs; ``factory(err)``
    returns the Manila exception to raise, :data:`IGNORE` to swallow the
    error, or :data:`DEFAULT` to leave it to the next pair. ``factory`` may
    also be :data:`IGNORE` itself.
    """

    def __init__(self, what, *mappings):
        self.what = what
        self.mappings = mappings

    def __enter__(self):
        return self

    def __exit__(self, exc_type, err, traceback):
        if not isinstance(err, client_errors.IntelliFlashError):
            return False
        for error_class, factory in self.mappings:
            if not isinstance(err, error_class):
                continue
            result = factory if factory is IGNORE else factory(err)
            if result is IGNORE:
                return True
            if result is not DEFAULT:
                raise result
        raise backend_error(self.what, err)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with translate(self.what, *self.mappings):
                return func(*args, **kwargs)
        return wrapper


@contextlib.contextmanager
def undo_on_failure(what, undo, *mappings):
    """Run ``undo()`` (unless None) when the block fails, whatever the
    failure, then translate it as :class:`translate` does (any other error
    that is not Manila's also becomes "could not <what>")."""
    try:
        yield
    except Exception as err:
        if undo is not None:
            undo()
        if isinstance(err, exception.ManilaException):
            raise
        if not isinstance(err, client_errors.IntelliFlashError):
            raise backend_error(what, err)
        with translate(what, *mappings):
            raise

# SPDX-License-Identifier: Apache-2.0
"""Access rules: Manila's rules of a share become the array's lists.

'ip' rules go to the protocol's network ACL list (NFS only), 'user' rules to
the share's file ACL (both protocols). Each list is written whole, with one
``set`` call, only when it differs from what the array holds (so re-applying
or resyncing a converged share writes nothing, and a change never goes
through an empty list).
"""

from oslo_concurrency import lockutils
from oslo_log import log

from manila.common import constants
from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import acl as client_acl
from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.manila_driver import errors
from tegile_intelliflash.manila_driver import protocols
from tegile_intelliflash.manila_driver.protocols import base as protocol_base

LOG = log.getLogger(__name__)


def _access_id(rule):
    return rule.get('access_id') or rule.get('id')


def _user_key(rule):
    return (rule.kind, rule.name.lower(), rule.access)


def _translate_rule(protocol, rule):
    """(list kind, identity, array rule) of a Manila rule; BadRule if the
    driver cannot apply it."""
    access_type = (rule.get('access_type') or '').lower()
    level = (rule.get('access_level') or '').lower()
    access_to = rule.get('access_to') or ''
    if level not in (constants.ACCESS_LEVEL_RW, constants.ACCESS_LEVEL_RO):
        raise protocol_base.BadRule(
            _('access level %s is not supported') % level)
    if access_type == 'ip':
        key, obj = protocol.network_rule(access_to, level)
        return 'net', key, obj
    if access_type == 'user':
        name = access_to.strip()
        try:
            user = client_acl.UserRule('user', name, level)
        except (client_errors.IntelliFlashError, ValueError) as err:
            raise protocol_base.BadRule(str(err))
        return 'user', ('user', name.lower()), user
    raise protocol_base.BadRule(
        _('access type %(type)s is not supported for %(proto)s (NFS: ip, '
          'user; CIFS: user)') % {'type': access_type,
                                  'proto': protocol.name})


def _wanted_lists(share, protocol, access_rules, add_rules):
    """The network and user lists Manila's rules ask for, which rules own
    each entry, and the error updates of the rules that cannot be applied.
    """
    updates = {}
    owners = {}
    wanted = {'net': {}, 'user': {}}
    # Rules being added come last, so that when two rules give one client
    # different levels, the new one is refused and the one already on the
    # share stays active (Manila's order of access_rules is arbitrary).
    adding = set(_access_id(rule) for rule in add_rules or [])
    ordered = sorted(access_rules,
                     key=lambda rule: _access_id(rule) in adding)
    for rule in ordered:
        rule_id = _access_id(rule)
        try:
            kind, key, obj = _translate_rule(protocol, rule)
        except protocol_base.BadRule as err:
            LOG.warning('Share %(id)s: access rule %(rule)s (%(type)s '
                        '%(to)s) cannot be applied: %(err)s',
                        {'id': share['id'], 'rule': rule_id,
                         'type': rule.get('access_type'),
                         'to': rule.get('access_to'), 'err': err})
            updates[rule_id] = {'state': constants.ACCESS_STATE_ERROR}
            continue
        target = wanted[kind]
        existing = target.get(key)
        if existing is not None and existing.access != obj.access:
            LOG.warning('Share %(id)s: access rule %(rule)s gives %(to)s '
                        'a second, different access level.',
                        {'id': share['id'], 'rule': rule_id,
                         'to': rule.get('access_to')})
            updates[rule_id] = {'state': constants.ACCESS_STATE_ERROR}
            continue
        target[key] = obj
        owners.setdefault((kind, key), []).append(rule_id)
    return wanted, owners, updates


def _sync_users(backend, ref, info, want):
    """Set the file ACL; return the keys that failed."""
    client = backend.client

    def write(rules):
        client.set_user_acls(ref, rules)

    def read():
        return client.get_user_acls(ref)

    current = info.user_acls
    return protocol_base.sync_list(ref, 'file ACL', want, current, write,
                                   read, key=_user_key,
                                   sort_key=lambda r: r.name.lower())


def update_access(backend, share, access_rules, add_rules):
    """Make the array's access lists equal to Manila's rules.

    The target lists are computed from ``access_rules`` (every rule that
    must be on the share, which already reflects add_rules, delete_rules and
    update_rules) and written only when they differ from what the array
    holds; a rule the driver cannot apply is reported in error and never
    stops the others.
    """
    try:
        protocol = protocols.of_share(share)
    except exception.InvalidShare as err:
        raise exception.InvalidShareAccess(reason=str(err))
    ref = backend.share_ref(share)
    wanted, owners, updates = _wanted_lists(share, protocol, access_rules,
                                            add_rules)
    with errors.translate('update the access rules of share %s'
                          % share['id'],
                          (client_errors.NotFoundError,
                           errors.share_missing(share))):
        # One update of a share's lists at a time in this process: each call
        # reads, writes and checks its own write; interleaved, one call's
        # stale list could land between another's write and its check,
        # which then reported an applied rule as 'error'.
        with lockutils.lock('tegile-intelliflash-access-%s-%s'
                            % (backend.client.host, ref.path)):
            info = backend.client.get_share(ref)
            failed = [('net', key) for key in protocol.sync_network(
                backend, ref, info, wanted['net'])]
            failed += [('user', key) for key in _sync_users(
                backend, ref, info, wanted['user'])]
    for owner in failed:
        for rule_id in owners.get(owner, []):
            updates[rule_id] = {'state': constants.ACCESS_STATE_ERROR}
    return updates

# SPDX-License-Identifier: Apache-2.0
"""Access rules: Manila's rules of a share become the array's lists.

'ip' rules go to the protocol's network ACL list (NFS only), 'user' rules to
the share's file ACL (both protocols). Manila's changes are sent as such,
one call per rule, without reading (:func:`_apply_changes`); a re-sync reads
the lists and writes each one whole, with one ``set`` call, only when it
differs from what the array holds (so re-applying or resyncing a converged
share writes nothing). A change never goes through an empty list.
"""

from oslo_concurrency import lockutils
from oslo_log import log

from manila.common import constants
from manila import exception
from manila.i18n import _

from tegile_intelliflash.client import acl as client_acl
from tegile_intelliflash.client import errors as client_errors
from tegile_intelliflash.manila_driver import backend as backend_mod
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

    current = info.user_acls
    return protocol_base.sync_list(ref, 'file ACL', want, current, write,
                                   key=_user_key,
                                   sort_key=lambda r: r.name.lower())


def _access_ids(rules):
    return set(_access_id(rule) for rule in rules or [])


def _apply_changes(backend, ref, protocol, share, wanted, access_rules,
                   add_rules, delete_rules, update_rules):
    """Apply Manila's changes without reading the share: the lists the array
    holds are the ones Manila's rules gave before this call (``access_rules``
    without ``add_rules``, with ``delete_rules``), so each list is changed
    by the calls that differ: one add (NFS ``add...NetworkACLOnShare``) or
    one remove per rule, or one write of the whole list when it goes from or
    to the closed list, or a rule changes its level. Nothing is read back:
    a write whose reply is lost is checked by the client against what it
    wrote.

    Returns the keys that failed ([]), or None when the lists must be read
    first: every rule is being added, the share gets its first 'ip' rule
    (it may not be exported yet), or the array refused a change (a rule it
    does not take, an entry already there); the caller then reads the lists
    and makes them whole (:func:`_sync_all`).
    """
    added = _access_ids(add_rules)
    if added == _access_ids(access_rules) and not delete_rules:
        # Every rule is being added: the first rules of the share, or Manila
        # sending again rules an earlier call may have applied (after a
        # failure or a restart): only the array can say what it holds.
        return None
    # A rule of update_rules had the other level (Manila has two): what
    # a failed call puts back.
    changed = _access_ids(update_rules or [])
    before_rules = [dict(rule, access_level=_OTHER_LEVEL.get(
        rule.get('access_level'), rule.get('access_level')))
        if _access_id(rule) in changed else rule
        for rule in access_rules if _access_id(rule) not in added]
    before_rules += list(delete_rules or [])
    before, _owners, _updates = _wanted_lists(share, protocol, before_rules,
                                              [])
    if wanted['net'] and not before['net']:
        # The share's first 'ip' rule: a new NFS share is not exported
        # until then (protocols/base.py); only the array says whether it
        # is, and sync_network turns NFS on before writing the list.
        return None
    # A level change: the list of that rule is written whole (the level it
    # had is not given).
    updated = set((rule.get('access_type') or '').lower()
                  for rule in update_rules or [])
    client = backend.client
    undo = None
    try:
        undo = _change_network(client, ref, protocol, before['net'],
                               wanted['net'], 'ip' in updated)
        if _user_keys(before['user']) != _user_keys(wanted['user']) or \
                'user' in updated:
            client.set_user_acls(ref, sorted(wanted['user'].values(),
                                             key=lambda r: r.name.lower()))
    except _READ_AND_SYNC as err:
        LOG.warning('Share %(id)s: the array refused an access change '
                    '(%(err)s); reading its lists to make them whole.',
                    {'id': share['id'], 'err': err})
        return None
    except _TAKE_BACK:
        # The file ACL write did not run: the NFS change made before it is
        # undone (see _TAKE_BACK).
        if undo is not None:
            undo()
        raise
    return []


_OTHER_LEVEL = {'rw': 'ro', 'ro': 'rw'}


def _user_keys(rules):
    return set(_user_key(rule) for rule in rules.values())


#: A later write failed without running: the rules added before it are
#: removed again (Manila puts every rule of the call in 'error', and a rule
#: in 'error' must not be active on the array). Not after a refusal that
#: _apply_changes answers by reading and syncing the lists, nor after a
#: write whose outcome is unknown (it may have run).
_TAKE_BACK = backend_mod.NOT_RUN
_READ_AND_SYNC = (client_errors.InvalidArgumentError,
                  client_errors.AlreadyExistsError)


def _take_back(client, ref, wire, added):
    """Remove the rules ``added``; never raises (the failure is the
    change's)."""
    for rule in added:
        try:
            client.remove_network_acl(wire, ref, rule.host_type, rule.host)
        except client_errors.IntelliFlashError as err:
            LOG.error('Share %(path)s: could not remove %(host)s, added by '
                      'an access change that failed: it stays on the '
                      'array until the rules are applied again: %(err)s',
                      {'path': ref.path, 'host': rule.host, 'err': err})


def _put_back(client, ref, wire, rules):
    """Write the list ``rules`` had before a whole-list write of a change
    that failed later; never raises (the failure is the change's)."""
    try:
        client.set_network_acls(wire, ref, rules)
    except client_errors.IntelliFlashError as err:
        LOG.error('Share %(path)s: could not put its %(wire)s list back '
                  'after an access change that failed: the new list stays '
                  'on the array until the rules are applied again: %(err)s',
                  {'path': ref.path, 'wire': wire, 'err': err})


def _change_network(client, ref, protocol, before, want, levels_changed):
    """Change the network list from ``before`` to ``want``; what undoes the
    change when a later write of the call fails (None: nothing written)."""
    if before == want and not levels_changed:
        return None
    wire = protocol.wire
    same = all(before[key] == want[key] for key in set(before) & set(want))
    if before and want and same and not levels_changed:
        # Adds first: removing first empties the list when every entry is
        # replaced, and an empty NFS list opens the share to every host
        # (for good, when an add then fails).
        added = []
        try:
            for key in sorted(set(want) - set(before)):
                client.add_network_acl(wire, ref, want[key])
                added.append(want[key])
            for key in set(before) - set(want):
                client.remove_network_acl(wire, ref, before[key].host_type,
                                          before[key].host)
        except _TAKE_BACK as err:
            if not isinstance(err, _READ_AND_SYNC):
                _take_back(client, ref, wire, added)
            raise
        return lambda: _take_back(client, ref, wire, added)

    def ordered(rules):
        return sorted(rules.values(), key=lambda r: (r.host_type, r.host)) \
            or protocol.closed_network_list()

    client.set_network_acls(wire, ref, ordered(want))
    return lambda: _put_back(client, ref, wire, ordered(before))


def _sync_all(backend, ref, protocol, wanted):
    """Read the share's lists and write each one that differs, whole."""
    info = backend.client.get_share(ref)
    failed = [('net', key) for key in protocol.sync_network(
        backend, ref, info, wanted['net'])]
    failed += [('user', key) for key in _sync_users(
        backend, ref, info, wanted['user'])]
    return failed


def update_access(backend, share, access_rules, add_rules, delete_rules=None,
                  update_rules=None):
    """Make the array's access lists equal to Manila's rules.

    The target lists are computed from ``access_rules`` (every rule that
    must be on the share, which already reflects add_rules, delete_rules and
    update_rules). With changes (add, delete, update rules) they are applied
    as such, without reading (:func:`_apply_changes`); without (Manila's
    recovery, a re-sync) the lists are read and written whole when they
    differ. A rule the driver cannot apply is reported in error and never
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
        # works from the lists the one before left (Manila's rules, or what
        # it read); interleaved, one call's stale list could land between
        # another's write and its check, which then reported an applied
        # rule as 'error'.
        with lockutils.lock('tegile-intelliflash-access-%s-%s'
                            % (backend.client.host, ref.path)):
            failed = None
            if add_rules or delete_rules or update_rules:
                failed = _apply_changes(backend, ref, protocol, share, wanted,
                                        access_rules, add_rules, delete_rules,
                                        update_rules)
            if failed is None:
                failed = _sync_all(backend, ref, protocol, wanted)
    for owner in failed:
        for rule_id in owners.get(owner, []):
            updates[rule_id] = {'state': constants.ACCESS_STATE_ERROR}
    return updates

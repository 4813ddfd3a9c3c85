# SPDX-License-Identifier: Apache-2.0
"""What NFS and CIFS shares have in common: the closed state a share starts
in, its export locations, and the one routine that makes an access list on the
array equal to the list Manila wants (:func:`sync_list`).

A new share is closed one of two ways (:meth:`Protocol.close_new_share`):

* unexported (NFS): both protocols off as settings of the share's own. A
  share nobody may reach needs no export; the first 'ip' rule turns NFS on
  and writes a list holding the rules (``sync_network``), so the share is
  open to every host only between that on and that write, the unavoidable
  window of any export. Its export location is known before NFS is on: the
  mount point.
* exported with the closed list (CIFS): SMB on, NFS off, an empty SMB
  network list and file ACL. A share's SMB name is only known to be its own
  once SMB is on: C27 (docs/protocol-choices.md) checks the default name
  ``<project>_<share>`` against the names other shares chose when the share
  starts being exported under it, and another share may have chosen it
  before this one existed. Left unexported, a new CIFS share would be
  reported to Manila at ``\\\\address\\<project>_<share>``, which may be
  another share's export, and the conflict would only show at its first
  rule, after Manila handed the location out. Turning SMB on at creation
  refuses such a share there (the creation fails and is undone).
"""

from oslo_log import log

from tegile_intelliflash.client import errors as client_errors

LOG = log.getLogger(__name__)


class BadRule(Exception):
    """An access rule this driver cannot apply (reported as 'error')."""


def sync_list(ref, what, want, current, write, key=None, sort_key=None,
              closed=None):
    """Make one access list of a share hold exactly the rules of ``want``.

    ``want`` maps a rule's identity to the rule; ``current`` is the list on
    the array (None: not known, the list is written whatever it holds);
    ``write(rules)`` sets the whole list; ``key(rule)`` is what
    two equal rules share. ``closed``: the single entry written instead of
    an empty list (an NFS list must never be empty: that opens the share to
    every host).

    Writes nothing when the lists already agree. When the array refuses the
    list, applies it rule by rule, keeping the entries it accepts. Returns
    the identities of the wanted rules the array does not hold: the list is
    not read back, since a write the array answered holds what it wrote (a
    write whose reply was lost is checked by the client against what it
    wrote).
    """
    key = key or (lambda rule: rule)
    target = sorted(want.values(), key=sort_key)
    if not target and closed is not None:
        target = [closed]
    if current is not None and \
            set(map(key, current)) == set(map(key, target)):
        return []
    accepted = target
    try:
        write(target)
    except client_errors.InvalidArgumentError as err:
        LOG.warning('Share %(path)s: the array refused the %(what)s '
                    '(%(err)s); applying rule by rule.',
                    {'path': ref.path, 'what': what, 'err': err})
        accepted = []
        for rule in target:
            try:
                write(accepted + [rule])
                accepted.append(rule)
            except client_errors.InvalidArgumentError:
                pass
        if not accepted:
            # Every refused write left the list as it was before this call,
            # entries Manila is taking away included: write the empty list
            # (NFS: the closed entry) so that a denied rule loses access
            # even when every rule that stays is refused.
            empty = [closed] if closed is not None else []
            if current is None or \
                    set(map(key, current)) != set(map(key, empty)):
                write(empty)
    applied = set(map(key, accepted))
    return [rule_id for rule_id, rule in want.items()
            if key(rule) not in applied]


def _contradicts(info, protocol, on):
    """The share's reply says its sharing of ``protocol`` is not its own, or
    not ``on`` (a reply without these keys says nothing)."""
    return info.owns_sharing(protocol) is False or \
        info.sharing(protocol) is (not on)


class Protocol(object):
    """One file protocol of the array, as the driver uses it."""

    #: Manila's name of the protocol ('NFS', 'CIFS').
    name = None
    #: The array's name of it ('nfs', 'smb').
    wire = None
    #: Whether a new share is exported (this protocol on, closed list) or
    #: left unexported until its first rule (see the module's docstring).
    exported_when_new = True

    def set_sharing(self, client, ref, enabled):
        """Turn the share's own sharing of this protocol on or off."""
        client.set_sharing(self.wire, ref, enabled)

    def closed_network_list(self):
        """The network ACL list of a share nobody may reach."""
        raise NotImplementedError()

    def network_rule(self, access_to, level):
        """The network ACL entry of an 'ip' rule (BadRule if refused)."""
        raise NotImplementedError()

    def sync_network(self, backend, ref, info, want):
        """Set the network ACL list to ``want``; return the keys that
        failed. Only a protocol that takes 'ip' rules has anything to do."""
        return []

    def left_unexported(self, info):
        """The share (ShareInfo) is closed by this protocol being off as a
        setting of its own, as a new share is until its first rule. Never
        for a protocol whose new shares are exported: there, off says
        someone unexported the share."""
        return not self.exported_when_new and \
            info.sets_sharing(self.wire, False)

    def is_open_to_all(self, client, ref):
        """Whether the share's network list lets every host in."""
        return False

    def export_path(self, server, info, ref):
        raise NotImplementedError()

    def parse_export_path(self, path):
        """What a manage request's export path names (None: not ours)."""
        raise NotImplementedError()

    def not_an_export_path(self, path):
        """Why ``path`` cannot be managed (parse_export_path gave None)."""
        raise NotImplementedError()

    def prepare_access(self, client, ref, other):
        """Turn the share's protocol on, ``other``'s off, and close it.

        Leaves the share with no access at all: the network list holds only
        the closed list (NFS: the no-access entry; SMB: empty), the file ACL
        is empty.
        """
        other.set_sharing(client, ref, False)
        self.set_sharing(client, ref, True)
        try:
            closed = self.closed_network_list()
            current = client.get_network_acls(self.wire, ref)
            if set(current) != set(closed):
                client.set_network_acls(self.wire, ref, closed)
            if client.get_user_acls(ref):
                client.set_user_acls(ref, [])
        except client_errors.IntelliFlashError:
            # Turned on, the share may be exported with an empty list (an
            # NFS one to every host): off until its rules are applied.
            self.unexport_quietly(client, ref)
            raise

    def unexport_quietly(self, client, ref):
        """Turn this protocol off on the share after it was turned on for
        an access list whose write failed (or whose outcome is unknown);
        never raises (the failure is the write's)."""
        try:
            self.set_sharing(client, ref, False)
        except client_errors.IntelliFlashError as err:
            LOG.error('Share %(path)s: %(proto)s was turned on for its '
                      'access list, whose write failed, and could not be '
                      'turned off again: it may be exported with an empty '
                      'list until its rules are applied: %(err)s',
                      {'path': ref.path, 'proto': self.name, 'err': err})
        else:
            LOG.warning('Share %(path)s: its %(proto)s access list could '
                        'not be written; %(proto)s is off again (not '
                        'exported).', {'path': ref.path, 'proto': self.name})

    def close_new_share(self, backend, ref, other):
        """Give a share just created (or cloned) its own sharing settings,
        closed; return its ShareInfo.

        ``other``'s sharing off, and this protocol's off
        (``exported_when_new`` False: nobody may reach an unexported share)
        or on with the closed list written. Writes without reading first:
        turning a protocol on clears the share's list of it when the state
        changes, and when it does not (the project has it on) the share
        copies the project's list, so the closed list is always written
        (getProject does not tell the project's sharing state; reading it
        would cost the call saved). Each setting is written, never left to
        the project: an inherited "off" changes when the project does. The
        one read at the end gives the mount point (or SMB name) for the
        export locations and checks what was written: both sharing settings
        the share's own and as written, the file ACL empty (emptied when
        not; a clone, or a share whose project's ACL is inherited, may hold
        one).
        """
        client = backend.client
        on = self.exported_when_new
        other.set_sharing(client, ref, False)
        self.set_sharing(client, ref, on)
        if on:
            client.set_network_acls(self.wire, ref,
                                    self.closed_network_list())
        info = client.get_share(ref)
        if _contradicts(info, self.wire, on) or \
                _contradicts(info, other.wire, False):
            raise client_errors.IntelliFlashError(
                'share %s does not hold the sharing settings just written '
                '(%s %s, %s off, as settings of its own)'
                % (ref.path, self.wire, 'on' if on else 'off', other.wire))
        if info.user_acls:
            client.set_user_acls(ref, [])
        return info

    def export_locations(self, backend, ref, info=None):
        """Manila export locations: the array's floating IPs serving the
        pool, else the management address. ``info``: the share's current
        ShareInfo when the caller holds one (saves a read).

        Given whether this protocol is on or not: an unexported share is
        reached there once its first rule turns the protocol on, and
        Manila takes the locations at creation."""
        if info is None:
            info = backend.client.get_share(ref)
        locations = backend.client.export_locations(
            ref, share_info=info, floating_ips=backend.floating_ips(),
            protocols=[self.wire])
        paths = locations.get(self.wire) or []
        if not paths:
            paths = self._fallback_locations(backend, ref, info)
        return [{
            'path': path,
            'is_admin_only': False,
            'metadata': {'preferred': index == 0},
        } for index, path in enumerate(paths)]

    def _fallback_locations(self, backend, ref, info):
        """Export paths on the management address when no floating IP serves
        the pool (what the in-tree driver always used)."""
        server = backend.server
        LOG.warning('No floating IP serves pool %(pool)s: the export location '
                    'of %(path)s uses the management address %(server)s.',
                    {'pool': ref.pool, 'path': ref.path, 'server': server})
        return [self.export_path(server, info, ref)]

    def find_managed(self, read, project, items, wanted):
        """(name, ShareInfo) of the share of ``items`` (ShareInfo from
        listShares) exported as ``wanted``, or None; ``read(name)`` reads
        one."""
        raise NotImplementedError()

    def default_name(self, project, wanted):
        """The name of the share of ``project`` that ``wanted`` names when
        it is the share's default export (mount point or SMB name), or
        None: that share is read before the project's shares are looked
        through."""
        raise NotImplementedError()

    def exported_as(self, info, wanted):
        """Whether the share ``info`` (a ShareInfo) is exported as
        ``wanted``."""
        raise NotImplementedError()

    def foreign_project(self, wanted, project):
        """The other project an export path names, if it says so."""
        return None

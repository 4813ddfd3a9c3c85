# -*- coding: utf-8 -*-
# Copyright: tegile.intelliflash contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Line-preserving editor for oslo.config INI files (manila.conf).

The parser follows ``oslo_config.iniparser`` exactly (section headers in column 0, ``#``/``;``
comments, ``key = value`` or ``key: value``, continuation lines that start with white space, one
pair of matching quotes stripped from a value), so what this module reads is what Manila reads.

Every line the caller does not change is kept byte for byte (including its line ending):
editing one key rewrites that key's line(s) only; removing a section removes its header and body
but keeps a comment block attached to the next section's header.

Only the standard library is used; the code runs on Python 3.8+, as Ansible module_utils must.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import re

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
SECTION_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

# Keys whose values are never shown in a diff, whatever section they are in (other vendors'
# passwords, the message bus and database URLs carry credentials too). It covers every option
# declared secret=True in Manila's oslo.config namespaces, among them [database]
# slave_connection/asyncio_*connection, [coordination]-style backend_url, hdfs_ssh_pw,
# maprfs_ssh_pw, flashblade_api, [profiler] hmac_keys and [vault] approle_role_id.
SENSITIVE_KEY_RE = re.compile(
    r"(passw|_pw$|secret|token|credential|private_key|hmac_key|role_id|api_key|flashblade_api$"
    r"|transport_url|backend_url|connection$)", re.I)

_TRUE = ("true", "1", "on", "yes")
_FALSE = ("false", "0", "off", "no")
REDACTED = "********"


class IniError(ValueError):
    """A file that oslo.config itself could not parse, or a value that cannot be written."""


class _Line(object):
    __slots__ = ("raw", "kind", "key")

    def __init__(self, raw, kind, key=None):
        self.raw = raw
        self.kind = kind  # blank | comment | section | key | cont
        self.key = key  # key name for "key"; section name for "section"


def _split_lines(text):
    """The lines of ``text`` as oslo.config gets them from ``open(path).readlines()``.

    A text file ends lines at ``\\n``, ``\\r`` and ``\\r\\n`` only. ``str.splitlines`` also ends
    them at ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029: a value holding one
    of those (a password with a Unicode line separator) would be read cut short, rewritten on
    every run, and its tail shown in the diff as a line of its own. ``newline=""`` splits the
    same way as oslo's file object and keeps every line ending as it is.
    """
    return io.StringIO(text, newline="").readlines()


def _strip_eol(raw):
    return raw.rstrip("\r\n")


def _split_key_value(text):
    """oslo_config.iniparser.BaseParser._split_key_value, on a line without its ending."""
    colon = text.find(":")
    equal = text.find("=")
    if colon < 0 and equal < 0:
        return None, None
    if colon < 0 or (0 <= equal < colon):
        key, value = text[:equal], text[equal + 1:]
    else:
        key, value = text[:colon], text[colon + 1:]
    value = value.strip()
    if value and value[0] == value[-1] and value.startswith(('"', "'")):
        value = value[1:-1]
    return key.strip(), value


def parse_bool(value):
    """oslo.config's Boolean type: returns True/False, or None when not a boolean."""
    if isinstance(value, bool):
        return value
    low = str(value).strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def split_list(value):
    """A ListOpt value as oslo.config reads it (comma separated, blanks dropped)."""
    if value is None:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def encode_value(value, escape_dollar=False, field="value"):
    """Turn a Python value into the text written after ``key = ``.

    Booleans become ``True``/``False``, numbers their decimal form, lists comma-joined. A string
    with leading/trailing white space or wrapped in matching quotes is quoted so that oslo.config
    reads it back unchanged; ``escape_dollar`` doubles ``$`` (oslo.config interpolates ``$name``),
    which is what a password needs. Line breaks are refused (naming ``field``).
    """
    if isinstance(value, bool):
        text = "True" if value else "False"
    elif isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            item = encode_value(item, field=field)
            if "," in item:
                raise IniError("%s: list items cannot contain a comma" % field)
            parts.append(item)
        text = ",".join(parts)
    else:
        text = str(value)
        if escape_dollar:
            text = text.replace("$", "$$")
    if "\n" in text or "\r" in text:
        raise IniError("%s: line breaks are not allowed in a manila.conf value" % field)
    if text != text.strip() or (text and text[0] == text[-1] and text[0] in "\"'"):
        text = '"%s"' % text
    return text


def decode_value(text, escape_dollar=False):
    """What oslo.config reads from ``text`` written after ``key = `` (inverse of encode_value)."""
    value = _split_key_value("k=" + text)[1]
    if escape_dollar:
        value = value.replace("$$", "$")
    return value


def values_equal(current, wanted_text, boolean=True):
    """Compare a value read from the file with the text we would write, the way oslo reads both.

    ``boolean``: the wanted value is a boolean, so any spelling oslo reads as the same boolean
    (``true``/``on``/``yes``/``1``...) is equal; a string option compares as text.
    """
    if current is None:
        return False
    # Compare the text as written, '$' escapes included, even for a literal (escape_dollar)
    # value: un-escaping the file's side took a password written as "Pa$word" (which oslo.config
    # reads as an interpolation of $word, failing) for the wanted "Pa$$word", so a wrong file was
    # never corrected. The wanted text doubles every '$'; a file value that does too is equal.
    new = decode_value(wanted_text)
    if current == new:
        return True
    if not boolean:
        return False
    cur_b, new_b = parse_bool(current), parse_bool(new)
    if cur_b is not None and new_b is not None and not current.isdigit() and not new.isdigit():
        return cur_b == new_b
    return False


class IniDocument(object):
    """An oslo.config INI file, kept line by line."""

    def __init__(self, text=""):
        first = text.find("\n")
        self.newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        self.lines = []
        self._parse(text)

    # -- parsing -----------------------------------------------------------------------------
    def _parse(self, text):
        previous_key = False
        in_section = False
        for lineno, raw in enumerate(_split_lines(text), 1):
            body = raw.rstrip()
            if not body:
                self.lines.append(_Line(raw, "blank"))
                previous_key = False
            elif raw[0] in " \t":
                if not previous_key:
                    # Never echo the line: it may be the rest of a wrapped password or URL.
                    raise IniError("line %d: continuation line without a key (the line starts with white space "
                                   "and follows a blank line, a comment or a section header)" % lineno)
                self.lines.append(_Line(raw, "cont"))
            elif body.startswith("["):
                if not body.endswith("]"):
                    raise IniError("line %d: section header without a closing bracket" % lineno)
                if len(body) <= 2:
                    raise IniError("line %d: section header without a name" % lineno)
                self.lines.append(_Line(raw, "section", body[1:-1]))
                previous_key = False
                in_section = True
            elif body.startswith(("#", ";")):
                self.lines.append(_Line(raw, "comment"))
                previous_key = False
            else:
                key = _split_key_value(body)[0]
                if not in_section:
                    # oslo.config: "Section must be started before assignment". Only an option's
                    # name is shown, never a value or a line without '='/':' (it may be a secret).
                    if key:
                        raise IniError("line %d: option %r before the first section header" % (lineno, key[:40]))
                    raise IniError("line %d: text before the first section header" % lineno)
                if key is None:
                    raise IniError("line %d: neither 'key = value' nor a section header nor a comment" % lineno)
                if not key:
                    raise IniError("line %d: empty key" % lineno)
                self.lines.append(_Line(raw, "key", key))
                previous_key = True

    def text(self):
        return "".join(line.raw for line in self.lines)

    # -- structure ---------------------------------------------------------------------------
    def _section_spans(self, name):
        """(header index, end index) of every occurrence of section ``name`` (end exclusive)."""
        spans = []
        for idx, line in enumerate(self.lines):
            if line.kind == "section" and line.key == name:
                end = idx + 1
                while end < len(self.lines) and self.lines[end].kind != "section":
                    end += 1
                spans.append((idx, end))
        return spans

    def sections(self):
        seen = []
        for line in self.lines:
            if line.kind == "section" and line.key not in seen:
                seen.append(line.key)
        return seen

    def has_section(self, name):
        return bool(self._section_spans(name))

    def sections_like(self, name):
        """Sections that oslo.config reads as group ``name``: it compares names other than
        DEFAULT case-insensitively ([LVM1] and [lvm1] are one group)."""
        if name == "DEFAULT":
            return ["DEFAULT"] if self.has_section("DEFAULT") else []
        low = name.lower()
        return [sec for sec in self.sections() if sec != "DEFAULT" and sec.lower() == low]

    def _entries(self, name, key=None):
        """(start, end) of every assignment of ``key`` (or every key) in section ``name``."""
        found = []
        for start, end in self._section_spans(name):
            idx = start + 1
            while idx < end:
                line = self.lines[idx]
                if line.kind == "key" and (key is None or line.key == key):
                    stop = idx + 1
                    while stop < end and self.lines[stop].kind == "cont":
                        stop += 1
                    found.append((idx, stop))
                idx += 1
        return found

    def _entry_value(self, start, end):
        value = _split_key_value(_strip_eol(self.lines[start].raw).rstrip())[1]
        parts = [value] + [_strip_eol(line.raw).strip() for line in self.lines[start + 1:end]]
        return "\n".join(parts)

    def get(self, section, key):
        """The value oslo.config would use (the last assignment), or None."""
        entries = self._entries(section, key)
        if not entries:
            return None
        return self._entry_value(*entries[-1])

    def items(self, section):
        result = []
        for start, end in self._entries(section):
            result.append((self.lines[start].key, self._entry_value(start, end)))
        return result

    # -- editing -----------------------------------------------------------------------------
    def _ensure_trailing_newline(self):
        if self.lines and not self.lines[-1].raw.endswith(("\n", "\r")):
            self.lines[-1].raw += self.newline

    def _key_line(self, key, text):
        return _Line("%s = %s%s" % (key, text, self.newline), "key", key)

    def add_section(self, name):
        """Append an empty section (at the top of the file for DEFAULT)."""
        if self.has_section(name):
            return
        header = _Line("[%s]%s" % (name, self.newline), "section", name)
        if name == "DEFAULT":
            new = [header]
            if self.lines:
                new.append(_Line(self.newline, "blank"))
            self.lines[0:0] = new
            return
        self._ensure_trailing_newline()
        if self.lines and self.lines[-1].kind != "blank":
            self.lines.append(_Line(self.newline, "blank"))
        self.lines.append(header)

    def set(self, section, key, text):
        """Set ``key`` to the already encoded ``text``. Returns True when the file changed."""
        entries = self._entries(section, key)
        if entries:
            start, end = entries[-1]
            new_line = self._key_line(key, text)
            if end - start == 1 and self.lines[start].raw.rstrip("\r\n") == new_line.raw.rstrip("\r\n"):
                return False
            eol = self.newline
            old_raw = self.lines[end - 1].raw
            if old_raw.endswith("\r\n"):
                eol = "\r\n"
            elif old_raw.endswith("\n"):
                eol = "\n"
            elif end == len(self.lines):
                eol = ""
            new_line.raw = new_line.raw.rstrip("\r\n") + eol
            self.lines[start:end] = [new_line]
            return True
        if not self.has_section(section):
            self.add_section(section)
        start, end = self._section_spans(section)[-1]
        keys = self._entries(section)
        last_in_span = [e for e in keys if start < e[0] < end]
        insert_at = last_in_span[-1][1] if last_in_span else start + 1
        if insert_at > 0:
            prev = self.lines[insert_at - 1]
            if not prev.raw.endswith(("\n", "\r")):
                prev.raw += self.newline
        self.lines.insert(insert_at, self._key_line(key, text))
        return True

    def remove(self, section, key):
        """Remove every assignment of ``key`` in ``section``. Returns True when the file changed."""
        entries = self._entries(section, key)
        for start, end in reversed(entries):
            del self.lines[start:end]
        return bool(entries)

    def remove_section(self, name):
        """Remove every occurrence of section ``name``. Returns True when the file changed."""
        spans = self._section_spans(name)
        for start, end in reversed(spans):
            stop = end
            was_last = end == len(self.lines)
            if not was_last:
                # Keep a comment block written directly above the next section's header.
                keep = end
                while keep - 1 > start and self.lines[keep - 1].kind == "comment":
                    keep -= 1
                stop = keep
            del self.lines[start:stop]
            if was_last:
                # The section was the last one: drop the blank separator lines left behind.
                while self.lines and self.lines[-1].kind == "blank":
                    self.lines.pop()
        return bool(spans)

    # -- display -----------------------------------------------------------------------------
    def redacted_text(self, secret_keys=(), changed_secrets=()):
        """The file with the value of every secret or credential-bearing key hidden."""
        out = []
        skip_cont = False
        current = None
        for line in self.lines:
            if line.kind == "section":
                current = line.key
            if line.kind == "cont" and skip_cont:
                continue
            skip_cont = False
            if line.kind == "key" and (line.key in secret_keys or SENSITIVE_KEY_RE.search(line.key)):
                marker = REDACTED
                if (current, line.key) in changed_secrets:
                    marker += " (changed)"
                out.append("%s = %s\n" % (line.key, marker))
                skip_cont = True
                continue
            out.append(_strip_eol(line.raw) + "\n")
        return "".join(out)

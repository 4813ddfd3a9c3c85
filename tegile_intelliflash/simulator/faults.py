# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Control-plane state that is not the array's: call counters, injected faults, delays.

This state lives in memory (a restart clears it); the array's own state is in the store.
"""

import collections
import dataclasses
import email.utils
import hashlib
import random
import threading
import time
import typing

from .errors import ApiError, INVALID_ARGUMENT

# Entries kept by the call log (oldest dropped first): enough for a reliability run between
# two resets, bounded so a long-running simulator never grows.
CALL_LOG_MAX = 20000

FAULT_KEYS = (
    "error_rate", "status", "latency_ms", "reset_rate", "drop_reply_rate", "methods", "seed",
    "count", "proxy_timeout_ms", "retry_after", "retry_after_date", "trickle_ms",
    "trickle_bytes",
)
# C36: a Retry-After in delta-seconds counts as at most 2^31 (RFC 9111 §1.2.2); a value sent as
# written is one printable ASCII header line.
RETRY_AFTER_MAX = 2 ** 31
RETRY_AFTER_TEXT_MAX = 256
# The largest piece of a trickled reply (C37): one TLS record.
MAX_TRICKLE_BYTES = 16384


class CallCounter:
    """Counts every authenticated array API call (v2 and openstack), failed ones included,
    and keeps a bounded log of them (``/sim/v1/calls/log``)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.total = self.reads = self.writes = 0
        self.by_method = {}
        self._log = collections.deque(maxlen=CALL_LOG_MAX)
        self._logged = 0

    def reset(self):
        with self._lock:
            self.total = 0
            self.reads = 0
            self.writes = 0
            self.by_method = {}
            self._log.clear()
            self._logged = 0

    def count(self, name, write):
        with self._lock:
            self.total += 1
            if write:
                self.writes += 1
            else:
                self.reads += 1
            self.by_method[name] = self.by_method.get(name, 0) + 1

    def log_call(self, name, write, body):
        """Start a log entry for one call; the caller fills ``fault`` and ``outcome``.

        ``body`` is kept only as a digest: two entries with one digest carried the same
        arguments, which is what tells a re-sent write from a new one.
        """
        entry = {"method": name, "write": bool(write),
                 "digest": hashlib.sha256(body or b"").hexdigest()[:16],
                 "start": time.time(), "end": None, "fault": None, "outcome": None,
                 "reply_bytes": None}
        with self._lock:
            self._logged += 1
            entry["seq"] = self._logged
            self._log.append(entry)
        return entry

    def log(self):
        with self._lock:
            entries = [dict(entry) for entry in self._log]
            return {"entries": entries, "dropped": self._logged - len(entries)}

    def snapshot(self):
        with self._lock:
            return {
                "total": self.total,
                "reads": self.reads,
                "writes": self.writes,
                "by_method": dict(sorted(self.by_method.items())),
            }


@dataclasses.dataclass
class Decision:
    """What to do to one call: sleep ``latency_ms``, then at most one of error/reset/drop.

    ``proxy_timeout_ms``: a proxy in front of the array answers 504 after that long when the
    call takes longer (its latency), while the array goes on and applies the call.

    ``trickle_ms``: the reply (status line, headers, body) leaves in pieces of ``trickle_bytes``,
    that long apart (a slow array or proxy, C37); the call itself runs as usual."""

    latency_ms: int = 0
    error_status: typing.Optional[int] = None
    reset: bool = False
    drop_reply: bool = False
    proxy_timeout_ms: typing.Optional[int] = None
    retry_after: typing.Union[int, str, None] = None
    retry_after_date: bool = False
    trickle_ms: int = 0
    trickle_bytes: int = 1

    def retry_after_header(self, now):
        """The ``Retry-After`` value of the error reply at ``now`` (epoch seconds), or None:
        delta-seconds, the HTTP-date that many seconds later, or a text as written (C36)."""
        if self.retry_after is None:
            return None
        if self.retry_after_date:
            return email.utils.formatdate(int(now) + self.retry_after, usegmt=True)
        return str(self.retry_after)

    @property
    def proxy_gives_up(self):
        return self.proxy_timeout_ms is not None and self.latency_ms > self.proxy_timeout_ms

    @property
    def any(self):
        return bool(self.latency_ms or self.error_status or self.reset or self.drop_reply
                    or self.trickle_ms)


def _rate(config, key):
    value = config.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ApiError(INVALID_ARGUMENT, "%s must be a number between 0 and 1" % key)
    return float(value)


# C34: a delay or an injected latency beyond an hour is a mistake, and a sleep that long would
# hold a server thread (and a stored "ready at" time) for good.
MAX_DELAY_MS = 3600 * 1000


def _non_negative_int(config, key, default, maximum=None):
    value = config.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ApiError(INVALID_ARGUMENT, "%s must be a non-negative integer" % key)
    if maximum is not None and value > maximum:
        raise ApiError(INVALID_ARGUMENT, "%s must be at most %d, got %d" % (key, maximum, value))
    return value


def _retry_after(config):
    """``retry_after``: None, delta-seconds (0 to 2^31) or a header text (C36)."""
    value = config.get("retry_after")
    if value is None or (isinstance(value, int) and not isinstance(value, bool)
                         and 0 <= value <= RETRY_AFTER_MAX):
        return value
    if isinstance(value, str):
        if len(value) > RETRY_AFTER_TEXT_MAX or any(not " " <= ch <= "~" for ch in value):
            raise ApiError(INVALID_ARGUMENT, "retry_after must be printable ASCII of at most "
                                             "%d characters" % RETRY_AFTER_TEXT_MAX)
        return value
    raise ApiError(INVALID_ARGUMENT, "retry_after must be whole seconds from 0 to %d or a "
                                     "header text" % RETRY_AFTER_MAX)


class FaultInjector:
    """Fault configuration set through ``/sim/v1/faults``; decides per call, thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._config = None
        self._rng = random.Random()
        self._remaining = None
        self.fired = 0

    def configure(self, config):
        if not isinstance(config, dict):
            raise ApiError(INVALID_ARGUMENT, "fault configuration must be a JSON object")
        unknown = sorted(set(config) - set(FAULT_KEYS))
        if unknown:
            raise ApiError(INVALID_ARGUMENT, "unknown fault settings: %s" % ", ".join(unknown))
        clean = {
            "error_rate": _rate(config, "error_rate"),
            "reset_rate": _rate(config, "reset_rate"),
            "drop_reply_rate": _rate(config, "drop_reply_rate"),
            "latency_ms": _non_negative_int(config, "latency_ms", 0, MAX_DELAY_MS),
            "status": _non_negative_int(config, "status", 503),
            "proxy_timeout_ms": _non_negative_int(config, "proxy_timeout_ms", None),
            "retry_after": _retry_after(config),
            "retry_after_date": config.get("retry_after_date", False),
            "trickle_ms": _non_negative_int(config, "trickle_ms", 0, MAX_DELAY_MS),
            "trickle_bytes": _non_negative_int(config, "trickle_bytes", 1, MAX_TRICKLE_BYTES),
            "seed": config.get("seed"),
            "count": config.get("count"),
            # null means "all", as for the other keys; any other falsy value (false, 0, "",
            # {}) is a mistake and must not widen the faults to every method.
            "methods": [] if config.get("methods") is None else config["methods"],
        }
        if clean["trickle_bytes"] < 1:
            raise ApiError(INVALID_ARGUMENT, "trickle_bytes must be at least 1")
        if not 400 <= clean["status"] <= 599:
            raise ApiError(INVALID_ARGUMENT, "status must be an HTTP error status (400-599)")
        if not isinstance(clean["retry_after_date"], bool):
            raise ApiError(INVALID_ARGUMENT, "retry_after_date must be true or false")
        if clean["retry_after_date"] and not isinstance(clean["retry_after"], int):
            raise ApiError(INVALID_ARGUMENT, "retry_after_date needs retry_after in whole "
                                             "seconds")
        if clean["count"] is not None:
            clean["count"] = _non_negative_int(config, "count", None)
        if clean["seed"] is not None and (isinstance(clean["seed"], bool) or
                                          not isinstance(clean["seed"], (int, str))):
            raise ApiError(INVALID_ARGUMENT, "seed must be an integer or a string")
        methods = clean["methods"]
        if not isinstance(methods, list) or not all(isinstance(m, str) and m for m in methods):
            raise ApiError(INVALID_ARGUMENT, "methods must be a list of method names")
        with self._lock:
            self._config = clean
            self._rng = random.Random(clean["seed"])
            self._remaining = clean["count"]
            self.fired = 0
        return self.describe()

    def clear(self):
        with self._lock:
            self._config = None
            self._remaining = None
            self.fired = 0

    def describe(self):
        with self._lock:
            if self._config is None:
                return {"active": False}
            out = dict(self._config)
            out["active"] = self._armed()
            out["remaining"] = self._remaining
            out["fired"] = self.fired
            return out

    def _armed(self):
        """A configuration is set and its ``count`` is not spent (the lock is held)."""
        return self._config is not None and (self._remaining is None or self._remaining > 0)

    def may_sleep(self):
        """Whether a call may be held by injected latency (or a proxy timeout, or a reply that
        trickles) now."""
        with self._lock:
            return self._armed() and self._sleeps()

    def _sleeps(self):
        return self._config["latency_ms"] > 0 or self._config["trickle_ms"] > 0

    def decide(self, method_names, may_sleep=True):
        """Return a ``Decision`` for a call known by any of ``method_names``.

        ``method_names`` holds the bare method name and, for the openstack service, its
        ``openstack.<name>`` form, so a ``methods`` filter may use either. ``may_sleep`` False: the
        call runs in the server's loop thread, chosen when no latency (or trickle) was configured
        (may_sleep); one configured since would hold every connection, so for this call the new
        configuration does not apply yet (as if it had come a moment later), and fires nothing.
        """
        with self._lock:
            if not self._armed() or (not may_sleep and self._sleeps()):
                return Decision()
            config = self._config
            if config["methods"] and not any(name in config["methods"] for name in method_names):
                return Decision()
            decision = Decision(latency_ms=config["latency_ms"],
                                proxy_timeout_ms=config["proxy_timeout_ms"],
                                trickle_ms=config["trickle_ms"],
                                trickle_bytes=config["trickle_bytes"])
            # One draw per kind, always in the same order, so a seed reproduces a sequence.
            draw_reset = self._rng.random()
            draw_drop = self._rng.random()
            draw_error = self._rng.random()
            if draw_reset < config["reset_rate"]:
                decision.reset = True
            elif draw_drop < config["drop_reply_rate"]:
                decision.drop_reply = True
            elif draw_error < config["error_rate"]:
                decision.error_status = config["status"]
                decision.retry_after = config["retry_after"]
                decision.retry_after_date = config["retry_after_date"]
            if decision.any:
                self.fired += 1
                if self._remaining is not None:
                    self._remaining -= 1
            return decision


class Delays:
    """``/sim/v1/delays``: how long new snapshots and clones report "in progress"."""

    def __init__(self):
        self._lock = threading.Lock()
        self.snapshot_ms = 0
        self.clone_ms = 0

    def configure(self, config):
        if not isinstance(config, dict):
            raise ApiError(INVALID_ARGUMENT, "delays must be a JSON object")
        unknown = sorted(set(config) - {"snapshot_ms", "clone_ms"})
        if unknown:
            raise ApiError(INVALID_ARGUMENT, "unknown delay settings: %s" % ", ".join(unknown))
        snapshot_ms = _non_negative_int(config, "snapshot_ms", self.snapshot_ms, MAX_DELAY_MS)
        clone_ms = _non_negative_int(config, "clone_ms", self.clone_ms, MAX_DELAY_MS)
        with self._lock:
            self.snapshot_ms = snapshot_ms
            self.clone_ms = clone_ms
        return self.describe()

    def describe(self):
        with self._lock:
            return {"snapshot_ms": self.snapshot_ms, "clone_ms": self.clone_ms}

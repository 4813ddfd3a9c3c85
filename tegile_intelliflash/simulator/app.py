# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The Flask application: array services, authentication, fault injection, control API.

Routes:
- ``/zebi/api/v2/<method>`` and ``/zebi/api/openstack/<method>``: the array (GET and POST);
- ``/sim/v1/...``: the simulator's own control API (same credentials).
"""

import hmac
import json
import logging
import threading
import time

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from . import core
from .args import Args, parse_body
from .errors import ApiError, INVALID_ARGUMENT, PERMISSION_DENIED
from .faults import CallCounter, Delays, FaultInjector
from .registry import VOID, Context
from .routes import OPENSTACK, V2
from .server import ABORT_KEY, TRICKLE_KEY, ConnectionStats
from .ops import datasets

LOG = logging.getLogger("tegile_intelliflash.simulator")

REALM = "IntelliFlash"
# Set in the environ of a request the server runs in its loop thread (Simulator.runs_inline).
INLINE_KEY = "intelliflash.sim.inline"
_ARRAY_PATHS = ("/zebi/api/v2/", "/zebi/api/openstack/")


class ConnectionCut(ConnectionAbortedError):
    """Raised by the app to make the server cut the client connection (reset/drop faults)."""


def _json(value, status=200, headers=None):
    body = b"" if value is VOID else json.dumps(value).encode("utf-8")
    return Response(body, status=status, mimetype="application/json", headers=headers)


def _api_error(exc):
    return _json(exc.to_model(), status=500)


def _cut_connection():
    """Ask ``_CutConnectionMiddleware`` to cut the connection instead of sending this reply."""
    request.environ[ABORT_KEY] = True
    return Response(b"", status=500)


class _CutConnectionMiddleware:
    """Outside Flask (which would turn any exception into a 500 reply): when a view marked the
    environ, raise ``ConnectionCut`` to the server instead of returning the reply."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        result = self.wsgi_app(environ, start_response)
        if environ.get(ABORT_KEY):
            if hasattr(result, "close"):
                result.close()
            raise ConnectionCut("connection cut by fault injection")
        return result


class Simulator:
    """Shared state of one running simulator (store, credentials, counters, faults, delays)."""

    def __init__(self, store, user, password):
        self.store = store
        self.user = user
        self._password = password
        self.calls = CallCounter()
        self.faults = FaultInjector()
        self.delays = Delays()
        self.connections = ConnectionStats()

    def __repr__(self):
        return "Simulator(user=%r, store=%r)" % (self.user, self.store.path)

    def runs_inline(self, environ):
        """Whether a request may run in the server's loop thread (server.py), holding every
        other connection meanwhile: an array call, unless it may sleep (injected latency) or
        take a second (a listSnapshots pattern, pattern.MAX_STEPS). Control calls run in
        threads of their own."""
        path = environ["PATH_INFO"]
        inline = (path.startswith(_ARRAY_PATHS) and not path.endswith("/listSnapshots")
                  and not self.faults.may_sleep())
        environ[INLINE_KEY] = inline
        return inline

    def check_auth(self):
        try:
            auth = request.authorization
        except ValueError:
            # werkzeug base64-decodes a Basic token that is not ASCII ("Basic \xff") as str
            # and raises: unreadable credentials are no credentials (401, C4), not a 500.
            return False
        if auth is None or auth.type != "basic":
            return False
        user_ok = hmac.compare_digest((auth.username or "").encode(), self.user.encode())
        password_ok = hmac.compare_digest((auth.password or "").encode(), self._password.encode())
        return user_ok and password_ok


def _not_text(exc):
    """A string of the request that reached the store holding a lone surrogate (a JSON
    ``"\\ud800"`` escape is valid JSON but no Unicode text): no rule of its field refused it
    first (C5, C17, C31 do), and the store can neither hold nor look it up (C1)."""
    bad = " ".join("U+%04X" % ord(ch) for ch in exc.object[exc.start:exc.end])
    return ApiError(INVALID_ARGUMENT, "a string argument holds %s, a lone surrogate: not "
                                      "Unicode text" % bad)


def create_app(sim):
    app = Flask("tegile_intelliflash.simulator")
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.json.sort_keys = False

    @app.before_request
    def authenticate():
        if not sim.check_auth():
            body = {"code": PERMISSION_DENIED, "message": "authentication required"}
            return _json(body, 401, {"WWW-Authenticate": 'Basic realm="%s"' % REALM})
        return None

    @app.errorhandler(ApiError)
    def on_api_error(exc):
        return _api_error(exc)

    @app.errorhandler(HTTPException)
    def on_http_error(exc):
        return _json({"code": "EZEBI_GENERAL", "message": exc.description}, exc.code)

    def dispatch(registry, name, counter_name, fault_names):
        method = registry.get(name)
        sim.calls.count(counter_name, bool(method and method.write))
        if method is None:
            return _json(
                {"code": "EZEBI_GENERAL", "message": "unknown %s method: %s"
                 % (registry.service, name)}, 404)
        body = request.get_data(cache=False)
        entry = sim.calls.log_call(counter_name, method.write, body)
        try:
            return _execute(method, name, counter_name, fault_names, body, entry)
        finally:
            if entry["fault"] != "proxy 504":  # that call ends later, in its own thread
                entry["end"] = time.time()

    def _execute(method, name, counter_name, fault_names, body, entry):
        decision = sim.faults.decide(fault_names, may_sleep=not request.environ.get(INLINE_KEY))
        if decision.proxy_gives_up:
            return _proxy_timeout(method, name, counter_name, decision, body, entry)
        if decision.latency_ms:
            entry["fault"] = "latency"
            time.sleep(decision.latency_ms / 1000.0)
        if decision.trickle_ms:  # whatever reply goes out leaves slowly (server.py)
            entry["fault"] = "latency, trickle" if entry["fault"] else "trickle"
            request.environ[TRICKLE_KEY] = (decision.trickle_bytes, decision.trickle_ms / 1000.0)
        # outcome: "not executed" (cut or refused before the handler ran), "applied" (a
        # committed write), "ok" (a read), or the array error code the handler raised.
        entry["outcome"] = "not executed"
        if decision.reset:
            entry["fault"] = "reset"
            LOG.info("fault: reset connection on %s", counter_name)
            return _cut_connection()
        if decision.error_status:
            entry["fault"] = "http %d" % decision.error_status
            LOG.info("fault: HTTP %d on %s", decision.error_status, counter_name)
            text = "<html><body><h1>%d %s</h1>proxy error</body></html>" % (
                decision.error_status, HTTP_STATUS_CODES.get(decision.error_status, "Error"))
            retry_after = decision.retry_after_header(time.time())  # C36
            return Response(text, status=decision.error_status, mimetype="text/html",
                            headers=None if retry_after is None else {"Retry-After": retry_after})
        if decision.drop_reply:
            entry["fault"] = "drop reply"
        try:
            args = Args(name, parse_body(body))
            with sim.store.transaction(write=method.write) as txn:
                try:
                    result = method.func(Context(txn, time.time(), sim.delays, name), args)
                except UnicodeEncodeError as exc:
                    raise _not_text(exc) from None  # (rolls the transaction back)
        except ApiError as exc:
            entry["outcome"] = exc.code
            if decision.drop_reply:  # the error reply is lost too
                LOG.info("fault: error reply dropped on %s", counter_name)
                return _cut_connection()
            raise
        entry["outcome"] = "applied" if method.write else "ok"
        if decision.drop_reply:
            LOG.info("fault: reply dropped on %s (applied)", counter_name)
            return _cut_connection()
        response = _json(result)
        entry["reply_bytes"] = response.content_length
        return response

    def _proxy_timeout(method, name, counter_name, decision, body, entry):
        """A proxy gives up after ``proxy_timeout_ms`` and answers 504, while the array goes
        on: the call runs in the background and commits when its latency has passed (its log
        entry gets its outcome and end time then; until then both are None: the call is still
        under way, not "not executed")."""
        entry["fault"] = "proxy 504"

        def run_late():
            time.sleep(decision.latency_ms / 1000.0)
            try:
                args = Args(name, parse_body(body))
                with sim.store.transaction(write=method.write) as txn:
                    method.func(Context(txn, time.time(), sim.delays, name), args)
                entry["outcome"] = "applied" if method.write else "ok"
                LOG.info("fault: %s applied after its proxy answered 504", counter_name)
            except ApiError as exc:
                entry["outcome"] = exc.code
                LOG.info("fault: %s failed after its proxy answered 504: %s", counter_name, exc)
            # No one to answer any more: log whatever went wrong.
            except Exception as exc:  # pylint: disable=broad-except
                entry["outcome"] = "not executed"  # rolled back
                LOG.error("fault: %s failed after its proxy answered 504: %s", counter_name, exc)
            entry["end"] = time.time()

        threading.Thread(target=run_late, name="late-" + name, daemon=True).start()
        time.sleep(decision.proxy_timeout_ms / 1000.0)
        LOG.info("fault: proxy timeout (HTTP 504) on %s; the call still runs", counter_name)
        return Response("<html><body><h1>504 Gateway Timeout</h1>proxy error</body></html>",
                        status=504, mimetype="text/html")

    @app.route("/zebi/api/v2/<name>", methods=["GET", "POST"])
    def v2_call(name):
        return dispatch(V2, name, name, (name,))

    @app.route("/zebi/api/openstack/<name>", methods=["GET", "POST"])
    def openstack_call(name):
        counter = "openstack." + name
        return dispatch(OPENSTACK, name, counter, (counter, name))

    # -- control API -------------------------------------------------------------------------
    def control_body():
        raw = request.get_data(cache=False)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ControlError("body is not valid JSON: %s" % exc) from None
        except RecursionError:
            # Not a Flask 500 (and a traceback in the log): a malformed request is the caller's.
            raise ControlError("body is nested too deeply") from None

    class ControlError(Exception):
        pass

    @app.errorhandler(ControlError)
    def on_control_error(exc):
        return _json({"error": str(exc)}, 400)

    def control(func):
        try:
            return func()
        except ApiError as exc:
            raise ControlError(exc.message) from None

    @app.get("/sim/v1/calls")
    def get_calls():
        return _json(sim.calls.snapshot())

    @app.get("/sim/v1/stats")
    def get_stats():
        return _json(sim.connections.snapshot())

    @app.get("/sim/v1/calls/log")
    def get_call_log():
        return _json(sim.calls.log())

    @app.post("/sim/v1/calls/reset")
    def reset_calls():
        sim.calls.reset()
        return _json(sim.calls.snapshot())

    @app.route("/sim/v1/faults", methods=["GET", "POST", "DELETE"])
    def faults():
        if request.method == "POST":
            return _json(control(lambda: sim.faults.configure(control_body())))
        if request.method == "DELETE":
            sim.faults.clear()
        return _json(sim.faults.describe())

    @app.route("/sim/v1/delays", methods=["GET", "POST"])
    def delays():
        if request.method == "POST":
            return _json(control(lambda: sim.delays.configure(control_body())))
        return _json(sim.delays.describe())

    @app.post("/sim/v1/used")
    def set_used():
        body = control_body()
        if not isinstance(body, dict) or set(body) != {"dataset", "bytes"}:
            raise ControlError('expected {"dataset": "pool/Local/project/share", "bytes": N}')

        def apply():
            with sim.store.transaction(write=True) as txn:
                return core.set_used(txn, body["dataset"], body["bytes"])
        return _json(control(apply))

    @app.route("/sim/v1/replica", methods=["POST", "DELETE"])
    def replica():
        body = control_body()
        container = "Local" if request.method == "POST" else "Replica"
        if not isinstance(body, dict) or set(body) != {"project"}:
            raise ControlError('expected {"project": "pool/%s/project"}' % container)
        operation = datasets.receive_replica if request.method == "POST" else \
            datasets.drop_replica

        def apply():
            with sim.store.transaction(write=True) as txn:
                return operation(txn, body["project"])
        return _json(control(apply))

    app.wsgi_app = _CutConnectionMiddleware(app.wsgi_app)
    return app

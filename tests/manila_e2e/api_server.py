# SPDX-License-Identifier: Apache-2.0
"""Serve manila-api's WSGI application in a small threaded WSGI server.

Manila 23.x refuses to run its built-in API server without the eventlet
backend, so the end-to-end harness hosts `manila.wsgi.api:application` in
werkzeug's threaded server instead.

Usage: api_server.py HOST PORT CONFIG_FILE LOG_FILE
"""

import sys


def main(argv):
    host, port, config_file, log_file = argv[1:5]
    # manila.wsgi.wsgi.initialize_application() parses sys.argv[1:].
    sys.argv = [argv[0], "--config-file", config_file, "--log-file", log_file]
    from manila.wsgi.api import application  # noqa: E402 (needs sys.argv set)
    from werkzeug.serving import make_server

    server = make_server(host, int(port), application, threaded=True)
    print("manila-api listening on http://%s:%d" % (host, server.server_port), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv)

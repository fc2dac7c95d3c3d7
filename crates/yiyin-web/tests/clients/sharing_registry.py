"""A department's registry under Yiyin's data-sharing contract (docs/data-sharing.md), for the tests.

Usage: python3 sharing_registry.py RECORDS.json

Serves GET /records/{credit_code_or_id}?kind=... on 127.0.0.1 at a free port, answering the record
of that holder and kind as JSON, or 404 with a JSON error; prints the port on its first line of
output, then serves until killed. Every request is logged on stderr with its path and query.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        records = json.load(f)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            parts = url.path.split("/")
            kind = parse_qs(url.query).get("kind", [""])[0]
            if len(parts) != 3 or parts[1] != "records":
                return self.answer(404, {"error": "no such path"})
            holder = unquote(parts[2]).upper()
            for r in records:
                if r["id"].upper() == holder and (not kind or r["kind"] == kind):
                    return self.answer(200, r)
            self.answer(404, {"error": "no record"})

        def answer(self, status, body):
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            sys.stderr.write("registry: %s\n" % (format % args))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

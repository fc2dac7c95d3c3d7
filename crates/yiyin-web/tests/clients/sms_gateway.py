"""A test SMS gateway speaking Yiyin's SMS contract (docs/notifications.md).

It takes `POST /` with the JSON body {"to", "text", "key"} (and the key again as the
`Idempotency-Key` header), sends each key once (a repeat is answered 200 and not sent again),
and can be told to fail the first N requests with HTTP 503 (as a gateway that is briefly down).
Every request is appended to LOG as one JSON line: {"to", "text", "key", "status", "sent"}, where
`sent` is true only for the one request of a key that was (deemed) sent as a text message.

Usage: sms_gateway.py PORT LOG [--fail-first N]
Prints "ready" on a line of its own once it listens.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SENT_KEYS = set()
STATE = {"fail_left": 0}


class Gateway(BaseHTTPRequestHandler):
    log_path = ""

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode("utf-8"))
            to, text, key = body["to"], body["text"], body["key"]
        except (ValueError, KeyError, UnicodeDecodeError):
            self.answer(400, {"error": "body must be JSON {to, text, key}"})
            return
        if self.headers.get("Idempotency-Key") != key:
            self.answer(400, {"error": "Idempotency-Key header must equal key"})
            return
        with LOCK:
            if STATE["fail_left"] > 0:
                STATE["fail_left"] -= 1
                status, sent = 503, False
            else:
                status, sent = 200, key not in SENT_KEYS
                SENT_KEYS.add(key)
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"to": to, "text": text, "key": key,
                                      "status": status, "sent": sent},
                                     ensure_ascii=False) + "\n")
        self.answer(status, {"sent": sent})

    def answer(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    if "--fail-first" in sys.argv:
        STATE["fail_left"] = int(sys.argv[sys.argv.index("--fail-first") + 1])
    Gateway.log_path = log
    open(log, "a", encoding="utf-8").close()
    server = ThreadingHTTPServer(("127.0.0.1", port), Gateway)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""A real SMTP server (PyPI's aiosmtpd) that keeps every message it receives.

Each message is appended to LOG as one JSON line: {"from", "to": [...], "subject", "body",
"message_id"}, the subject and the text body decoded from their MIME encodings, as a mail client
would show them.

Usage: smtp_sink.py PORT LOG
Prints "ready" on a line of its own once it listens.
"""

import json
import sys
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

LOCK = threading.Lock()


class Keep:
    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        with LOCK:
            with open(self.log, "a", encoding="utf-8") as log:
                log.write(json.dumps({
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "subject": str(message["subject"] or ""),
                    "body": body,
                    "message_id": str(message["message-id"] or ""),
                }, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    open(log, "a", encoding="utf-8").close()
    controller = Controller(Keep(log), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

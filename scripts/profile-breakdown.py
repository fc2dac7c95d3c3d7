#!/usr/bin/env python3
"""Where the lifecycle benchmark's CPU time goes, from `perf script` output on stdin.

Each sample's stack is read from the leaf up: the benchmark's own client (reqwest, its hyper client)
is told apart first, anything else is filed under the first frame that names a part of the server
(signing, SQL, the kernel's disk flush or thread switching, HTTP, JSON, the engine, PDF, …), so
that memory allocation or the runtime's polling counts for the part that asked for it; only a
sample whose frames name none of the parts counts as memory, runtime or other kernel work. Prints
each part's share of all samples and of the server's.

    perf script -i perf.data | scripts/profile-breakdown.py
"""

import re
import sys
from collections import Counter

# Frames that mark a sample as the benchmark client's, wherever they are in the stack.
CLIENT = re.compile(r"reqwest::|hyper_util::client|hyper::client|lifecycle::lifecycle|lifecycle::timed")

# The server's parts, tried on each frame from the leaf up; the first that matches wins.
PARTS = [
    ("signing (SM2, SM3, SM4)", re.compile(r"\bsm2::|primeorder::|primefield::|elliptic_curve::|\bsm3::|\bsm4::|crypto_bigint::|yiyin_seal::")),
    ("password and key hashing (argon2)", re.compile(r"argon2|blake2")),
    ("kernel: disk flush (fsync)", re.compile(r"fsync|ext4_|jbd2|blk_|nvme|xfs_|file_write|generic_perform_write|filemap_")),
    ("kernel: thread wake-ups and switches", re.compile(r"futex|schedule|try_to_wake_up|__switch_to|finish_task_switch|pick_next|dequeue_task|enqueue_task|epoll|ep_poll|sched_yield")),
    ("kernel: network (loopback TCP)", re.compile(r"tcp_|ip_|__dev_queue|net_rx|skb|sock_|loopback|inet_")),
    ("SQLite (its own execution)", re.compile(r"^sqlite3|\bsqlite3[A-Z_a-z]")),
    ("sqlx (driver, pool, worker channel)", re.compile(r"\bsqlx|flume::|libsqlite3_sys")),
    ("PostgreSQL client protocol", re.compile(r"sqlx_postgres|postgres")),
    ("PDF and OFD", re.compile(r"yiyin_pdf|yiyin_ofd|pdf_writer|krilla|ttf_parser|subsetter")),
    ("templates (askama)", re.compile(r"askama")),
    ("JSON (serde_json)", re.compile(r"serde_json|serde::")),
    ("HTTP server (hyper, axum, tower)", re.compile(r"\bhyper::|axum::|tower::|tower_http::|http::|httparse")),
    ("the law's engine (yiyin_domain)", re.compile(r"yiyin_domain::")),
    ("store (yiyin_store: SQL building, rows)", re.compile(r"yiyin_store::")),
    ("application layer (yiyin_app)", re.compile(r"yiyin_app::")),
    ("web layer (yiyin_web)", re.compile(r"yiyin_web::")),
]

# What a sample counts for when no frame names a part.
FALLBACK = [
    ("memory (malloc, free, memcpy)", re.compile(r"malloc|free|realloc|memcpy|memmove|memset|_int_|cfree")),
    ("async runtime (tokio)", re.compile(r"tokio::")),
    ("kernel: other", re.compile(r"kernel\.kallsyms")),
]


def frames(sample):
    for line in sample[1:]:
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            yield parts[1]


def classify(sample):
    stack = list(frames(sample))
    if any(CLIENT.search(f) for f in stack):
        return "benchmark client (reqwest)"
    for tier in (PARTS, FALLBACK):
        for f in stack:
            for name, pattern in tier:
                if pattern.search(f):
                    return name
    return "other"


def samples(stream):
    current = []
    for line in stream:
        if not line.strip():
            if current:
                yield current
            current = []
        else:
            current.append(line.rstrip("\n"))
    if current:
        yield current


def main():
    counts = Counter(classify(s) for s in samples(sys.stdin))
    total = sum(counts.values())
    if total == 0:
        sys.exit("no samples on stdin (perf script output expected)")
    server = total - counts.get("benchmark client (reqwest)", 0)
    print(f"{total} samples; the server's {server} ({100 * server / total:.1f} %)")
    print(f"{'part':<44} {'all':>7} {'server':>7}")
    for name, n in counts.most_common():
        of_server = "" if name.startswith("benchmark") else f"{100 * n / server:6.1f}%"
        print(f"{name:<44} {100 * n / total:6.1f}% {of_server:>7}")


if __name__ == "__main__":
    main()

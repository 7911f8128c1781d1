#!/usr/bin/env python3
"""Soak test of the example axum service on Django's db engine (benches/soak.sh starts it):
for SOAK_SECONDS (default 600) threads on loopback send a mix of requests with valid,
forged, expired, oversized and garbage session cookies, and write concurrently to shared
sessions. Checks, and prints: no 5xx (Django gives none for such cookies), no lost write
(a thread reads back every value it wrote to its own session), no session lost under
concurrent writers, and the server's memory (RSS sampled every 5 s) flat after warm-up.
Exits 1 on any violation. A measurement, not a CI assertion on timing.

Usage: soak.py PORT SERVER_PID [THREADS]
"""
import http.client
import json
import os
import random
import string
import sys
import threading
import time

PORT, PID = int(sys.argv[1]), int(sys.argv[2])
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 8
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
DEADLINE = time.monotonic() + SECONDS


def request(conn, path, cookie=None):
    headers = {"Cookie": cookie} if cookie is not None else {}
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    set_cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
    key = None
    for c in set_cookie:
        if c.startswith("sessionid="):
            key = c.split(";", 1)[0].split("=", 1)[1]
    return r.status, body, key


def connect():
    return http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)


def new_session(conn):
    status, _, key = request(conn, "/count")
    assert status == 200 and key, (status, key)
    return key


def rss_kib():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


lock = threading.Lock()
stats = {"requests": 0, "by_kind": {}, "status": {}, "violations": []}


def note(kind, status, problem=None):
    with lock:
        stats["requests"] += 1
        stats["by_kind"][kind] = stats["by_kind"].get(kind, 0) + 1
        stats["status"][status] = stats["status"].get(status, 0) + 1
        if status >= 500:
            problem = problem or "%s answered %d" % (kind, status)
        if problem and len(stats["violations"]) < 20:
            stats["violations"].append(problem)


def garbage(rng):
    alphabet = string.ascii_letters + string.digits + "\"\\:;,.=-_ %!$\t"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 200)))


def worker(n, shared, expired):
    rng = random.Random(n)
    conn = connect()
    own = new_session(conn)
    counter = 0
    while time.monotonic() < DEADLINE:
        roll = rng.random()
        try:
            if roll < 0.3:
                # Own session: a write, then a read that must see it.
                counter += 1
                s, _, key = request(conn, "/session/set?k=n&v=%d" % counter, "sessionid=" + own)
                own = key or own
                note("own write", s)
                s, body, key = request(conn, "/session/get?k=n", "sessionid=" + own)
                got = json.loads(body).get("value") if s == 200 else None
                note("own read", s, None if got == str(counter) else "lost write: wrote %d, read %r" % (counter, got))
            elif roll < 0.5:
                # Shared sessions written by every thread at once (last writer wins, as in
                # Django): the session must survive, never be replaced by a new one.
                key = rng.choice(shared)
                s, _, new_key = request(conn, "/count", "sessionid=" + key)
                lost = new_key is not None and new_key != key
                note("shared write", s, "shared session replaced" if lost else None)
            elif roll < 0.6:
                key = rng.choice(shared)
                forged = key[:-1] + ("a" if key[-1] != "a" else "b")
                s, body, _ = request(conn, "/whoami", "sessionid=" + forged)
                note("forged", s, None if s != 200 or json.loads(body) == {"user": None} else "forged cookie accepted")
            elif roll < 0.7:
                s, body, _ = request(conn, "/whoami", "sessionid=" + rng.choice(expired))
                note("expired", s, None if s != 200 or json.loads(body) == {"user": None} else "expired cookie accepted")
            elif roll < 0.8:
                big = "sessionid=" + "x" * rng.randrange(8 << 10, 64 << 10)
                s, _, _ = request(conn, "/whoami", big)
                note("oversized", s)
            elif roll < 0.9:
                s, body, _ = request(conn, "/session/get?k=n", "sessionid=" + garbage(rng))
                note("garbage", s, None if s != 200 or json.loads(body) == {"value": None} else "garbage read data")
            else:
                s, _, _ = request(conn, "/whoami")
                note("no cookie", s)
        except (http.client.HTTPException, OSError) as exc:
            # An oversized header may be refused by closing the connection; reconnect.
            note("connection", 0, None if roll >= 0.7 and roll < 0.8 else "connection error: %r" % exc)
            conn.close()
            conn = connect()


def main():
    conn = connect()
    shared = [new_session(conn) for _ in range(4)]
    expired = []
    for _ in range(20):
        key = new_session(conn)
        s, _, k = request(conn, "/expiry?seconds=1", "sessionid=" + key)
        expired.append(k or key)
    time.sleep(2.5)
    samples = []
    threads = [threading.Thread(target=worker, args=(n, shared, expired)) for n in range(THREADS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        samples.append((time.monotonic() - start, rss_kib()))
        time.sleep(5)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    warm = [r for t, r in samples if t >= min(60, SECONDS / 4)] or [r for _, r in samples]
    flat = warm[-1] <= warm[0] * 1.2 + 5 * 1024
    if not flat:
        stats["violations"].append("RSS grew from %d KiB to %d KiB after warm-up" % (warm[0], warm[-1]))
    print("soak: %.0f s, %d threads, %d requests (%.0f/s)" % (elapsed, THREADS, stats["requests"],
                                                             stats["requests"] / elapsed))
    print("  by kind: %s" % json.dumps(stats["by_kind"], sort_keys=True))
    print("  statuses: %s" % json.dumps({str(k): v for k, v in sorted(stats["status"].items())}))
    print("  server RSS: %d KiB at start, %d KiB after warm-up, %d KiB at the end, max %d KiB (%s)"
          % (samples[0][1], warm[0], warm[-1], max(r for _, r in samples), "flat" if flat else "GREW"))
    if stats["violations"]:
        print("  VIOLATIONS:\n    " + "\n    ".join(stats["violations"]))
        sys.exit(1)
    print("  no 5xx, no lost write, no shared session lost")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate djsign's memcached fixture: what Django's memcached backends put on the server.

For each client library Django supports (PyMemcacheCache through pymemcache, PyLibMCCache
through pylibmc) that is installed, stores session dicts with `cache.set` on a real
memcached (DJSIGN_MEMCACHED_ADDR, host:port) and reads back, with memcached's meta
protocol, the raw item: its client flags and bytes. Writes fixtures/memcached.json.

    DJSIGN_MEMCACHED_ADDR=127.0.0.1:11211 python django/generate/generate_memcached.py
"""
import importlib.util
import json
import os
import socket
import sys

import django
from django.conf import settings

addr = os.environ.get("DJSIGN_MEMCACHED_ADDR")
if not addr:
    print("SKIPPED fixtures/memcached.json: DJSIGN_MEMCACHED_ADDR is unset")
    sys.exit(0)

BACKENDS = {"pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
            "pylibmc": "django.core.cache.backends.memcached.PyLibMCCache"}
clients = [c for c in BACKENDS if importlib.util.find_spec(c)]
settings.configure(CACHES={c: {"BACKEND": BACKENDS[c], "LOCATION": addr, "KEY_PREFIX": "djsign-fixture"}
                           for c in clients})
django.setup()

from django.core.cache import caches  # noqa: E402

SESSIONS = [
    {},
    {"_auth_user_id": "42", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
     "_auth_user_hash": "b0b300828e0fc6ea4f8aa6ff921fb3ec3385819badad8501b48aedb9e125d58d"},
    {"cart": [{"sku": "caf\u00e9 \u2603", "qty": 3, "price": 12.5}], "big": 2 ** 70, "none": None,
     "flag": True, "u": "\U0001F600"},
]


def raw(key):
    """The item's client flags and bytes, from the meta protocol (`mg KEY f v`)."""
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"mg " + key.encode() + b" s f v\r\n")
        data = b""
        while not data.endswith(b"\r\n") or data.count(b"\r\n") < 2:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n")
    fields = dict((t[:1].decode(), t[1:].decode()) for t in head.split()[2:])
    return int(fields["f"]), rest[: int(fields["s"])]


cases = []
for client in clients:
    cache = caches[client]
    for i, session in enumerate(SESSIONS):
        key = "django.contrib.sessions.cachefixture%d" % i
        cache.set(key, session, 300)
        flags, value = raw(cache.make_key(key))
        assert cache.get(key) == session
        cases.append({"client": client, "key": cache.make_key(key), "flags": flags, "value": value.hex(),
                      "json": json.dumps(session, separators=(",", ":"))})
        cache.delete(key)

out = {"django": django.get_version(), "python": "%d.%d.%d" % sys.version_info[:3], "clients": clients,
       "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "memcached.json")
with open(path, "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
    f.write("\n")
print("%s: %d memcached items (%s) -> memcached.json" % (django.get_version(), len(cases), ", ".join(clients)))

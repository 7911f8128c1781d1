#!/usr/bin/env python3
"""Django's db, cache and cached_db session engines on a real database and Redis, driven
one JSON request per line (stdin) with one JSON answer per line (stdout). Used by
tests/django_stores.rs.

    python django_stores.py DATABASE_URL REDIS_URL KEY_PREFIX USE_TZ(0|1) SESSION_FILE_PATH [CACHE]

CACHE: "redis" (Django's built-in RedisCache, the default), "django-redis", or memcached
through "pymemcache" (PyMemcacheCache) or "pylibmc" (PyLibMCCache); REDIS_URL is then the
memcached server's host:port.

DATABASE_URL: postgres://user@host:port/db, mysql://user@host:port/db or sqlite:///path.
Every request pins the clock ("now": seconds since the epoch) for time.time() and
django.utils.timezone.now(). Requests:
  {"op": "version"}                                        -> {"ok": "5.2.19"}
  {"op": "save", "engine", "data": json, "expiry": int|null, "now"}  -> {"ok": key}
  {"op": "load", "engine", "key", "now"}  -> {"ok": {"data": json, "key": key|null}}
  {"op": "cycle", "engine", "key", "now"} -> {"ok": new key}   (load, cycle_key, save)
  {"op": "flush", "engine", "key", "now"} -> {"ok": null}      (load, flush)
  {"op": "exists", "engine", "key"}       -> {"ok": bool}
  {"op": "row", "key"}    -> {"ok": {"session_data", "expire_date"} | null}   (raw db row)
  {"op": "encode", "data": json, "now"}   -> {"ok": session_data}
  {"op": "ttl", "engine", "key"}          -> {"ok": seconds}   (Redis TTL of the entry)
  {"op": "cache_get", "engine", "key"}    -> {"ok": json | null}   (the cached dict)
  {"op": "cache_drop", "engine", "key"}   -> {"ok": null}
  {"op": "clear_expired", "now"}          -> {"ok": null}
  {"op": "file", "key"}   -> {"ok": {"content", "mtime"} | null}   (file engine: the file,
                             its mtime as Django reads it, to the microsecond)
Engines: db, cache, cached_db, file.
"""
import datetime
import importlib
import json
import sys
import time
from unittest import mock
from urllib.parse import urlparse

db_url, redis_url, key_prefix, use_tz = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
file_path = sys.argv[5]
cache_kind = sys.argv[6] if len(sys.argv) > 6 else "redis"
cache_backend = {"redis": "django.core.cache.backends.redis.RedisCache",
                 "django-redis": "django_redis.cache.RedisCache",
                 "pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
                 "pylibmc": "django.core.cache.backends.memcached.PyLibMCCache"}[cache_kind]
u = urlparse(db_url)
if u.scheme == "postgres":
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": u.path.lstrip("/"),
                "USER": u.username or "postgres", "HOST": u.hostname, "PORT": u.port or 5432}
elif u.scheme == "mysql":
    import pymysql

    pymysql.install_as_MySQLdb()
    # PyMySQL stands in for mysqlclient (no C build needed); Django checks the version.
    pymysql.version_info = (2, 2, 7, "final", 0)
    database = {"ENGINE": "django.db.backends.mysql", "NAME": u.path.lstrip("/"),
                "USER": u.username or "root", "PASSWORD": u.password or "", "HOST": u.hostname,
                "PORT": u.port or 3306}
else:
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": u.path}

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    SECRET_KEY="django-insecure-stores-key", USE_TZ=use_tz, TIME_ZONE="UTC",
    INSTALLED_APPS=["django.contrib.sessions"], DATABASES={"default": database},
    SESSION_FILE_PATH=file_path,
    CACHES={"default": {"BACKEND": cache_backend,
                        "LOCATION": redis_url, "KEY_PREFIX": key_prefix}},
)
django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402

call_command("migrate", "sessions", verbosity=0)

ENGINES = {e: importlib.import_module("django.contrib.sessions.backends." + e).SessionStore
           for e in ("db", "cache", "cached_db", "file")}


def clock(now):
    aware = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    current = aware if use_tz else aware.replace(tzinfo=None)
    return mock.patch("time.time", return_value=now), \
        mock.patch("django.utils.timezone.now", return_value=current)


def memcached_ttl(key):
    """The entry's remaining time to live, from memcached's meta protocol (`mg KEY t`)."""
    import socket
    host, port = redis_url.rsplit(":", 1)
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"mg " + key.encode() + b" t\r\n")
        reply = sock.recv(1024).decode().split()
    return int(reply[1][1:]) if reply and reply[0] == "HD" else None


def ser(obj):
    return json.dumps(obj, separators=(",", ":"))


def handle(req):
    op = req["op"]
    if op == "version":
        return django.get_version()
    store = ENGINES.get(req.get("engine", "db"))
    if op == "exists":
        return store().exists(req["key"])
    if op == "row":
        row = Session.objects.filter(session_key=req["key"]).values_list("session_data", "expire_date").first()
        if row is None:
            return None
        d = row[1]
        if d.tzinfo is not None:
            d = d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return {"session_data": row[0], "expire_date": d.isoformat(sep=" ")}
    if op == "file":
        import os
        path = os.path.join(file_path, settings.SESSION_COOKIE_NAME + req["key"])
        if not os.path.exists(path):
            return None
        m = datetime.datetime.fromtimestamp(os.stat(path).st_mtime, datetime.timezone.utc)
        return {"content": open(path, encoding="ascii").read(), "mtime": m.timestamp()}
    if op == "ttl":
        if cache_kind in ("pymemcache", "pylibmc"):
            return memcached_ttl(cache.make_and_validate_key(store.cache_key_prefix + req["key"]))
        if cache_kind == "django-redis":
            return cache.ttl(store.cache_key_prefix + req["key"])
        return cache._cache.get_client().ttl(cache.make_and_validate_key(store.cache_key_prefix + req["key"]))
    if op == "cache_get":
        v = cache.get(store.cache_key_prefix + req["key"])
        return None if v is None else ser(v)
    if op == "cache_drop":
        cache.delete(store.cache_key_prefix + req["key"])
        return None
    p1, p2 = clock(req["now"])
    with p1, p2:
        if op == "encode":
            return store().encode(json.loads(req["data"]))
        if op == "clear_expired":
            ENGINES["db"].clear_expired()
            return None
        if op == "save":
            s = store()
            s.update(json.loads(req["data"]))
            if req.get("expiry") is not None:
                s.set_expiry(req["expiry"])
            s.save()
            return s.session_key
        s = store(session_key=req["key"])
        if op == "load":
            data = s.load()
            return {"data": ser(data), "key": s.session_key}
        if op == "cycle":
            s.load()
            s.cycle_key()
            s.save()
            return s.session_key
        if op == "flush":
            s.load()
            s.flush()
            return None
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    req = json.loads(line)
    try:
        out = {"ok": handle(req)}
    except Exception as e:  # reported to the test, which decides
        out = {"err": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(out), flush=True)

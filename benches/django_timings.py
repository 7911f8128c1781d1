#!/usr/bin/env python3
"""Times Django's own signing.loads / signing.dumps on benches/workloads.json.

Prints one JSON object: {"loads": {workload: seconds}, "dumps": {...}, "django": version},
with the signed-cookie session load and save, and the zlib step of loads and dumps alone.
Medians of several timeit repeats, per operation. The clock is not patched (a mock would
slow Django down): each workload's cookie is re-signed by Django now, so `loads` with
max_age does exactly the work it does on the shipped cookie, which is no longer fresh.
"""
import json
import os
import statistics
import sys
import timeit
import zlib

import django
from django.conf import settings

here = os.path.dirname(os.path.abspath(__file__))
data = json.load(open(os.path.join(here, "workloads.json")))
settings.configure(SECRET_KEY=data["secret_key"], USE_TZ=True, SESSION_COOKIE_AGE=data["max_age"],
                   SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
                   INSTALLED_APPS=["django.contrib.sessions"])
django.setup()
from django.core import signing  # noqa: E402

salt, max_age = data["salt"], data["max_age"]
from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402

out = {"django": django.get_version(), "python": sys.version.split()[0], "loads": {}, "dumps": {},
       "session_load": {}, "session_save": {}, "zlib_decompress": {}, "zlib_compress": {}}


def session_load(cookie):
    s = SessionStore(session_key=cookie)
    return s.load()


def session_save(session):
    s = SessionStore()
    s._session_cache = dict(session)
    s.save()
    return s.session_key



def median_time(fn, number):
    runs = timeit.repeat(fn, number=number, repeat=7)
    return statistics.median(runs) / number


for name in data["order"]:
    w = data["workloads"][name]
    session = w["session"]
    assert signing.loads(w["cookie"], salt=salt) == session  # the shipped cookie is Django's
    cookie = signing.dumps(session, salt=salt, compress=True)
    assert len(cookie) == len(w["cookie"]), "same payload, same size"
    assert signing.loads(cookie, salt=salt, max_age=max_age) == session
    out["loads"][name] = median_time(lambda: signing.loads(cookie, salt=salt, max_age=max_age), 3000)
    out["dumps"][name] = median_time(lambda: signing.dumps(session, salt=salt, compress=True), 3000)
    assert session_load(cookie) == session
    out["session_load"][name] = median_time(lambda: session_load(cookie), 3000)
    out["session_save"][name] = median_time(lambda: session_save(session), 3000)
    # The zlib step inside those (CPython's C zlib, with one Python call around it): what
    # `dumps` compresses and what `loads` decompresses.
    serialized = signing.JSONSerializer().dumps(session)
    compressed = zlib.compress(serialized)
    assert zlib.decompress(compressed) == serialized
    out["zlib_decompress"][name] = median_time(lambda: zlib.decompress(compressed), 3000)
    out["zlib_compress"][name] = median_time(lambda: zlib.compress(serialized), 3000)
print(json.dumps(out))

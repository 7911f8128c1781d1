#!/usr/bin/env python3
"""A long-running Django oracle: one JSON request per line on stdin, one JSON answer per
line on stdout. Used by djsign's live differential tests (tests/live_django.rs).

Requests (all keys explicit; "now" pins time.time()):
  {"op": "version"}                                   -> {"ok": "6.1.3"}
  {"op": "dumps", "json", "key", "salt", "compress", "now"}  -> {"ok": token}
  {"op": "loads", "token", "key", "salt", "max_age", "now", "fallback_keys"?}
                                                      -> {"ok": json} | {"err": kind}
  {"op": "sign", "key", "salt", "sep", "algorithm", "timestamp", "value", "now"}
                                                      -> {"ok": token} | {"err": kind}
  {"op": "unsign", same as sign but "token" and "max_age"}  -> {"ok": value} | {"err": kind}
  {"op": "session_load", "cookie", "key", "cookie_age", "now"}
                    -> {"ok": {"data": json, "modified": bool}}   (signed_cookies engine)
  {"op": "session_save", "data": json, "key", "now"}  -> {"ok": cookie value}
  {"op": "stored_encode", "data": json, "key", "now"} -> {"ok": session_data}  (db engine)
  {"op": "stored_decode", "blob", "key"}              -> {"ok": json} | {"err": exception}
Error kinds are named as in fixtures/generate.py.
"""
import json
import os
import sys
from unittest import mock

import django
from django.conf import settings

settings.configure(SECRET_KEY="django-insecure-oracle-key", USE_TZ=True,
                   SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
                   INSTALLED_APPS=["django.contrib.sessions"])
django.setup()

from django.core import signing  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from django_errors import classify  # noqa: E402


def ser(obj):
    return signing.JSONSerializer().dumps(obj).decode("latin-1")


def make_signer(req):
    kw = {"key": req["key"], "salt": req.get("salt"), "sep": req.get("sep", ":")}
    if req.get("algorithm"):
        kw["algorithm"] = req["algorithm"]
    if req.get("fallback_keys") is not None:
        kw["fallback_keys"] = req["fallback_keys"]
    cls = signing.TimestampSigner if req.get("timestamp") else signing.Signer
    return cls(**kw)


def sessions(req):
    """Session operations, with SECRET_KEY and SESSION_COOKIE_AGE from the request."""
    from django.contrib.sessions.backends.db import SessionStore as DbStore
    from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore
    from django.test.utils import override_settings

    op = req["op"]
    with override_settings(SECRET_KEY=req["key"], SESSION_COOKIE_AGE=req.get("cookie_age", 1209600)):
        if op == "session_load":
            s = CookieStore(session_key=req["cookie"])
            data = s.load()
            return {"data": ser(data), "modified": s.modified}
        if op == "session_save":
            s = CookieStore()
            s.update(json.loads(req["data"]))
            s.save()
            return s.session_key
        if op == "stored_encode":
            return DbStore().encode(json.loads(req["data"]))
        if op == "stored_decode":
            return ser(DbStore().decode(req["blob"]))
    raise ValueError("unknown op %r" % op)


def handle(req):
    op = req["op"]
    if op == "version":
        return django.get_version()
    with mock.patch("time.time", return_value=req.get("now", 0.0)):
        if op.startswith("session_") or op.startswith("stored_"):
            return sessions(req)
        if op == "dumps":
            obj = json.loads(req["json"])
            return signing.dumps(obj, key=req["key"], salt=req["salt"], compress=req["compress"])
        if op == "loads":
            kw = {}
            if req.get("fallback_keys") is not None:
                kw["fallback_keys"] = req["fallback_keys"]
            return ser(signing.loads(req["token"], key=req["key"], salt=req["salt"],
                                     max_age=req.get("max_age"), **kw))
        if op == "sign":
            return make_signer(req).sign(req["value"])
        if op == "unsign":
            s = make_signer(req)
            if req.get("timestamp"):
                return s.unsign(req["token"], max_age=req.get("max_age"))
            return s.unsign(req["token"])
    raise ValueError("unknown op %r" % op)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            resp = {"ok": handle(req)}
        except Exception as exc:  # noqa: BLE001 - every outcome is an answer
            resp = {"err": classify(exc)}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

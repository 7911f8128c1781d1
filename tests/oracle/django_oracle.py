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
Error kinds are named as in fixtures/generate.py.
"""
import json
import os
import sys
from unittest import mock

import django
from django.conf import settings

settings.configure(SECRET_KEY="django-insecure-oracle-key", USE_TZ=True)
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


def handle(req):
    op = req["op"]
    if op == "version":
        return django.get_version()
    with mock.patch("time.time", return_value=req.get("now", 0.0)):
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

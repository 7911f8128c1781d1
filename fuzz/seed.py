#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the committed Django fixtures (tokens, cookies,
payloads and JSON that real Django produced)."""
import base64
import glob
import hashlib
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "fixtures")
seeds = {t: set() for t in ["base64", "base62", "json", "loads", "signed_payload", "session_load",
                            "stored_decode", "messages", "cookie_header", "pickle", "deflate",
                            "csrf", "auth", "inspect", "isoformat", "layer", "json_serde",
                            "reset_token"]}
for path in glob.glob(os.path.join(fixtures, "*.json")):
    for case in json.load(open(path)).get("cases", []):
        op = case.get("op")
        if "in" in case and "out" in case:  # fixtures/zlib.json: what CPython's zlib read
            seeds["deflate"].add(base64.b64decode(case["in"]))
        if "pickle" in case:  # fixtures/pickles.json: what Python's pickle wrote
            seeds["pickle"].add(bytes.fromhex(case["pickle"]))
        for key in ("token", "cookie", "blob", "value", "header"):
            v = case.get(key)
            if isinstance(v, str) and v:
                for t in ("loads", "signed_payload", "session_load", "stored_decode", "messages", "cookie_header",
                          "inspect"):
                    seeds[t].add(v.encode())
                seeds["layer"].add(b"POST /x HTTP/1.1\r\nCookie: sessionid=" + v.encode() + b"; messages=" + v.encode())
        if op == "b64_decode":
            seeds["base64"].add(bytes.fromhex(case["hex"]))
        if op == "b62_decode":
            seeds["base62"].add(case["s"].encode())
        if op == "json_loads":
            seeds["json"].add(bytes.fromhex(case["hex"]))
            seeds["json_serde"].add(bytes.fromhex(case["hex"]))
        if op in ("make", "check") and isinstance(case.get("ok"), str):  # reset-<X.Y>.json
            seeds["reset_token"].add(case["ok"].encode())
        if op == "uid_decode":
            seeds["reset_token"].add(case["s"].encode())
        if op == "dumps":
            seeds["json"].add(case["json"].encode())
            seeds["json_serde"].add(case["json"].encode())
            if case["json"].startswith("{"):
                seeds["auth"].add(case["json"].encode())
        for v in case.values():
            if isinstance(v, str) and len(v) < 40 and v[:4].isdigit() and "-" in v:
                seeds["isoformat"].add(v.encode())
seeds["auth"].add(b'{"_auth_user_id": "1", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend", '
                  b'"_auth_user_hash": "0000"}')
seeds["csrf"].add(b"a" * 64 + b"\n" + b"b" * 32)
for target, items in seeds.items():
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for item in sorted(items)[:400]:
        with open(os.path.join(d, hashlib.sha1(item).hexdigest()), "wb") as f:
            f.write(item)
    print("%s: %d seeds" % (target, min(len(items), 400)))

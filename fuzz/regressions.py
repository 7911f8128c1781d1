#!/usr/bin/env python3
"""Writes fuzz/regressions/<target>/<name>: one input per finding of the hardening review
that a fuzz target's memory bound catches (each made djsign allocate far past the bound
before the fix). `fuzz/run.sh` runs every target over its regressions before fuzzing."""
import base64
import hashlib
import hmac
import os
import struct
import zlib

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regressions")


def write(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    with open(os.path.join(here, target, name), "wb") as f:
        f.write(data)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


# A 4 KiB string memoised once and referenced 20,000 times: the old reader copied it at
# each reference (80 MB from 44 KB).
shared = b"\x80\x05]\x94(X" + struct.pack("<I", 4096) + b"x" * 4096 + b"\x94"
shared += b"h\x01" * 20000 + b"e."
write("pickle", "memoised-string-referenced-20000-times", shared)

# 64 KiB of nested empty lists, compressed, as a validly signed payload: tens of
# thousands of values where the limit allows 4096.
lists = b"[" + b"[]," * 21800 + b"[]]"
write("signed_payload", "nested-empty-lists", b"." + b64(zlib.compress(lists)))
# The same as a Django 2.2 `session_data` row, its legacy hash made with the fuzz key
# (`salted_hmac("django.contrib.sessionsSessionStore", data, "fuzz-key")`).
key = hashlib.sha1(b"django.contrib.sessionsSessionStore" + b"fuzz-key").digest()
legacy_hash = hmac.new(key, lists, hashlib.sha1).hexdigest().encode()
write("stored_decode", "nested-empty-lists", base64.b64encode(legacy_hash + b":" + lists))

# A token that inflates to 8 MiB, decoded without a key: the old inspect inflated it.
write("inspect", "inflates-to-8-mib", b"." + b64(zlib.compress(b" " * (8 << 20), 9)) + b":sig")

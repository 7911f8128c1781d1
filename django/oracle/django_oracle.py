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
  {"op": "dumps_pairs", "pairs": [[key, value_json]...], "key", "salt", "compress", "now"}
                    -> {"ok": token}  (a dict with int/float/bool/None/str keys, each key
                       given as a JSON scalar)
  {"op": "pickle_loads", "hex"}  -> {"ok": {"json": text}} | {"ok": {"unsupported": why}}
                    | {"err": "malformed:pickle"}  (Python's pickle, never importing)
Error kinds are named as in django/generate/generate.py.
"""
import builtins
import json
import os
import pickle
import resource
import sys
from unittest import mock

import django
from django.conf import settings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "generate"))
settings.configure(SECRET_KEY="django-insecure-oracle-key", USE_TZ=True,
                   SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
                   INSTALLED_APPS=["django.contrib.sessions", "django.contrib.auth",
                                   "django.contrib.contenttypes", "django.contrib.messages"],
                   AUTHENTICATION_BACKENDS=["fake_auth_backend.Backend"], ALLOWED_HOSTS=["testserver"])
django.setup()

from django.core import signing  # noqa: E402

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

    from django.contrib.sessions.backends.file import SessionStore as FileStore

    op = req["op"]
    with override_settings(SECRET_KEY=req["key"], SESSION_COOKIE_AGE=req.get("cookie_age", 1209600),
                           SESSION_FILE_PATH=req.get("dir")):
        if op == "session_file_save":
            s = FileStore()
            s.update(json.loads(req["data"]))
            s.save()
            return s.session_key
        if op == "session_file_load":
            s = FileStore(session_key=req["cookie"])
            data = s.load()
            return {"data": ser(data), "key_kept": s.session_key == req["cookie"]}
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


def cookies_and_auth(req):
    """Signed cookies, messages, login and CSRF, with keys from the request."""
    from django.contrib import auth
    from django.contrib.auth.signals import user_logged_in
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.http import HttpRequest, HttpResponse
    from django.middleware import csrf
    from django.test import RequestFactory
    from django.test.utils import override_settings
    from django.utils.safestring import mark_safe

    import fake_auth_backend

    user_logged_in.disconnect(dispatch_uid="update_last_login")
    op = req["op"]
    over = {"SECRET_KEY": req["key"], "SECRET_KEY_FALLBACKS": req.get("fallbacks", [])}
    with override_settings(**over):
        if op == "signed_cookie_set":
            r = HttpResponse()
            r.set_signed_cookie(req["name"], req["value"], salt=req["salt"])
            return r.cookies[req["name"]].value
        if op == "signed_cookie_get":
            r = HttpRequest()
            r.COOKIES[req["name"]] = req["cookie"]
            return r.get_signed_cookie(req["name"], salt=req["salt"], max_age=req.get("max_age"))
        if op == "messages_store":
            msgs = [Message(m["level"], mark_safe(m["message"]) if m["safe"] else m["message"],
                            extra_tags=m["extra_tags"]) for m in req["messages"]]
            r = HttpResponse()
            CookieStorage(RequestFactory().get("/"))._store(msgs, r)
            return r.cookies["messages"].value
        if op == "messages_decode":
            st = CookieStorage(RequestFactory().get("/"))
            st.request.COOKIES["messages"] = req["value"]
            msgs, all_retrieved = st._get()
            if msgs is None:
                return None
            return {"all_retrieved": all_retrieved,
                    "messages": [{"level": m.level, "message": str(m.message), "extra_tags": m.extra_tags,
                                  "safe": hasattr(m.message, "__html__")} for m in msgs]}
        if op in ("auth_login", "auth_get_user"):
            fake_auth_backend.PASSWORDS.clear()
            fake_auth_backend.PASSWORDS.update({int(k): v for k, v in req["passwords"].items()})
            request = RequestFactory().get("/")
            request.session = SessionStore()
            request.session.update(json.loads(req["session"]))
            if op == "auth_login":
                auth.login(request, fake_auth_backend.Backend().get_user(int(req["user"])),
                           backend="fake_auth_backend.Backend")
                user = req["user"]
            else:
                u = auth.get_user(request)
                user = None if u.is_anonymous else str(u.pk)
            return {"user": user, "session": ser(dict(request.session.items()))}
        if op == "csrf_token":
            request = RequestFactory().get("/")
            token = csrf.get_token(request)
            return {"token": token, "cookie": request.META["CSRF_COOKIE"]}
        if op == "csrf_check":
            rf = RequestFactory()
            rf.cookies["csrftoken"] = req["cookie"]
            request = rf.post("/", data={"csrfmiddlewaretoken": req["token"]})
            mw = csrf.CsrfViewMiddleware(lambda r: HttpResponse())
            mw.process_request(request)
            return mw.process_view(request, lambda r: HttpResponse(), (), {}) is None
    raise ValueError("unknown op %r" % op)


class RefusedGlobal(Exception):
    pass


def refuse_import(name, *args, **kwargs):
    raise RefusedGlobal(name)


def pickle_loads(req):
    """`pickle.loads(data)`, exactly as Django's cache backends call it, with every import
    refused while it runs: CPython's unpickler finds classes and functions through
    `__import__` (`GLOBAL`, `STACK_GLOBAL`, extension codes), so nothing can be looked up,
    let alone called."""
    data = bytes.fromhex(req["hex"])
    saved = builtins.__import__
    builtins.__import__ = refuse_import
    try:
        obj = pickle.loads(data)
    except RefusedGlobal as exc:
        return {"unsupported": "global %s" % exc}
    except MemoryError:
        # CPython sizes its memo by the largest index a PUT names (a 4-byte index asks for
        # gigabytes); out of memory is this machine's answer, not the pickle's.
        return {"unsupported": "MemoryError"}
    except Exception:  # noqa: BLE001 - any failure to read is a malformed pickle
        raise PickleMalformed()
    finally:
        builtins.__import__ = saved
    try:
        return {"json": ser(obj)}
    except Exception as exc:  # noqa: BLE001 - a value JSON cannot hold (bytes, set, cycle)
        return {"unsupported": type(exc).__name__}


class PickleMalformed(Exception):
    pass


def handle(req):
    op = req["op"]
    if op == "version":
        return django.get_version()
    with mock.patch("time.time", return_value=req.get("now", 0.0)):
        if op.startswith("session_") or op.startswith("stored_"):
            return sessions(req)
        if op.split("_")[0] in ("signed", "messages", "auth", "csrf"):
            return cookies_and_auth(req)
        if op == "pickle_loads":
            return pickle_loads(req)
        if op == "dumps_pairs":
            obj = {json.loads(k): json.loads(v) for k, v in req["pairs"]}
            return signing.dumps(obj, key=req["key"], salt=req["salt"], compress=req["compress"])
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


def answer(req):
    """The answer to one request: {"ok": ...} or {"err": kind}."""
    try:
        return {"ok": handle(req)}
    except PickleMalformed:
        return {"err": "malformed:pickle"}
    except Exception as exc:  # noqa: BLE001 - every outcome is an answer
        return {"err": classify(exc)}


def main():
    # A bound on this process's memory, so that a pickle asking CPython for gigabytes
    # fails at once with MemoryError instead of paging (see pickle_loads).
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    for line in sys.stdin:
        if not line.strip():
            continue
        resp = answer(json.loads(line))
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

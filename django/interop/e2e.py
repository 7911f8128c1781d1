#!/usr/bin/env python3
"""Side-by-side end-to-end test: a real Django app and djsign's Rust service on loopback,
one browser-like cookie jar, walking the scenarios of a migration.

    python3 django/interop/e2e.py DJANGO_PYTHON RUST_SERVICE_BINARY [DJANGO_LINE]

Runs with any Python 3 (stdlib only); DJANGO_PYTHON runs the Django app. Prints one line
per scenario and a final "N passed, M failed" line; exits non-zero on any failure.
"""
import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
django_python, rust_binary = sys.argv[1], sys.argv[2]
line = sys.argv[3] if len(sys.argv) > 3 else ""
# The Rust side must behave like the exact release that runs, not the line's first one:
# patch releases change behaviour (5.2.15 and 6.0.6 changed the signed-cookie salt).
django_version = subprocess.run([django_python, "-c", "import django; print(django.get_version())"],
                                capture_output=True, text=True, check=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """Django and the Rust service, started with the same settings."""

    def __init__(self, env):
        self.tmp = tempfile.mkdtemp(prefix="djsign-e2e-")
        self.env = dict(os.environ, DJSIGN_INTEROP_DB=os.path.join(self.tmp, "db.sqlite3"),
                        DJSIGN_INTEROP_PASSWORDS=os.path.join(self.tmp, "passwords.json"), **env)
        self.env["DJSIGN_DJANGO_VERSION"] = django_version
        self.procs = []
        self.start()

    def start(self):
        self.dport, self.rport = free_port(), free_port()
        self.procs = [
            self.spawn([django_python, "-W", "ignore", os.path.join(HERE, "interop_app.py"), str(self.dport)]),
            self.spawn([rust_binary, str(self.rport)]),
        ]

    def spawn(self, cmd):
        p = subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        if p.stdout.readline().strip() != "ready":
            raise SystemExit("could not start %s" % cmd)
        return p

    def restart(self, env):
        self.stop()
        self.env.update(env)
        self.start()

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()


class Browser:
    def __init__(self, stack):
        self.stack = stack
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, side, path, data=None):
        port = self.stack.dport if side == "django" else self.stack.rport
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data)
        try:
            with self.opener.open(req) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def whoami(self, side):
        return self.call(side, "/whoami")[1]["user"]

    def cookie(self, name):
        return next((c for c in self.jar if c.name == name), None)


results = []


def scenario(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
        except AssertionError as e:
            results.append((name, str(e) or "assertion failed"))
        except Exception as e:  # noqa: BLE001
            results.append((name, "%s: %s" % (type(e).__name__, e)))
        return fn
    return wrap


def eq(a, b, what):
    assert a == b, "%s: expected %r, got %r" % (what, b, a)


stack = Stack({"DJANGO_SECRET_KEY": "django-insecure-e2e-key-1", "DJANGO_SESSION_COOKIE_AGE": "1209600"})
try:
    @scenario("log in on Django -> the Rust service sees the user")
    def _():
        b = Browser(stack)
        eq(b.whoami("rust"), None, "before login")
        eq(b.call("django", "/login?username=alice&password=wonderland")[0], 200, "login")
        eq(b.whoami("rust"), "1", "Rust after Django login")
        eq(b.whoami("django"), "1", "Django after its own login")

    @scenario("Rust writes a session key and queues a message -> Django shows both")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        b.call("rust", "/session/set?k=colour&v=blue")
        b.call("rust", "/messages/add?text=Saved-by-Rust")
        eq(b.call("django", "/session/get?k=colour")[1]["value"], "blue", "Django reads Rust's key")
        eq(b.call("django", "/messages/show")[1]["messages"], ["Saved-by-Rust"], "Django shows Rust's message")
        eq(b.whoami("django"), "1", "still logged in")

    @scenario("page views counted by Rust survive a Django request in between")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        eq(b.call("rust", "/count")[1]["views"], 1, "first view")
        eq(b.whoami("django"), "1", "Django in between")
        eq(b.call("rust", "/count")[1]["views"], 2, "second view")

    @scenario("Django queues a message -> Rust shows it once")
    def _():
        b = Browser(stack)
        b.call("django", "/messages/add?text=From-Django")
        eq(b.call("rust", "/messages/show")[1]["messages"], ["From-Django"], "Rust shows Django's message")
        eq(b.call("rust", "/messages/show")[1]["messages"], [], "shown once")

    @scenario("set_expiry(2) -> after it passes both sides see an anonymous visitor")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        b.call("django", "/expiry?seconds=2")
        eq(b.whoami("rust"), "1", "before expiry")
        time.sleep(3)
        eq(b.whoami("django"), None, "Django after expiry")
        eq(b.whoami("rust"), None, "Rust after expiry")

    @scenario("set_expiry(2) on Rust -> after it passes both sides see an anonymous visitor")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        b.call("rust", "/expiry?seconds=2")
        eq(b.whoami("django"), "1", "before expiry")
        time.sleep(3)
        eq(b.whoami("rust"), None, "Rust after expiry")
        eq(b.whoami("django"), None, "Django after expiry")

    @scenario("a signed cookie set on one side is read on the other")
    def _():
        b = Browser(stack)
        b.call("django", "/signed/set?name=pref&value=dark")
        eq(b.call("rust", "/signed/get?name=pref")[1]["value"], "dark", "Rust reads Django's signed cookie")
        b.call("rust", "/signed/set?name=lang&value=fr")
        eq(b.call("django", "/signed/get?name=lang")[1]["value"], "fr", "Django reads Rust's signed cookie")
        c = b.cookie("lang")
        c.value = c.value.replace("fr", "de", 1)
        eq(b.call("django", "/signed/get?name=lang")[1]["value"], None, "a tampered signed cookie is refused by Django")
        eq(b.call("rust", "/signed/get?name=lang")[1]["value"], None, "and by Rust")

    @scenario("logout on Rust -> logged out on Django")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        b.call("rust", "/logout")
        eq(b.whoami("django"), None, "Django after Rust logout")

    @scenario("logout on Django -> logged out on Rust")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        b.call("django", "/logout")
        eq(b.whoami("rust"), None, "Rust after Django logout")

    @scenario("a tampered session cookie -> both reset to anonymous")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        c = b.cookie("sessionid")
        c.value = c.value[:-3] + ("AAA" if not c.value.endswith("AAA") else "BBB")
        eq(b.whoami("rust"), None, "Rust with a tampered cookie")
        eq(b.whoami("django"), None, "Django with a tampered cookie")

    @scenario("a password change on Django ends the session on Rust")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        other = Browser(stack)
        other.call("django", "/login?username=alice&password=wonderland")
        other.call("django", "/password?new=looking-glass")
        eq(b.whoami("rust"), None, "Rust after the password change")
        eq(b.whoami("django"), None, "Django after the password change")
        # The changer's own session ended too (no update_session_auth_hash): log in again
        # to restore the password for the next scenarios.
        eq(other.call("django", "/login?username=alice&password=looking-glass")[0], 200, "login, new password")
        eq(other.call("django", "/password?new=wonderland")[0], 200, "password restored")

    @scenario("a form rendered by Django posts to Rust with its CSRF token; a forged one is refused")
    def _():
        b = Browser(stack)
        token = b.call("django", "/form")[1]["csrfmiddlewaretoken"]
        ok = b.call("rust", "/post", data=("csrfmiddlewaretoken=%s" % token).encode())
        eq(ok[0], 200, "Django's token accepted by Rust")
        forged = b.call("rust", "/post", data=("csrfmiddlewaretoken=%s" % ("a" * 64)).encode())
        eq(forged[0], 403, "forged token refused by Rust")

    @scenario("password reset: a link minted by djsign completes Django's reset flow; "
              "a Django-minted token checks in djsign until expiry, password change or login")
    def _():
        cli = os.environ.get("DJSIGN_CLI")
        assert cli, "DJSIGN_CLI (the djsign binary) is not set"
        key = stack.env["DJANGO_SECRET_KEY"]
        offset = str(time.localtime().tm_gmtoff)  # the Django process's local time

        def djsign(*args, state, now=None):
            cmd = [cli, "--django", django_version, "--secret-key", key]
            cmd += ["--now", str(now)] if now is not None else []
            cmd += ["password-reset", *args, "--user-id", state["pk"], "--email", state["email"],
                    "--utc-offset", offset]
            cmd += ["--last-login", state["last_login"]] if state["last_login"] else []
            env = dict(os.environ, DJSIGN_PASSWORD_HASH=state["password"])
            p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            assert state["password"] not in p.stdout + p.stderr, "the hash was printed"
            return p.returncode, p.stdout.strip()

        b = Browser(stack)
        state = b.call("django", "/user/state")[1]
        code, path = djsign("make", state=state)
        eq(code, 0, "djsign password-reset make")
        no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(b.jar),
                                                  type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                                       {"redirect_request": lambda *a: None}))
        try:
            no_redirect.open("http://127.0.0.1:%d/reset/%s" % (stack.dport, path))
            raise AssertionError("Django did not redirect a valid link to its set-password step")
        except urllib.error.HTTPError as e:
            eq(e.code, 302, "Django's PasswordResetConfirmView on djsign's link")
            eq(e.headers["Location"].rstrip("/").split("/")[-1], "set-password", "redirect target")
        uid = path.split("/")[0]
        csrf = b.call("django", "/form")[1]["csrfmiddlewaretoken"]
        form = "csrfmiddlewaretoken=%s&new_password1=looking-glass&new_password2=looking-glass" % csrf
        eq(b.call("django", "/reset/%s/set-password/" % uid, data=form.encode()), (200, {"ok": True}),
           "new password set through Django's form")
        eq(b.call("django", "/login?username=alice&password=looking-glass")[0], 200, "login, new password")
        eq(b.call("django", "/password?new=wonderland")[0], 200, "password restored")

        other = Browser(stack)

        def both(path, state, expected, what):
            django_says = other.call("django", "/reset/check?path=" + path)[1]["valid"]
            eq(django_says, expected == 0, "Django: " + what)
            eq(djsign("check", path, state=state)[0], expected, "djsign: " + what)

        path = other.call("django", "/reset/link")[1]["path"]
        both(path, other.call("django", "/user/state")[1], 0, "Django's token, fresh")
        state = other.call("django", "/user/state")[1]
        eq(djsign("check", path, state=state, now=time.time() + 3 * 86400 + 60)[0], 3,
           "djsign: expired after PASSWORD_RESET_TIMEOUT")
        time.sleep(1.1)  # last_login is kept to the second: let the login change it
        eq(other.call("django", "/login?username=alice&password=wonderland")[0], 200, "login")
        both(path, other.call("django", "/user/state")[1], 1, "refused once the user logged in")
        path = other.call("django", "/reset/link")[1]["path"]
        both(path, other.call("django", "/user/state")[1], 0, "a fresh Django token")
        other.call("django", "/password?new=wonderland")
        both(path, other.call("django", "/user/state")[1], 1, "refused once the password changed")

    @scenario("key rotation with SECRET_KEY_FALLBACKS keeps users logged in on both sides")
    def _():
        b = Browser(stack)
        b.call("django", "/login?username=alice&password=wonderland")
        stack.restart({"DJANGO_SECRET_KEY": "django-insecure-e2e-key-2",
                       "DJANGO_SECRET_KEY_FALLBACKS": '["django-insecure-e2e-key-1"]'})
        eq(b.whoami("rust"), "1", "Rust after rotation")
        eq(b.whoami("django"), "1", "Django after rotation")
finally:
    stack.stop()

sliding = Stack({"DJANGO_SECRET_KEY": "django-insecure-e2e-key-3", "DJANGO_SESSION_COOKIE_AGE": "3",
                 "DJANGO_SESSION_SAVE_EVERY_REQUEST": "true"})
try:
    @scenario("SESSION_SAVE_EVERY_REQUEST keeps an active user in and drops an idle one")
    def _():
        b = Browser(sliding)
        b.call("django", "/login?username=alice&password=wonderland")
        for side in ["rust", "django", "rust", "django", "rust"]:
            time.sleep(1.2)
            eq(b.whoami(side), "1", "active on %s" % side)
        time.sleep(4)
        eq(b.whoami("rust"), None, "idle past SESSION_COOKIE_AGE")
finally:
    sliding.stop()

if tuple(int(x) for x in django_version.split(".")[:2]) < (5, 0):
    pickled = Stack({"DJANGO_SECRET_KEY": "django-insecure-e2e-key-4",
                     "DJANGO_SESSION_SERIALIZER": "django.contrib.sessions.serializers.PickleSerializer"})
    try:
        @scenario("PickleSerializer sessions: a login, session keys and a logout shared both ways")
        def _():
            b = Browser(pickled)
            eq(b.call("django", "/login?username=alice&password=wonderland")[0], 200, "login on Django")
            eq(b.whoami("rust"), "1", "Rust reads Django's pickled session")
            b.call("rust", "/session/set?k=size&v=L")
            eq(b.call("django", "/session/get?k=size")[1]["value"], "L", "Django reads Rust's pickle")
            b.call("django", "/session/set?k=colour&v=gr%C3%BCn")
            eq(b.call("rust", "/session/get?k=colour")[1]["value"], "gr\u00fcn", "Rust reads Django's pickle")
            eq(b.call("django", "/session/get?k=size")[1]["value"], "L", "both keys kept")
            eq(b.call("rust", "/logout")[0], 200, "logout on Rust")
            eq(b.whoami("django"), None, "Django after Rust's logout")
    finally:
        pickled.stop()

failed = 0
for name, error in results:
    print("%s %s%s" % ("ok  " if error is None else "FAIL", name, "" if error is None else "\n     " + error))
    failed += error is not None
print("interop%s: %d passed, %d failed" % (" " + line if line else "", len(results) - failed, failed))
sys.exit(1 if failed else 0)

"""A small real Django project for djsign's side-by-side tests, in one file.

Configured from the environment: DJANGO_SECRET_KEY, DJANGO_SECRET_KEY_FALLBACKS (JSON
list), DJANGO_SESSION_COOKIE_AGE, DJANGO_SESSION_SAVE_EVERY_REQUEST, DJANGO_SESSION_SERIALIZER,
DJSIGN_INTEROP_DB
(SQLite path). Run: python interop_app.py PORT (migrates, creates user "alice"/"wonderland"
with id 1, then serves on 127.0.0.1:PORT).
"""
import json
import os
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["DJANGO_SECRET_KEY"],
    SECRET_KEY_FALLBACKS=json.loads(os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "[]")),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                    "django.contrib.messages"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
                "django.contrib.messages.middleware.MessageMiddleware"],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    SESSION_SERIALIZER=os.environ.get("DJANGO_SESSION_SERIALIZER",
                                      "django.contrib.sessions.serializers.JSONSerializer"),
    SESSION_COOKIE_AGE=int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", "1209600")),
    SESSION_SAVE_EVERY_REQUEST=os.environ.get("DJANGO_SESSION_SAVE_EVERY_REQUEST", "false") == "true",
    MESSAGE_STORAGE="django.contrib.messages.storage.cookie.CookieStorage",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                           "NAME": os.environ.get("DJSIGN_INTEROP_DB", ":memory:")}},
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # fast; tests only
    # Only the page PasswordResetConfirmView renders (whether the link is valid).
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {
                    "registration/password_reset_confirm.html":
                        "{% if validlink %}valid link{% else %}invalid link{% endif %}"})]}}],
)
django.setup()

from django.contrib import auth, messages  # noqa: E402
from django.contrib.auth import views as auth_views  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def whoami(request):
    return JsonResponse({"user": str(request.user.pk) if request.user.is_authenticated else None})


@csrf_exempt
def login(request):
    user = auth.authenticate(request, username=request.GET["username"], password=request.GET["password"])
    if user is None:
        return JsonResponse({"ok": False}, status=403)
    auth.login(request, user)
    return JsonResponse({"ok": True, "user": str(user.pk)})


def logout(request):
    auth.logout(request)
    return JsonResponse({"ok": True})


def session_set(request):
    request.session[request.GET["k"]] = request.GET["v"]
    return JsonResponse({"ok": True})


def session_get(request):
    return JsonResponse({"value": request.session.get(request.GET["k"])})


def expiry(request):
    request.session.set_expiry(int(request.GET["seconds"]))
    return JsonResponse({"ok": True})


def messages_add(request):
    messages.add_message(request, messages.INFO, request.GET["text"])
    return JsonResponse({"ok": True})


def messages_show(request):
    return JsonResponse({"messages": [str(m) for m in messages.get_messages(request)]})


def password(request):
    user = request.user
    user.set_password(request.GET["new"])
    user.save()
    return JsonResponse({"ok": True})


def reset_link(request):
    """The `<uidb64>/<token>/` of the reset link Django's PasswordResetForm would email."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_encode

    user = auth.get_user_model().objects.get(pk=request.GET.get("user", "1"))
    return JsonResponse({"path": "%s/%s/" % (urlsafe_base64_encode(str(user.pk).encode()),
                                             default_token_generator.make_token(user))})


def reset_check(request):
    """Django's own verdict on a `<uidb64>/<token>/` (as PasswordResetConfirmView decides)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_decode

    uidb64, token = request.GET["path"].strip("/").split("/")
    user = auth.get_user_model().objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    return JsonResponse({"valid": default_token_generator.check_token(user, token)})


def user_state(request):
    """Test scaffolding: the user state a reset token is bound to (a real service reads
    auth_user itself)."""
    user = auth.get_user_model().objects.get(pk=request.GET.get("user", "1"))
    return JsonResponse({"pk": str(user.pk), "password": user.password, "email": user.email,
                         "last_login": user.last_login.isoformat() if user.last_login else None})


def reset_done(request):
    return JsonResponse({"ok": True})


def signed_set(request):
    response = JsonResponse({"ok": True})
    response.set_signed_cookie(request.GET["name"], request.GET["value"], salt="interop")
    return response


def signed_get(request):
    return JsonResponse({"value": request.get_signed_cookie(request.GET["name"], default=None, salt="interop")})


def form(request):
    return JsonResponse({"csrfmiddlewaretoken": get_token(request)})


def post(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("whoami", whoami), path("login", login), path("logout", logout),
    path("session/set", session_set), path("session/get", session_get), path("expiry", expiry),
    path("messages/add", messages_add), path("messages/show", messages_show),
    path("password", password), path("form", form), path("post", post),
    path("signed/set", signed_set), path("signed/get", signed_get),
    path("reset/link", reset_link), path("reset/check", reset_check), path("user/state", user_state),
    # Django's own reset confirmation view, as `django.contrib.auth.urls` routes it.
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("reset/done/", reset_done, name="password_reset_complete"),
]

if __name__ == "__main__":
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    call_command("migrate", verbosity=0, run_syncdb=True)
    User = auth.get_user_model()
    if not User.objects.filter(username="alice").exists():
        User.objects.create_user(id=1, username="alice", password="wonderland")

    # Test scaffolding: publish users' password hashes to a file the Rust service reads
    # (a real service queries the database's auth_user.password instead).
    from django.db.models.signals import post_save

    def publish(**kwargs):
        target = os.environ.get("DJSIGN_INTEROP_PASSWORDS")
        if target:
            data = {str(u.pk): u.password for u in User.objects.all()}
            with open(target + ".tmp", "w") as f:
                json.dump(data, f)
            os.replace(target + ".tmp", target)

    post_save.connect(publish, sender=User, weak=False)
    publish()

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    port = int(sys.argv[1])
    server = make_server("127.0.0.1", port, get_wsgi_application(), handler_class=Quiet)
    print("ready", flush=True)
    server.serve_forever()

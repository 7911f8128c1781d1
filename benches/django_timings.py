#!/usr/bin/env python3
"""Times Django's own signing.loads / signing.dumps on benches/workloads.json.

Prints one JSON object: {"loads": {workload: seconds}, "dumps": {...}, "django": version}.
Medians of several timeit repeats, per operation.
"""
import json
import os
import statistics
import sys
import timeit
from unittest import mock

import django
from django.conf import settings

here = os.path.dirname(os.path.abspath(__file__))
data = json.load(open(os.path.join(here, "workloads.json")))
settings.configure(SECRET_KEY=data["secret_key"], USE_TZ=True)
django.setup()
from django.core import signing  # noqa: E402

now = data["frozen_time"] + 10
salt, max_age = data["salt"], data["max_age"]
out = {"django": django.get_version(), "python": sys.version.split()[0], "loads": {}, "dumps": {}}


def median_time(fn, number):
    runs = timeit.repeat(fn, number=number, repeat=7)
    return statistics.median(runs) / number


with mock.patch("time.time", return_value=now):
    for name in data["order"]:
        w = data["workloads"][name]
        cookie, session = w["cookie"], w["session"]
        assert signing.loads(cookie, salt=salt, max_age=max_age) == session
        out["loads"][name] = median_time(lambda: signing.loads(cookie, salt=salt, max_age=max_age), 3000)
        out["dumps"][name] = median_time(lambda: signing.dumps(session, salt=salt, compress=True), 3000)
print(json.dumps(out))

#!/usr/bin/env bash
# Times Django's own signing.loads/dumps and djsign's on the same workloads, in one run,
# and prints one table: Django, djsign, ratio (medians, microseconds per operation).
#   benches/compare_django.sh            # Django 5.2 (the workloads' version)
#   DJANGO_LINE=6.1 benches/compare_django.sh
set -euo pipefail
cd "$(dirname "$0")/.."
line="${DJANGO_LINE:-5.2}"
read -r _ py < <(fixtures/venvs.sh "$line")
django_json="$("$py" -W ignore benches/django_timings.py)"
cargo bench --bench signing -- --noplot "^(loads|dumps|unsign|session_load|session_save)/" >/dev/null 2>&1
python3 - "$django_json" <<'PY'
import json, os, platform, sys
django = json.loads(sys.argv[1])
def djsign(group, name):
    p = os.path.join("target", "criterion", group, name, "new", "estimates.json")
    return json.load(open(p))["median"]["point_estimate"] / 1e9
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"Django {django['django']} (Python {django['python']}) vs djsign, {cpu}, {os.cpu_count()} cores")
print()
print("| operation | workload | Django µs | djsign µs | ratio |")
print("|---|---|---:|---:|---:|")
for op, group in [("loads (max_age)", "loads"), ("dumps (compress)", "dumps"),
                  ("signed-cookie session load", "session_load"), ("signed-cookie session save", "session_save")]:
    for name in ["empty", "login", "cart", "large"]:
        d = django[group][name]
        r = djsign(group, name)
        print(f"| {op} | {name} | {d*1e6:.1f} | {r*1e6:.2f} | {d/r:.1f}x |")
for name in ["empty", "login", "cart", "large"]:
    r = djsign("unsign", name)
    print(f"| Signer.unsign (verify only) | {name} | – | {r*1e6:.2f} | {1/r/1e6:.2f} M/s |")
PY
echo
cargo build -q --release --example hot_paths
target/release/examples/hot_paths login scaling 3

#!/usr/bin/env bash
# Times Django's own signing.loads/dumps and djsign's on the same workloads, in one run,
# and prints one table: Django, djsign, ratio (medians, microseconds per operation).
#   benches/compare_django.sh            # Django 5.2 (the workloads' version), 3 rounds
#   DJANGO_LINE=6.1 ROUNDS=5 benches/compare_django.sh
# Each round times Django, then djsign, back to back; the table shows the median of the
# rounds' times and the median of their ratios with its range, so a noisy neighbour that
# slows one round does not decide the figure.
set -euo pipefail
cd "$(dirname "$0")/.."
line="${DJANGO_LINE:-5.2}"
rounds="${ROUNDS:-3}"
read -r _ py < <(django/venvs.sh "$line")
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  "$py" -W ignore benches/django_timings.py > "$results/django-$round.json"
  cargo bench --bench signing -- --noplot "^(loads|dumps|unsign|session_load|session_save|zlib_decompress|zlib_compress|loads_serde_json|loads_struct|dumps_serde_json|dumps_struct|ds_loads_serde_json|ds_loads_struct|ds_dumps_serde_json|ds_dumps_struct)/" >/dev/null 2>&1
  python3 - "$results/djsign-$round.json" <<'PY'
import json, os, sys
out = {}
for group in ["loads", "dumps", "unsign", "session_load", "session_save", "zlib_decompress", "zlib_compress",
              "loads_serde_json", "loads_struct", "dumps_serde_json", "dumps_struct",
              "ds_loads_serde_json", "ds_loads_struct", "ds_dumps_serde_json", "ds_dumps_struct"]:
    for name in ["empty", "login", "cart", "large"]:
        p = os.path.join("target", "criterion", group, name, "new", "estimates.json")
        out.setdefault(group, {})[name] = json.load(open(p))["median"]["point_estimate"] / 1e9
json.dump(out, open(sys.argv[1], "w"))
PY
done
python3 - "$results" "$rounds" <<'PY'
import json, os, platform, statistics, sys
results, rounds = sys.argv[1], int(sys.argv[2])
django = [json.load(open(os.path.join(results, f"django-{r}.json"))) for r in range(1, rounds + 1)]
djsign = [json.load(open(os.path.join(results, f"djsign-{r}.json"))) for r in range(1, rounds + 1)]
info = {}
for l in open("/proc/cpuinfo"):
    k, _, v = l.partition(":")
    info.setdefault(k.strip(), v.strip())
cpu = info.get("model name", platform.machine())
# Generic model names ("Intel(R) Xeon(R) Processor") hide what moves the ratios: the
# model number, and whether SHA-256 runs on the CPU's SHA extensions.
if "model" in info:
    cpu += f" (family {info.get('cpu family', '?')}, model {info['model']}"
    cpu += ", SHA extensions)" if ("sha_ni" in info.get("flags", "").split()) else ", no SHA extensions)"
med = statistics.median
print(f"Django {django[0]['django']} (Python {django[0]['python']}) vs djsign, {cpu}, {os.cpu_count()} cores, "
      f"median of {rounds} rounds")
print()
print("| operation | workload | Django µs | djsign µs | ratio | ratio range |")
print("|---|---|---:|---:|---:|---:|")
for op, group in [("loads (max_age)", "loads"), ("dumps (compress)", "dumps"),
                  ("signed-cookie session load", "session_load"), ("signed-cookie session save", "session_save")]:
    for name in ["empty", "login", "cart", "large"]:
        d = [r[group][name] for r in django]
        s = [r[group][name] for r in djsign]
        ratios = [a / b for a, b in zip(d, s)]
        print(f"| {op} | {name} | {med(d)*1e6:.1f} | {med(s)*1e6:.2f} | {med(ratios):.1f}x "
              f"| {min(ratios):.1f}–{max(ratios):.1f}x |")
for name in ["empty", "login", "cart", "large"]:
    s = med([r["unsign"][name] for r in djsign])
    print(f"| Signer.unsign (verify only) | {name} | – | {s*1e6:.2f} | {1/s/1e6:.2f} M/s | |")
# The zlib step alone: CPython's C zlib inside Django's loads/dumps, beside djsign's
# (zlib-rs inflate; its own deflate, byte-identical to zlib's), and the step's share of
# Django's whole operation, which bounds what any ratio on that operation can reach.
print()
print("| zlib step | workload | Django µs | djsign µs | ratio | share of Django's operation |")
print("|---|---|---:|---:|---:|---:|")
for op, group, whole in [("decompress (in loads)", "zlib_decompress", "loads"),
                         ("compress (in dumps)", "zlib_compress", "dumps")]:
    for name in ["login", "cart", "large"]:
        d = [r[group][name] for r in django]
        s = [r[group][name] for r in djsign]
        share = [a / b[whole][name] for a, b in zip(d, django)]
        ratios = [a / b for a, b in zip(d, s)]
        print(f"| {op} | {name} | {med(d)*1e6:.2f} | {med(s)*1e6:.2f} | {med(ratios):.1f}x "
              f"| {med(share)*100:.0f}% |")
# The paths users call: their own serde types (serde_json::Value with preserve_order; for
# loads the login as a struct, every other key ignored; for dumps the session as a struct,
# login, expiry and cart typed and the rest a map), beside djsign's Value and the
# django-signing crate (0.0.0, crates.io) on the same cookies. Ratios are of medians.
for op, django_group, value_group in [("loads", "loads", "loads"), ("dumps", "dumps", "dumps")]:
    print()
    print(f"| {op} µs | workload | Django | djsign Value | djsign serde_json::Value | djsign struct "
          f"| django-signing serde_json::Value | django-signing struct |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    m = lambda rows, g, n: med([r[g][n] for r in rows])
    for name in ["empty", "login", "cart", "large"]:
        cells = [m(django, django_group, name), m(djsign, value_group, name),
                 m(djsign, f"{op}_serde_json", name), m(djsign, f"{op}_struct", name),
                 m(djsign, f"ds_{op}_serde_json", name), m(djsign, f"ds_{op}_struct", name)]
        print(f"| {op} | {name} | " + " | ".join(f"{c*1e6:.2f}" for c in cells) + " |")
    print()
    print(f"| {op} ratios | workload | serde_json::Value: Django ÷ djsign | ÷ Value row | django-signing ÷ djsign "
          f"| struct: Django ÷ djsign | ÷ Value row | django-signing ÷ djsign |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in ["empty", "login", "cart", "large"]:
        d, v = m(django, django_group, name), m(djsign, value_group, name)
        cells = []
        for kind in ["serde_json", "struct"]:
            ours, theirs = m(djsign, f"{op}_{kind}", name), m(djsign, f"ds_{op}_{kind}", name)
            cells += [f"{d/ours:.1f}x", f"{ours/v:.2f}", f"{theirs/ours:.2f}x"]
        print(f"| {op} | {name} | " + " | ".join(cells) + " |")
PY
echo
cargo build -q --release --example hot_paths
target/release/examples/hot_paths login scaling 3

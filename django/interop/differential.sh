#!/usr/bin/env bash
# Differential testing against live Django for as long as asked: runs the live tests
# (tests/live_django.rs, and the hostile payloads of tests/live_hostile.rs) with fresh
# seeds until SECONDS have passed, against each Django
# line given (default 4.2 5.2 6.1), and reports cases per second. A disagreement stops the
# run and prints the Django version, seed and case (rerun that seed with
# DJSIGN_LIVE_SEED=<seed> to reproduce; add the case to django/generate/generate.py).
#   django/interop/differential.sh 3600
#   django/interop/differential.sh 600 6.1
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"; shift || true
lines=("$@"); [ ${#lines[@]} -gt 0 ] || lines=(4.2 5.2 6.1)
pythons=""
while read -r line py; do pythons="${pythons:+$pythons,}$line=$py"; done < <(django/venvs.sh "${lines[@]}")
cargo build --release --tests -q
end=$(( $(date +%s) + secs )); seed=$(date +%s); total=0; start=$(date +%s)
per_round=2000
while [ "$(date +%s)" -lt "$end" ]; do
  log="$(mktemp)"
  if ! DJSIGN_DJANGO_PYTHONS="$pythons" DJSIGN_LIVE_CASES=$per_round DJSIGN_LIVE_SEED=$seed \
      DJSIGN_HOSTILE_CASES=$(( per_round * 5 )) \
      cargo test -q --release --all-features --test live_django --test live_hostile -- --nocapture >"$log" 2>&1; then
    grep -E "panicked|Django|saved to" "$log" | head -5
    echo "disagreement with seed $seed (reproduce: DJSIGN_LIVE_SEED=$seed)"
    exit 1
  fi
  rm -f "$log"
  total=$(( total + per_round * 6 * ${#lines[@]} )); seed=$(( seed + 1 ))
done
elapsed=$(( $(date +%s) - start ))
echo "differential: $total random cases over ${#lines[@]} Django versions in ${elapsed}s ($(( total / (elapsed > 0 ? elapsed : 1) )) cases/s), no disagreement"

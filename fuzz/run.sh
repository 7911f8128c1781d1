#!/usr/bin/env bash
# Runs djsign's fuzz targets (nightly + cargo-fuzz), each for SECONDS, seeded from the
# fixtures, and prints executions per target; any crash leaves an artifact under
# fuzz/artifacts/<target>/ and fails the run (turn it into a regression test).
#   fuzz/run.sh 30                 # every target, 30 s each (what CI does)
#   fuzz/run.sh 3600 json loads    # some targets, an hour each
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(base64 base62 json loads signed_payload session_load stored_decode messages cookie_header pickle deflate csrf auth inspect isoformat layer json_serde reset_token)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
python3 seed.py >/dev/null
cargo +nightly fuzz build -O >/dev/null
status=0
for t in "${targets[@]}"; do
  log="$(mktemp)"
  # Committed inputs of past findings first (fuzz/regressions.py), each run once.
  if [ -d "regressions/$t" ]; then
    if ! cargo +nightly fuzz run -O "$t" regressions/"$t"/* -- -runs=1 >"$log" 2>&1; then
      echo "fuzz $t: REGRESSION"; grep -E "panicked|ERROR" "$log" | head -5 || true; status=1
    fi
  fi
  if cargo +nightly fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -dict=tokens.dict -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH; status=1
    grep -E "panicked|ERROR|Test unit written" "$log" | head -5 || true
  fi
  execs=$(grep -E "stat::number_of_executed_units" "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | awk '{print $2}')
  echo "fuzz $t: $result, ${execs:-?} executions in ${secs}s, coverage ${cov:-?}"
  rm -f "$log"
done
exit $status

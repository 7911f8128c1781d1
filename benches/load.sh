#!/usr/bin/env bash
# Load benchmark of the tower/axum layer: requests per second of a handler that reads the
# Django session (the `login` workload's cookie) behind the layer, against the same JSON
# handler without it, with wrk on loopback (bounded: 5 s per run). Prints the layer's cost
# per request. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
cargo build -q --release --features axum --example axum_service
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key=$(python3 -c 'import json; print(json.load(open("benches/workloads.json"))["secret_key"])')
cookie=$(python3 -c 'import json; print(json.load(open("benches/workloads.json"))["workloads"]["login"]["cookie"])')
# The workload cookie was signed at its frozen time: a session age larger than its age.
DJANGO_SECRET_KEY="$key" DJANGO_SESSION_COOKIE_AGE=1000000000 target/release/examples/axum_service "$port" >/dev/null &
pid=$!
trap 'kill $pid' EXIT
sleep 1
run() { wrk -t1 -c32 -d5s "$@" | awk '/Requests\/sec/ {print $2}'; }
plain=$(run "http://127.0.0.1:$port/plain")
layer=$(run -H "Cookie: sessionid=$cookie" "http://127.0.0.1:$port/session/user")
curl -s -H "Cookie: sessionid=$cookie" "http://127.0.0.1:$port/session/user" | grep -q '"user":"42"' || { echo "the layer did not read the session"; exit 1; }
python3 - "$plain" "$layer" <<'PY'
import sys
plain, layer = float(sys.argv[1]), float(sys.argv[2])
print(f"without the layer: {plain:,.0f} req/s; with it, reading the login session: {layer:,.0f} req/s")
print(f"layer cost per request: {(1/layer - 1/plain) * 1e6:.2f} us (wrk and the server share 2 cores)")
PY

#!/usr/bin/env bash
# Soak test: the example axum service on Django's db engine (PostgreSQL) under a mix of
# valid, forged, expired, oversized and garbage cookies and concurrent writers, on
# loopback, for SOAK_SECONDS (default 600). See benches/soak.py for what it checks.
#   benches/soak.sh                      # 10 minutes, 8 client threads
#   SOAK_SECONDS=60 benches/soak.sh 4    # a short run
set -euo pipefail
cd "$(dirname "$0")/.."
url="${DJSIGN_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
cargo build -q --release --features axum,postgres --example axum_service
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log="$(mktemp)"
DJANGO_SECRET_KEY="django-insecure-soak-key" DJSIGN_DATABASE_URL="$url" \
  target/release/examples/axum_service "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q ready "$log" && break; sleep 0.2; done
grep -q ready "$log" || { cat "$log"; exit 1; }
python3 benches/soak.py "$port" "$pid" "${1:-8}"

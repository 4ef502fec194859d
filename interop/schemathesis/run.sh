#!/usr/bin/env bash
# Property-based API testing: schemathesis (PyPI) generates requests from each service's OpenAPI
# document and checks every answer against it (--checks all: no 5xx, documented status codes,
# content types and response schemas, schema-violating requests refused, …). `cairn serve` (a
# fresh issuer on SQLite, with an admin token) and `cairn-verify serve` run on loopback.
#
#   interop/schemathesis/run.sh          (EXAMPLES per operation: 25 by default, as in CI)
#
# schemathesis is installed in a virtual environment under target/. Exit status: schemathesis's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
examples=${EXAMPLES:-25}
venv="$root/target/schemathesis-venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
(cd "$root" && cargo build -q -p cairn -p cairn-verify)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
issuer_port=$(port)
verifier_port=$(port)
"$root/target/debug/cairn" init "$work/issuer" --name "Schemathesis District" \
  --url "http://127.0.0.1:$issuer_port" >/dev/null
token=$("$root/target/debug/cairn" token create --config "$work/issuer/cairn.toml" --scope admin \
  --name schemathesis 2>/dev/null)
"$root/target/debug/cairn" serve --config "$work/issuer/cairn.toml" \
  --bind "127.0.0.1:$issuer_port" >"$work/issuer.log" 2>&1 & pids+=($!)
"$root/target/debug/cairn-verify" serve --bind "127.0.0.1:$verifier_port" --offline \
  >"$work/verifier.log" 2>&1 & pids+=($!)
for url in "http://127.0.0.1:$issuer_port/readyz" "http://127.0.0.1:$verifier_port/healthz"; do
  for _ in $(seq 100); do curl -sf "$url" >/dev/null && break; sleep 0.1; done
done
st() { "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$@" \
  --checks all --max-examples "$examples" --seed 1; }
echo "== cairn-verify serve"
st "http://127.0.0.1:$verifier_port/openapi.json"
echo "== cairn serve"
st "http://127.0.0.1:$issuer_port/api/v1/openapi.json" -H "Authorization: Bearer $token"

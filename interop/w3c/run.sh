#!/usr/bin/env bash
# Runs the five official W3C test suites (../shared/w3c-suites) against Cairn: `cairn serve` (the
# issuer) and `cairn-verify serve` (the verifier) on loopback, registered in each suite's
# localConfig.cjs, each suite run with mocha's JSON reporter, then summary.mjs compares the
# failures with not-applicable.json (a test that does not apply, with its reason) and prints the
# passes per suite. Exit status: 0 when no test fails outside that list.
#
#   interop/w3c/run.sh [SUITE…]      (default: all five; needs cargo, node and npm)
#
# Work files go to $W3C_WORK (default: a fresh temporary folder), reports to target/w3c/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
suites_src=$(cd "$root/../shared/w3c-suites/suites" 2>/dev/null && pwd) || {
  echo "../shared/w3c-suites is missing" >&2; exit 2; }
if [ -n "${W3C_WORK:-}" ]; then
  work=$W3C_WORK
else
  work=$(mktemp -d)
  remove_work=$work
fi
reports="$root/target/w3c"
mkdir -p "$work" "$reports"
all=(vc-data-model-2.0-test-suite vc-di-eddsa-test-suite vc-bitstring-status-list-test-suite
     vc-api-issuer-test-suite vc-api-verifier-test-suite)
if [ $# -gt 0 ]; then suites=("$@"); else suites=("${all[@]}"); fi

echo "== building cairn and cairn-verify"
(cd "$root" && cargo build -q -p cairn -p cairn-verify)
cairn="$root/target/debug/cairn"
verify="$root/target/debug/cairn-verify"

# Free loopback ports for the two services.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
issuer_port=$(port)
verifier_port=$(port)
issuer_url="https://127.0.0.1:$issuer_port"
verifier_url="https://127.0.0.1:$verifier_port"

echo "== an issuer (did:key) publishing its status lists at $issuer_url/status"
rm -rf "$work/issuer"
# Over https, as the suites expect (their client unwraps VC-API answers only there), with the
# self-signed certificate `cairn init --self-signed` writes for 127.0.0.1.
"$cairn" init "$work/issuer" --name "Cairn W3C conformance" --url "$issuer_url" --self-signed >/dev/null
cert="$work/issuer/tls/cert.pem"
tls=(--tls-cert "$cert" --tls-key "$work/issuer/tls/key.pem")
# The suites send no token: VC-API issuance without one, for this local run only.
printf '\n[server]\nvc_api_requires_token = false\n' >> "$work/issuer/cairn.toml"
issuer_id=$(python3 -c 'import sys,tomllib; print(tomllib.load(open(sys.argv[1],"rb"))["issuer"]["id"])' "$work/issuer/cairn.toml")

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # The suites' node_modules take some hundred megabytes: a temporary folder goes.
  [ -z "${remove_work:-}" ] || rm -rf "$remove_work"
}
trap cleanup EXIT
"$cairn" serve --config "$work/issuer/cairn.toml" --bind "127.0.0.1:$issuer_port" "${tls[@]}" \
  >"$reports/issuer.log" 2>&1 & pids+=($!)
# The suites' status lists live on this loopback issuer: the verifier may fetch from that one
# host, trusting the run's certificate, and from nowhere else inside.
"$verify" serve --bind "127.0.0.1:$verifier_port" "${tls[@]}" --allow-host 127.0.0.1 \
  --ca-cert "$cert" >"$reports/verifier.log" 2>&1 & pids+=($!)
for url in "$issuer_url/healthz" "$verifier_url/healthz"; do
  for _ in $(seq 1 100); do curl -fs --cacert "$cert" "$url" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs --cacert "$cert" "$url" >/dev/null || { echo "$url does not answer" >&2; exit 2; }
done

for suite in "${suites[@]}"; do
  echo "== $suite"
  dir="$work/$suite"
  if [ ! -d "$dir/node_modules" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -r "$suites_src/$suite/." "$dir/"
    # The suites' two github dependencies, packed beside them (file:../tgz/…).
    [ -d "$work/tgz" ] || cp -r "$suites_src/tgz" "$work/tgz"
    chmod -R u+w "$dir" "$work/tgz"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  ISSUER_ID="$issuer_id" ISSUER_URL="$issuer_url" VERIFIER_URL="$verifier_url" \
    node "$here/config.mjs" > "$dir/localConfig.cjs"
  # Node trusts the run's certificate too (the status-list suite fetches the lists itself).
  (cd "$dir" && APP_ROOT_PATH="$dir" NODE_EXTRA_CA_CERTS="$cert" npx mocha tests/ --reporter json \
      --reporter-option "output=$reports/$suite.json" --timeout 15000 --preserve-symlinks \
      >"$reports/$suite.log" 2>&1) || true
done
node "$here/summary.mjs" "$reports" "$here/not-applicable.json" "${suites[@]}"

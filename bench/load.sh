#!/bin/sh
# Load test of `cairn-verify serve` (BENCHMARKS.md, "Deadlines"): ordinary credentials while
# worst-case inputs are refused and checked, for $DUR seconds (60 by default).
#   cargo build --release -p cairn-verify && sh bench/load.sh
# Needs wrk (Debian package `wrk`) and python3. Prints each client's latency and the server's
# peak resident memory.
set -eu
cd "$(dirname "$0")/.."
DUR=${DUR:-60}
PORT=${PORT:-8099}
W=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$W"' EXIT
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
c = json.load(open("tests/vectors/valid/did-key.json"))
def evidence(n, labelled):
    d = dict(c)
    d["evidence"] = [dict({"type": ["Evidence"], "narrative": "x"}, **({"id": f"_:b{i}"} if labelled else {})) for i in range(n)]
    return d
json.dump(evidence(16000, False), open(f"{w}/refused.json", "w"))
json.dump(evidence(4000, True), open(f"{w}/worst.json", "w"))
t = dict(c); t["credentialSubject"] = dict(c["credentialSubject"]); t["credentialSubject"]["achievement"] = dict(c["credentialSubject"]["achievement"], name="Tampered")
json.dump(t, open(f"{w}/tampered.json", "w"))
PY
target/release/cairn-verify serve --bind 127.0.0.1:$PORT --offline > "$W/serve.log" 2>&1 &
SERVER=$!
sleep 1
URL=http://127.0.0.1:$PORT/verify
run() { BODY=$2 wrk -t1 -c$3 -d${DUR}s --latency -s bench/post.lua $URL > "$W/$1.txt" 2>&1; }
run refused "$W/refused.json" 2 & A=$!
run worst "$W/worst.json" 2 & B=$!
run tampered "$W/tampered.json" 1 & C=$!
run ordinary tests/vectors/valid/did-key.json 4
wait $A $B $C
for f in ordinary tampered refused worst; do
  echo "== $f"
  grep -E "50%|99%|Requests/sec|requests in" "$W/$f.txt"
done
grep VmHWM /proc/$SERVER/status

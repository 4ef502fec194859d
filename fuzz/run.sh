#!/usr/bin/env bash
# Runs fuzz targets, each for SECONDS (default 600), from corpora seeded with Cairn's own test
# vectors; with no target named, every target in turn. Findings (a panic, an overflow under debug
# assertions, a hang, running out of memory) land in fuzz/artifacts/TARGET/.
#   cargo install cargo-fuzz && fuzz/run.sh [TARGET] [SECONDS]
# The code is safe Rust (unsafe_code = "forbid"), so the targets are built without a sanitizer
# (-s none), which runs several times as many inputs; RUSTC_BOOTSTRAP lets the stable toolchain
# take libFuzzer's flags.
set -euo pipefail
cd "$(dirname "$0")"
targets=${1:-"verify_bytes presentation status_list multikey did_document jwks roster_csv canonical_equal photo"}
seconds=${2:-600}
vectors=../tests/vectors
seed() {
  local corpus=corpus/$1
  mkdir -p "$corpus"
  case $1 in
    verify_bytes) find $vectors -type f \( -name '*.json' -o -name '*.jwt' -o -name '*.png' -o -name '*.svg' \) -size -64k ! -name '*.expect.json' -exec cp {} "$corpus"/ \; ;;
    presentation|canonical_equal) find $vectors -name '*.json' -size -64k ! -name '*.expect.json' -exec cp {} "$corpus"/ \; ;;
    did_document) cp $vectors/docs/springfield-did*.json "$corpus"/ ;;
    jwks) cp $vectors/docs/springfield-jwks.json "$corpus"/ ;;
    status_list) python3 -c "import json,glob,sys
for p in glob.glob('$vectors/docs/status-*.json'):
    e = json.load(open(p)).get('credentialSubject', {}).get('encodedList')
    if e: open('$corpus/' + p.split('/')[-1] + '.txt', 'w').write(e)" ;;
    multikey) grep -rhoE 'z6Mk[1-9A-HJ-NP-Za-km-z]{40,}' $vectors | sort -u | head -20 |
      while read -r k; do printf %s "$k" > "$corpus/$k"; done ;;
    photo) cp $vectors/photos/*.png $vectors/valid/*.png "$corpus"/ ;;
    roster_csv) cp ../examples/*.csv "$corpus"/ 2>/dev/null || true
      printf 'email,name,achievement\nedna@example.org,Edna,demo\n' > "$corpus/minimal.csv" ;;
  esac
}
for target in $targets; do
  seed "$target"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -dict=dictionary.txt -max_len="$([ "$target" = photo ] && echo 262144 || echo 65536)" -rss_limit_mb=4096 \
    -print_final_stats=1 2>&1 | tee "corpus/$target.log" | grep -E '^(stat::|==|SUMMARY|Done)' || true
done

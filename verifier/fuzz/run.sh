#!/usr/bin/env bash
# Runs the fast-path equality fuzz target (default 600 s) from a corpus seeded with Cairn's own
# test vectors. Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets the stable
# toolchain take the sanitizer flags.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
corpus=${CORPUS:-../../target/fuzz-corpus/canonical_equal}
mkdir -p "$corpus"
find ../../tests/vectors -name '*.json' -size -64k -exec cp {} "$corpus"/ \;
RUSTC_BOOTSTRAP=1 cargo fuzz run canonical_equal "$corpus" -- \
  -max_total_time="$seconds" -dict=dictionary.txt -max_len=16384 -print_final_stats=1

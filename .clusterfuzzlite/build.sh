#!/usr/bin/env bash
# Builds every cargo-fuzz target into $OUT with its seed corpus, the
# OSS-Fuzz/ClusterFuzzLite way. Also runs outside Docker (.ci/check-workflows
# does that on every CI run): SRC defaults to the repository, OUT to a
# temporary folder.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ -d "${SRC:-}/heapbound" ]; then
  repo="$SRC/heapbound"
fi
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
cd "$repo"

cargo_fuzz=(cargo fuzz)
if ! rustc --version | grep -q nightly; then
  cargo_fuzz=(cargo +nightly fuzz)
fi
"${cargo_fuzz[@]}" build -O

triple=$(rustc -vV | sed -n 's/^host: //p')
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v heapbound-fuzz)
for target in $targets; do
  cp "fuzz/target/$triple/release/$target" "$OUT/$target"
  (cd "corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
done
echo "built $(echo "$targets" | wc -w) fuzz targets into $OUT"

#!/usr/bin/env bash
# Coverage of the checked-in corpus: which bot functions no input reaches.
#
#   scripts/fuzz-coverage.sh [target...]      # default: every target
#
# Builds coverage-instrumented targets (cargo fuzz coverage), merges their
# profiles, prints llvm-cov's summary for src/, and lists the functions of
# src/paper/ and src/bounded/ with zero executions.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v heapbound-fuzz)
fi
if ! rustup component list --toolchain nightly --installed | grep -q llvm-tools; then
  rustup component add llvm-tools-preview --toolchain nightly
fi
if ! command -v rustfilt >/dev/null 2>&1; then
  cargo install rustfilt --locked   # demangles the function names below
fi
bin_dir=$(dirname "$(find "$(rustc +nightly --print sysroot)/lib/rustlib" -name llvm-cov -type f | head -n 1)")
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
objects=()
for target in "${targets[@]}"; do
  cargo +nightly fuzz coverage "$target" "corpus/$target" >/dev/null 2>&1
  # cargo fuzz coverage builds into the root target folder.
  objects+=("-object" "target/$triple/coverage/$triple/release/$target")
done
profiles=()
for target in "${targets[@]}"; do
  profiles+=("fuzz/coverage/$target/coverage.profdata")
done
"$bin_dir/llvm-profdata" merge -sparse "${profiles[@]}" -o fuzz/coverage/all.profdata
# The first -object is positional for llvm-cov.
first="${objects[1]}"
rest=("${objects[@]:2}")
"$bin_dir/llvm-cov" report "$first" "${rest[@]}" -instr-profile=fuzz/coverage/all.profdata \
  -ignore-filename-regex='(\.cargo|rustc|/fuzz/)' | sed "s|$PWD/||"
echo
echo "functions of the bot the corpus never reaches:"
"$bin_dir/llvm-cov" export "$first" "${rest[@]}" -instr-profile=fuzz/coverage/all.profdata \
  -format=text -skip-expansions -ignore-filename-regex='(\.cargo|rustc|/fuzz/)' |
  python3 -c '
import json, subprocess, sys
data = json.load(sys.stdin)
names = set()
for export in data["data"]:
    for function in export["functions"]:
        files = [f for f in function["filenames"] if "/src/paper/" in f or "/src/bounded/" in f]
        if files and function["count"] == 0:
            names.add((files[0].split("/src/")[-1], function["name"]))
demangled = subprocess.run(["rustfilt"], input="\n".join(n for _, n in sorted(names)), capture_output=True, text=True).stdout.splitlines() if names and subprocess.run(["which", "rustfilt"], capture_output=True).returncode == 0 else [n for _, n in sorted(names)]
for (file, _), name in zip(sorted(names), demangled):
    print(f"  src/{file}: {name}")
if not names:
    print("  (none)")
'

#!/usr/bin/env bash
# Run the cargo-fuzz targets in fuzz/, each for a bounded time.
#
# Usage: scripts/fuzz.sh [target ...]        (default: every target)
#   FUZZ_SECONDS=60      seconds per target
#   FUZZ_SANITIZER=none  cargo-fuzz sanitizer (none, address, ...); mhub has
#                        no unsafe code, so none (about twice the executions)
#                        is the default; use address when C code is in play
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/) and
# past findings (fuzz/regressions/<target>/), read only; what libFuzzer
# learns goes to fuzz/work/<target>/ (not committed) and is reused by the
# next run. A crash, a leaked sensitive value (the targets assert it), an
# input slower than 10 s or an allocation over the limits below stops that
# target and leaves the input in fuzz/artifacts/<target>/; the other targets
# still run, and the script exits non-zero. Output of each run is kept in
# fuzz/logs/<target>.log. Runs under nice: the machine is shared.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_EACH=${FUZZ_SECONDS:-60}
SANITIZER=${FUZZ_SANITIZER:-none}
ALL_TARGETS=(batch_jsonl batch_csv batch_zip normalise photo)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

# --- toolchain: nightly and cargo-fuzz, installed when missing -------------
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz.sh: installing the nightly toolchain (cargo-fuzz needs it)" >&2
  rustup toolchain install nightly --profile minimal || exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked || exit 1
fi

# Longest input per target: a few rows, a small zip or photo, one field.
max_len() {
  case "$1" in
    batch_jsonl|batch_csv) echo 32768 ;;
    batch_zip|photo) echo 65536 ;;
    normalise) echo 512 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p fuzz/logs
failed=()
for target in "${TARGETS[@]}"; do
  if [ ! -f "fuzz/fuzz_targets/$target.rs" ]; then
    echo "fuzz.sh: no target $target (have: ${ALL_TARGETS[*]})" >&2
    failed+=("$target")
    continue
  fi
  mkdir -p "fuzz/work/$target" "fuzz/artifacts/$target"
  corpora=("$ROOT/fuzz/work/$target" "$ROOT/fuzz/corpus/$target")
  [ -d "fuzz/regressions/$target" ] && corpora+=("$ROOT/fuzz/regressions/$target")
  echo "fuzz.sh: $target for ${SECONDS_EACH}s (sanitizer $SANITIZER)" >&2
  # -rss_limit_mb: the photo decoder may take pixels x 8 bytes under the
  # hub's own limits (about 320 MB at 40 Mpx); anything near 2 GB is a bug.
  # -malloc_limit_mb: one allocation over 1 GB is unbounded allocation.
  nice -n 10 cargo +nightly fuzz run --sanitizer "$SANITIZER" "$target" "${corpora[@]}" -- \
    -max_total_time="$SECONDS_EACH" \
    -max_len="$(max_len "$target")" \
    -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 \
    -timeout=10 \
    -print_final_stats=1 \
    2>&1 | tee "fuzz/logs/$target.log"
  status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: $target FAILED (exit $status); input in fuzz/artifacts/$target/" >&2
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all targets ran ${SECONDS_EACH}s without a finding" >&2

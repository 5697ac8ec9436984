#!/usr/bin/env bash
# gpu-run-all.sh: one GPU-machine call does everything: gpu-check.sh (the shim, its tests, the managed GPU tests), then
# gpu-distributed.sh (processes and faults) against the shim it built (or PREBUILT_SHIM). Packs every log into
# $OUT/gpu-logs.tar.gz and the shim into $OUT/libringattn_shim.so, so that they come back from the machine.
#   source .gpu-bundle/env.sh && [FRESH=DIR] [BENCHMARK=1] scripts/gpu-run-all.sh
# FRESH: a fresh project built here by packaging/fresh-project/check.sh (its cuda and distributed modes run there);
# BENCHMARK=1: also benchmarks/run-gpu.sh, its report packed with the logs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RESULTS="${OUT:-build/gpu-run-all}"
# The commit scripts/gpu-carry.sh built; this machine's checkout would name the one it started from.
GIT_COMMIT="${GIT_COMMIT:-$(cat "${GPU_TEST_BIN:-.gpu-carry/tests}/commit.txt" 2>/dev/null)}"
export GIT_COMMIT
mkdir -p "$RESULTS"
work="$(mktemp -d)"
OUT="$work/gpu-check" GPU_TEST_BIN="${GPU_TEST_BIN:-.gpu-carry/tests}" scripts/gpu-check.sh >"$work/gpu-check.txt" 2>&1
check=$?
tail -n 16 "$work/gpu-check.txt"
shim="${PREBUILT_SHIM:-$(find build/native -name 'libringattn_shim.so.*.*' -type f -not -path '*/prebuilt/*' | head -n 1)}"
[ -n "$shim" ] && cp -L "$shim" "$RESULTS/libringattn_shim.so"
RINGATTN_NATIVE_PATH="$ROOT/$RESULTS/libringattn_shim.so"
[ "${RESULTS:0:1}" = / ] && RINGATTN_NATIVE_PATH="$RESULTS/libringattn_shim.so"
export RINGATTN_NATIVE_PATH
# Bounded so that the logs are still packed when a check hangs.
OUT="$work/gpu-distributed" timeout -s KILL "${DISTRIBUTED_LIMIT_S:-420}" scripts/gpu-distributed.sh >"$work/gpu-distributed.txt" 2>&1
distributed=$?
tail -n 30 "$work/gpu-distributed.txt"
fresh=0
if [ -n "${FRESH:-}" ]; then
  packaging/fresh-project/check.sh run "$FRESH" cuda distributed >"$work/fresh-project.txt" 2>&1
  fresh=$?
  cat "$work/fresh-project.txt"
fi
if [ "${BENCHMARK:-0}" = 1 ]; then
  timeout -s KILL "${BENCHMARK_LIMIT_S:-300}" benchmarks/run-gpu.sh "$work/benchmarks" >"$work/benchmarks.txt" 2>&1
  tail -n 40 "$work/benchmarks.txt"
fi
tar czf "$RESULTS/gpu-logs.tar.gz" -C "$work" .
echo "gpu-check exit $check, gpu-distributed exit $distributed, fresh project exit $fresh"
[ "$check" = 0 ] && [ "$distributed" = 0 ] && [ "$fresh" = 0 ]

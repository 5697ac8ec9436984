#!/usr/bin/env bash
# gpu-check.sh: on a Linux machine with a GPU, CUDA, cuDNN 9 and NCCL, build the native shim (Release),
# run its ctest suite, run ringattn_shim_bench, run the managed GPU tests if dotnet and the project exist,
# and print a summary table last. Logs and results go to ${OUT:-build/gpu-check}.
#
# Environment:
#   CUDNN_FRONTEND_INCLUDE_DIR  cudnn-frontend include dir (else CMake fetches v1.23.0; needs network)
#   CUDA_ARCH                   CMAKE_CUDA_ARCHITECTURES (default 90: H100/H200)
#   BUILD_DIR                   build tree (default build/native)
#   GIT_COMMIT                  recorded in shim-bench.json
#   JOBS                        parallel build jobs (default: nproc)
#   GPU_TEST_BIN                a folder holding the prebuilt test assemblies (scripts/gpu-carry.sh makes one)
#   GPU_TEST_PROJECTS           managed GPU test project dirs (default: Interop and Cuda tests)
#   PREBUILT_SHIM               a libringattn_shim.so built here before (by an earlier run): skips configure, build,
#                               the library checks, ctest and the shim bench, and runs the managed tests against it
#   SKIP_NATIVE_TESTS           1: build, but skip ctest and the shim bench (the native code did not change)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT_DIR="${OUT:-build/gpu-check}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
BUILD_DIR="${BUILD_DIR:-build/native}"
CUDA_ARCH="${CUDA_ARCH:-90}"
JOBS="${JOBS:-$(nproc)}"
# NVLink multicast must stay off on shared machines; keep a value the user set explicitly.
export NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}"
if [ -z "${GIT_COMMIT:-}" ] && git rev-parse HEAD >/dev/null 2>&1; then
  GIT_COMMIT="$(git rev-parse HEAD)"
fi
export GIT_COMMIT="${GIT_COMMIT:-}"

declare -a STEP_NAMES STEP_RESULTS STEP_SECONDS
record() { STEP_NAMES+=("$1"); STEP_RESULTS+=("$2"); STEP_SECONDS+=("$3"); }
run_step() {  # run_step NAME LOGFILE command...
  local name="$1" log="$2"; shift 2
  local start=$SECONDS
  echo "=== $name (log: $log)"
  if "$@" >"$log" 2>&1; then
    record "$name" "ok" $((SECONDS - start))
    return 0
  fi
  record "$name" "FAILED" $((SECONDS - start))
  tail -n 40 "$log"
  return 1
}

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_commit: ${GIT_COMMIT}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available"
  command -v nvcc >/dev/null && nvcc --version | tail -n 2
  cmake --version | head -n 1
  echo "CUDNN_FRONTEND_INCLUDE_DIR=${CUDNN_FRONTEND_INCLUDE_DIR:-<unset: fetch v1.23.0>}"
  echo "NCCL_NVLS_ENABLE=${NCCL_NVLS_ENABLE}"
  ls -d /usr/include/gtest 2>/dev/null && echo "googletest headers: present" || echo "googletest headers: absent (tests use mini_test.h)"
} | tee "$OUT_DIR/environment.txt"

CONFIGURE_ARGS=(-S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH")
if [ -n "${CUDNN_FRONTEND_INCLUDE_DIR:-}" ]; then
  CONFIGURE_ARGS+=(-DCUDNN_FRONTEND_INCLUDE_DIR="$CUDNN_FRONTEND_INCLUDE_DIR")
fi

BUILD_OK=0
NATIVE_TESTS=1
if [ -n "${PREBUILT_SHIM:-}" ]; then
  # A shim an earlier run built on this kind of machine: the native part is unchanged, only managed code is tested.
  mkdir -p "$BUILD_DIR/prebuilt"
  cp -L "$PREBUILT_SHIM" "$BUILD_DIR/prebuilt/libringattn_shim.so"
  record "prebuilt shim" "ok ($PREBUILT_SHIM)" 0
  BUILD_OK=1
  NATIVE_TESTS=0
elif run_step "configure" "$OUT_DIR/configure.log" cmake "${CONFIGURE_ARGS[@]}" &&
   run_step "build" "$OUT_DIR/build.log" cmake --build "$BUILD_DIR" -j "$JOBS"; then
  BUILD_OK=1
fi
if [ "${SKIP_NATIVE_TESTS:-0}" = 1 ]; then
  NATIVE_TESTS=0
  record "ctest + shim bench" "skipped (SKIP_NATIVE_TESTS=1)" 0
fi

# Only the C API may be exported, and the installed library may carry no build-tree path (RUNPATH $ORIGIN).
check_library() {
  local lib exported runpath
  lib="$(find "$BUILD_DIR" -name 'libringattn_shim.so.*.*' -type f | head -n 1)"
  echo "library: $lib"
  exported="$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)"
  echo "exported symbols: $(echo "$exported" | wc -l)"
  echo "$exported"
  if echo "$exported" | grep -v '^ringattn_' | grep -q .; then
    echo "ERROR: symbols outside the C API are exported:"; echo "$exported" | grep -v '^ringattn_'; return 1
  fi
  cmake --install "$BUILD_DIR" --prefix "$BUILD_DIR/install" || return 1
  runpath="$(readelf -d "$BUILD_DIR"/install/lib*/libringattn_shim.so | grep -E 'RPATH|RUNPATH')"
  echo "installed: $runpath"
  if [ "$(echo "$runpath" | sed -E 's/.*\[(.*)\].*/\1/')" != '$ORIGIN' ]; then
    echo "ERROR: the installed library's RUNPATH is not exactly \$ORIGIN"; return 1
  fi
  ls -l "$BUILD_DIR"/install/include/ringattn_shim.h
}
if [ "$BUILD_OK" = 1 ] && [ -z "${PREBUILT_SHIM:-}" ]; then
  run_step "exports + install" "$OUT_DIR/library-check.log" check_library
fi

CTEST_SUMMARY="not run"
if [ "$BUILD_OK" = 1 ] && [ "$NATIVE_TESTS" = 1 ]; then
  run_step "ctest" "$OUT_DIR/ctest.log" ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 -V
  CTEST_SUMMARY="$(grep -E 'tests passed|tests failed' "$OUT_DIR/ctest.log" | tail -n 1)"
fi

BENCH_LINE="not run"
if [ "$BUILD_OK" = 1 ] && [ "$NATIVE_TESTS" = 1 ]; then
  BENCH_BIN="$(find "$BUILD_DIR" -name ringattn_shim_bench -type f -perm -u+x | head -n 1)"
  run_step "shim bench" "$OUT_DIR/bench.log" "$BENCH_BIN" --json "$OUT_DIR/shim-bench.json"
  if [ -f "$OUT_DIR/shim-bench.json" ]; then
    BENCH_LINE="$(python3 - "$OUT_DIR/shim-bench.json" <<'PY' 2>/dev/null || cat "$OUT_DIR/shim-bench.json"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"sdpa fwd bf16 B=1 H=16 S=8192 D=128 causal BSHD: direct {r['direct_ms']:.3f} ms {r['direct_tflops']:.0f} TF/s"
      f" | shim {r['shim_ms']:.3f} ms {r['shim_tflops']:.0f} TF/s | shim/direct {r['shim_over_direct']:.3f}"
      f" (>=0.95: {r['pass_95pct']}) | outputs identical {r['outputs_identical']}\n"
      f"       lse_merge {r['lse_merge_ms']:.3f} ms {r['lse_merge_gbps']:.0f} GB/s | accumulate {r['accumulate_ms']:.3f} ms"
      f" {r['accumulate_gbps']:.0f} GB/s | {r['card']} driver {r['nvidia_driver']} CUDA {r['cuda_runtime']}"
      f" cuDNN {r['cudnn_runtime']} NCCL {r['nccl']}")
PY
)"
  fi
fi

# Managed GPU test projects (xunit v3 assemblies are executables: the runtime alone runs a prebuilt one).
GPU_TEST_PROJECTS="${GPU_TEST_PROJECTS:-tests/RingAttention.Interop.Tests tests/RingAttention.Cuda.Tests tests/RingAttention.Cli.Tests}"
SHIM_DIR=""
if [ "$BUILD_OK" = 1 ]; then
  if [ -n "${PREBUILT_SHIM:-}" ]; then
    SHIM_DIR="$BUILD_DIR/prebuilt"
  else
    SHIM_DIR="$(dirname "$(find "$BUILD_DIR" -name 'libringattn_shim.so*' -type f -not -path '*/prebuilt/*' | head -n 1)")"
  fi
  export LD_LIBRARY_PATH="$ROOT/$SHIM_DIR:${LD_LIBRARY_PATH:-}"
  # The managed loader reads RINGATTN_NATIVE_PATH (RingAttention.Interop/Loading).
  export RINGATTN_NATIVE_PATH="$ROOT/$SHIM_DIR/libringattn_shim.so"
fi
for project in $GPU_TEST_PROJECTS; do
  name="$(basename "$project")"
  step="gpu: $name"
  if ! command -v dotnet >/dev/null 2>&1; then
    record "$step" "skipped (no dotnet on PATH)" 0
  elif [ ! -d "$project" ]; then
    record "$step" "skipped ($project absent)" 0
  elif [ "$BUILD_OK" != 1 ]; then
    record "$step" "skipped (native build failed)" 0
  else
    dll=""
    if [ -n "${GPU_TEST_BIN:-}" ] && [ -f "$GPU_TEST_BIN/$name.dll" ]; then
      dll="$GPU_TEST_BIN/$name.dll"  # gathered by scripts/gpu-carry.sh
    else
      dll="$(find "$project/bin" -name "$name.dll" -path '*Release*' 2>/dev/null | head -n 1)"
    fi
    if [ -n "$dll" ]; then
      run_step "$step" "$OUT_DIR/$name.log" dotnet "$dll" -showLiveOutput  # every test's output: the measured ratios
    elif dotnet --list-sdks 2>/dev/null | grep -q .; then
      run_step "$step" "$OUT_DIR/$name.log" dotnet test "$project" -c Release --logger "console;verbosity=detailed"
    else
      record "$step" "skipped (no built assembly and no .NET SDK)" 0
    fi
    grep -E "Total:|Failed:|Skipped:|\[FAIL\]" "$OUT_DIR/$name.log" | tail -n 15
  fi
done

{
  echo
  echo "================ gpu-check summary ================"
  printf '%-20s | %-44s | %s\n' "step" "result" "seconds"
  printf '%-20s-+-%-44s-+-%s\n' "--------------------" "--------------------------------------------" "-------"
  for i in "${!STEP_NAMES[@]}"; do
    printf '%-20s | %-44s | %s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_SECONDS[$i]}"
  done
  echo "ctest: ${CTEST_SUMMARY}"
  echo "bench: ${BENCH_LINE}"
  echo "logs:  ${OUT_DIR}"
} | tee "$OUT_DIR/summary.txt"

for r in "${STEP_RESULTS[@]}"; do
  [ "$r" = "FAILED" ] && exit 1
done
exit 0

#!/usr/bin/env bash
# run-gpu.sh: runs the GPU benchmark suite (BenchmarkDotNet, in-process) from the prebuilt assembly and writes
# <card>.md, <card>.json and <card>.svg (card name slugged, e.g. nvidia-h100-80gb-hbm3.md) into OUT_DIR.
#
#   benchmarks/run-gpu.sh [OUT_DIR] [--quick | --smoke] [--strategies | --packed] [--cases GLOB,...] [BenchmarkDotNet options]
#
# OUT_DIR defaults to benchmarks/results. Needs only the .NET runtime (no SDK): build on a development machine with
#   dotnet build benchmarks/RingAttention.Benchmarks -c Release
# and bring benchmarks/RingAttention.Benchmarks/bin/Release along.
#
# Environment:
#   RINGATTN_NATIVE_PATH  libringattn_shim.so or its folder (default: the first one found under build/)
#   GIT_COMMIT            recorded in the report (default: git rev-parse HEAD where .git exists, else read from .git)
#   BENCH_DLL             the benchmark assembly (default: bin/Release, else .gpu-carry/benchmarks)
#   BUILD_DIR             where to look for the shim when RINGATTN_NATIVE_PATH is unset (default: build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/benchmarks/results"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  OUT_DIR="$1"
  shift
fi
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"

DLL="${BENCH_DLL:-$ROOT/benchmarks/RingAttention.Benchmarks/bin/Release/net10.0/RingAttention.Benchmarks.dll}"
if [ ! -f "$DLL" ] && [ -f "$ROOT/.gpu-carry/benchmarks/RingAttention.Benchmarks.dll" ]; then
  DLL="$ROOT/.gpu-carry/benchmarks/RingAttention.Benchmarks.dll"  # gathered by scripts/gpu-carry.sh
fi
if [ ! -f "$DLL" ]; then
  echo "run-gpu.sh: $DLL is missing: build it with 'dotnet build benchmarks/RingAttention.Benchmarks -c Release' and bring bin/Release along." >&2
  exit 2
fi

if ! command -v dotnet >/dev/null 2>&1 && [ -f "$ROOT/.gpu-bundle/env.sh" ]; then
  # shellcheck disable=SC1091
  source "$ROOT/.gpu-bundle/env.sh"
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "run-gpu.sh: no dotnet on PATH (and no .gpu-bundle/env.sh)." >&2
  exit 2
fi

if [ -z "${RINGATTN_NATIVE_PATH:-}" ]; then
  SHIM="$(find "$ROOT/${BUILD_DIR:-build}" -name 'libringattn_shim.so' 2>/dev/null | head -n 1 || true)"
  if [ -z "$SHIM" ]; then
    echo "run-gpu.sh: set RINGATTN_NATIVE_PATH to libringattn_shim.so (none found under ${BUILD_DIR:-build}/)." >&2
    exit 2
  fi
  export RINGATTN_NATIVE_PATH="$SHIM"
fi

if [ -z "${GIT_COMMIT:-}" ] && command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1; then
  GIT_COMMIT="$(git -C "$ROOT" rev-parse HEAD)"
fi
export GIT_COMMIT="${GIT_COMMIT:-}"
export NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}"

echo "run-gpu.sh: shim $RINGATTN_NATIVE_PATH, results in $OUT_DIR"
cd "$ROOT"
exec dotnet "$DLL" --out "$OUT_DIR" "$@"

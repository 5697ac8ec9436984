#!/usr/bin/env bash
# Builds the CPU emulation of libringattn_shim.so (see ringattn_shim_emulator.c) through the root CMakeLists.txt, as
# .ci/run does, and says how to run the GPU-path tests against it.
#   tests/RingAttention.Cuda.Tests/Emulator/build-emulator.sh [BUILD_DIR]      (default: build/emulator)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="${1:-$root/build/emulator}"
cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=Release -DRINGATTN_BUILD_EMULATOR=ON >/dev/null
cmake --build "$out" >/dev/null
echo "built $out/libringattn_shim.so (the emulator, not the shim)"
echo "run:  dotnet build $root/tests/RingAttention.Cuda.Tests -c Release &&"
echo "      RINGATTN_NATIVE_PATH=$out/libringattn_shim.so RINGATTN_EMULATOR=1 FAKE_SHIM_DEVICES=4 FAKE_SHIM_JITTER_US=300 \\"
echo "      dotnet $root/tests/RingAttention.Cuda.Tests/bin/Release/net10.0/RingAttention.Cuda.Tests.dll"

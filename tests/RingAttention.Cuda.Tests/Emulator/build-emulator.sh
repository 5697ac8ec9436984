#!/usr/bin/env bash
# Builds the CPU emulation of libringattn_shim.so (see ringattn_shim_emulator.c) and runs the GPU tests against it.
#   tests/RingAttention.Cuda.Tests/Emulator/build-emulator.sh [OUT_DIR]      (default: /tmp/ringattn-emulator)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-/tmp/ringattn-emulator}"
mkdir -p "$out"
gcc -O2 -fPIC -shared -Wall -Wextra -Wno-unused-parameter -I"$root/native/cudnn-fe-shim/include" \
  "$here/ringattn_shim_emulator.c" -o "$out/libringattn_shim.so" -lm -lpthread
echo "built $out/libringattn_shim.so"
echo "run:  dotnet build $root/tests/RingAttention.Cuda.Tests -c Release &&"
echo "      RINGATTN_NATIVE_PATH=$out/libringattn_shim.so RINGATTN_EMULATOR=1 FAKE_SHIM_JITTER_US=300 \\"
echo "      dotnet $root/tests/RingAttention.Cuda.Tests/bin/Release/net10.0/RingAttention.Cuda.Tests.dll"

#!/usr/bin/env bash
# Builds and runs the cuDNN SDPA mixed-precision probe on a GPU machine.
#
#   CUDNN_FRONTEND_INCLUDE_DIR  cudnn-frontend's include directory (set by .gpu-bundle/env.sh on the GPU machine;
#                               if unset, the repo's .gpu-bundle/cudnn-frontend-1.23.0/include is used if present)
#   CUDA_HOME                   CUDA toolkit root (default /usr/local/cuda)
#   BUILD_DIR                   where the binary goes (default /tmp/mixed-precision-probe-build)
#   OUT                         where the output text goes (default /tmp): $OUT/mixed-precision-probe.txt
#
# cuDNN's headers and libraries are expected in the system paths. No nvcc is needed: the probe is host C++.
# -lnvrtc -lcuda: cudnn-frontend 1.23 compiles in NVRTC-based "experimental" engines that call NVRTC and the
# driver API (the shim links CUDA::nvrtc and CUDA::cuda_driver for the same reason).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundled_frontend="$here/../../.gpu-bundle/cudnn-frontend-1.23.0/include"
if [ -z "${CUDNN_FRONTEND_INCLUDE_DIR:-}" ] && [ -d "$bundled_frontend" ]; then
    CUDNN_FRONTEND_INCLUDE_DIR="$(cd "$bundled_frontend" && pwd)"
fi
: "${CUDNN_FRONTEND_INCLUDE_DIR:?set CUDNN_FRONTEND_INCLUDE_DIR to the cudnn-frontend include directory}"
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
build_dir="${BUILD_DIR:-/tmp/mixed-precision-probe-build}"
out_dir="${OUT:-/tmp}"
mkdir -p "$build_dir" "$out_dir"

echo "compiling probe.cpp (cudnn-frontend is header-only and slow to parse: expect a minute or two)..."
# -isystem: keeps warnings from the frontend headers (an unused static function) out of the output.
g++ -std=c++17 -O2 -Wall "$here/probe.cpp" \
    -isystem "$CUDNN_FRONTEND_INCLUDE_DIR" -I"$cuda_home/include" \
    -L"$cuda_home/lib64" -Wl,-rpath,"$cuda_home/lib64" \
    -lcudnn -lcudart -lnvrtc -lcuda -o "$build_dir/probe"

# pipefail: the script fails if the probe itself fails (it exits 0 when variants merely fail: that is data).
"$build_dir/probe" 2>&1 | tee "$out_dir/mixed-precision-probe.txt"
echo "output written to $out_dir/mixed-precision-probe.txt"

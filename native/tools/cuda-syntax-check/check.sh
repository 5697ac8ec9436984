#!/usr/bin/env bash
# Syntax-checks the shim's .cu kernels without nvcc (see prelude.h). Needs clang (14+) and the CUDA
# headers of the GPU machine (CUDA_INCLUDE, default: .gpu-headers/usr/local/cuda-13.0/targets/x86_64-linux/include).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cuda_include="${CUDA_INCLUDE:-$root/.gpu-headers/usr/local/cuda-13.0/targets/x86_64-linux/include}"
clang="${CLANG:-$(command -v clang++ || command -v clang++-14)}"
status=0
for f in "${@:-$root/native/cudnn-fe-shim/kernels/*.cu}"; do
  for file in $f; do
    echo "== $file"
    "$clang" -x cuda --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -fsyntax-only -std=c++17 -Wall \
      -DRINGATTN_CUDA_SYNTAX_CHECK -include "$here/prelude.h" -I"$cuda_include" \
      -I"$root/native/cudnn-fe-shim/kernels" "$file" || status=1
  done
done
exit $status

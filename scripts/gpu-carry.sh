#!/usr/bin/env bash
# Here (no GPU): builds the managed code in Release and gathers what a GPU run needs into .gpu-carry/ (ignored by
# git), small enough to travel with the tree: the GPU test assemblies in one folder (they share their dependencies)
# and the benchmark in another. On the GPU machine: GPU_TEST_BIN=.gpu-carry/tests scripts/gpu-check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out=.gpu-carry
if ! git check-ignore -q "$out"; then echo "/$out/" >> .git/info/exclude; fi
rm -rf "$out" && mkdir -p "$out/tests" "$out/benchmarks" "$out/cli" "$out/probe"
dotnet build RingAttention.slnx -c Release -warnaserror -nologo -v quiet
for project in tests/RingAttention.Interop.Tests tests/RingAttention.Cuda.Tests tests/RingAttention.Cli.Tests; do
  cp -r "$project"/bin/Release/net10.0/. "$out/tests/"
done
# The CLI (ringattn launch and run --distributed) and the rank probe, for scripts/gpu-distributed.sh.
cp -r RingAttention.Cli/bin/Release/net10.0/. "$out/cli/"
cp -r tests/RingAttention.RankProbe/bin/Release/net10.0/. "$out/probe/"
if [ -d benchmarks/RingAttention.Benchmarks/bin/Release/net10.0 ]; then
  cp -r benchmarks/RingAttention.Benchmarks/bin/Release/net10.0/. "$out/benchmarks/"
fi
# The commit these outputs were built from (the GPU machine's own checkout does not know it), "+dirty" if uncommitted.
echo "$(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!.gpu-carry' || echo +dirty)" > "$out/tests/commit.txt"
# Debug symbols, XML docs and satellite resources are not needed to run there, and the tree may carry 64 MiB.
find "$out" \( -name '*.pdb' -o -name '*.xml' \) -delete
find "$out" -mindepth 2 -maxdepth 2 -type d -name '*-*' -o -mindepth 2 -maxdepth 2 -type d -regex '.*/[a-z][a-z]' | xargs -r rm -rf
du -sh "$out"/*

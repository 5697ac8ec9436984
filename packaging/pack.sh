#!/usr/bin/env bash
# Packs every RingAttention NuGet package into artifacts/packages/ (or the folder given as $1):
#   RingAttention, RingAttention.Interop, RingAttention.Cuda   managed libraries
#   RingAttention.Cli                                          the `ringattn` .NET tool
#   RingAttention.Runtime.linux-x64                            libringattn_shim.so, only when it has been built
# Warnings are errors. Also checks that each package holds what it should, so CI can run it as a packaging check.
# NATIVE_LIBRARY_PATH overrides where the built shim is looked for (default: the CMake install tree,
# build/native/install/lib/libringattn_shim.so, as scripts/gpu-check.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

out="${1:-artifacts/packages}"
configuration="${CONFIGURATION:-Release}"
native="${NATIVE_LIBRARY_PATH:-build/native/install/lib/libringattn_shim.so}"
managed=(
  RingAttention/RingAttention.csproj
  RingAttention.Interop/RingAttention.Interop.csproj
  RingAttention.Cuda/RingAttention.Cuda.csproj
  RingAttention.Cli/RingAttention.Cli.csproj
)
mkdir -p "$out"

fail() { echo "pack: $1" >&2; exit 1; }

for project in "${managed[@]}"; do
  echo "== pack $project"
  dotnet pack "$project" -c "$configuration" -o "$out" -warnaserror -nologo -v quiet \
    || fail "dotnet pack $project failed"
done

echo "== pack packaging/RingAttention.Runtime.linux-x64"
if [ -f "$native" ]; then
  dotnet pack packaging/RingAttention.Runtime.linux-x64/RingAttention.Runtime.linux-x64.csproj -c "$configuration" -o "$out" \
    -warnaserror -nologo -v quiet -p:NativeLibraryPath="$(realpath "$native")" \
    || fail "dotnet pack RingAttention.Runtime.linux-x64 failed"
else
  echo "skipped RingAttention.Runtime.linux-x64: $native not found (build and install the native shim first, e.g. scripts/gpu-check.sh, or set NATIVE_LIBRARY_PATH)"
  runtime_skipped=1
fi

# What each package must contain (a missing entry means the project's packing settings broke).
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"
expect() {  # expect PACKAGE ENTRY...
  local package="$out/$1.$version.nupkg"; shift
  [ -f "$package" ] || fail "$package was not produced"
  local listing; listing="$(unzip -Z1 "$package")"
  for entry in "$@"; do
    grep -qxF "$entry" <<<"$listing" || fail "$package lacks $entry"
  done
  echo "ok: $package"
}
echo "== check packages (version $version)"
expect RingAttention lib/net10.0/RingAttention.dll lib/net10.0/RingAttention.xml
expect RingAttention.Interop lib/net10.0/RingAttention.Interop.dll lib/net10.0/RingAttention.Interop.xml
expect RingAttention.Cuda lib/net10.0/RingAttention.Cuda.dll lib/net10.0/RingAttention.Cuda.xml
expect RingAttention.Cli tools/net10.0/any/DotnetToolSettings.xml tools/net10.0/any/ringattn.dll \
  tools/net10.0/any/RingAttention.Cuda.dll tools/net10.0/any/RingAttention.Interop.dll
if [ -z "${runtime_skipped:-}" ]; then
  expect RingAttention.Runtime.linux-x64 runtimes/linux-x64/native/libringattn_shim.so
fi
ls -l "$out"

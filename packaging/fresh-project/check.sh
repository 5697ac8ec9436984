#!/usr/bin/env bash
# The packages as a user gets them: a fresh console project outside the repository, whose only link to it is a local
# folder feed of the packed .nupkg files, restored into an empty package cache (so nothing built here leaks in).
#
#   check.sh build OUT [--with-runtime]   pack (unless FEED already holds the packages), create the project in a
#                                         temporary folder, restore it from FEED (+ nuget.org for the dependencies)
#                                         and publish it to OUT/app; --with-runtime adds RingAttention.Runtime.linux-x64
#                                         (packed from NATIVE_LIBRARY_PATH) and unpacks the ringattn tool to OUT/tool.
#   check.sh run OUT MODE...              run the published program: cpu, cuda, or distributed (through OUT/tool's
#                                         `ringattn launch --share-gpu --nproc-per-node 2`). Needs only the .NET runtime.
# Each mode prints PASS or FAIL against float64; the exit code is non-zero when any failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/packaging/fresh-project"
command="${1:?usage: check.sh build OUT [--with-runtime] | check.sh run OUT MODE...}"
out="$(mkdir -p "${2:?OUT}" && cd "$2" && pwd)"
shift 2

if [ "$command" = build ]; then
  with_runtime=0
  [ "${1:-}" = --with-runtime ] && with_runtime=1
  feed="$(mkdir -p "${FEED:-$root/artifacts/packages}" && cd "${FEED:-$root/artifacts/packages}" && pwd)"
  version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n 1)"
  if [ ! -f "$feed/RingAttention.Cuda.$version.nupkg" ] || { [ $with_runtime = 1 ] && [ ! -f "$feed/RingAttention.Runtime.linux-x64.$version.nupkg" ]; }; then
    "$root/packaging/pack.sh" "$feed" >/dev/null
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  runtime=""
  [ $with_runtime = 1 ] && runtime="<PackageReference Include=\"RingAttention.Runtime.linux-x64\" Version=\"$version\" />"
  sed -e "s|@VERSION@|$version|" -e "s|@RUNTIME@|$runtime|" "$here/FreshApp.csproj.template" >"$work/FreshApp.csproj"
  cp "$here/Program.cs" "$work/"
  cat >"$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
CONFIG
  (cd "$work" && dotnet publish -c Release -o "$out/app" --packages "$work/packages" -nologo -v quiet)
  if [ $with_runtime = 1 ]; then
    [ -f "$out/app/libringattn_shim.so" ] || { echo "check.sh: the runtime package put no libringattn_shim.so beside the app" >&2; exit 1; }
    rm -rf "$out/tool" && mkdir -p "$out/tool"
    (cd "$out/tool" && unzip -q "$feed/RingAttention.Cli.$version.nupkg" 'tools/*' && mv tools/net10.0/any/* . && rm -rf tools)
  fi
  echo "built $out/app from the packages in $feed"
  exit 0
fi

[ "$command" = run ] || { echo "check.sh: unknown command $command" >&2; exit 2; }
# The program must find the native library the way a user's does: from the runtime package, nothing pointed at it.
unset RINGATTN_NATIVE_PATH
status=0
for mode in "$@"; do
  if [ "$mode" = distributed ]; then
    dotnet "$out/tool/ringattn.dll" launch --share-gpu --nproc-per-node 2 -- dotnet "$out/app/FreshApp.dll" distributed || status=1
  else
    dotnet "$out/app/FreshApp.dll" "$mode" || status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Builds the benchmark program of this checkout (Release) and prints the path of EdgeBench.Benchmarks.dll; arguments
# go to dotnet build (e.g. -p:EdgeBenchGpu=true). The build's log is printed only when it fails (exit 1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
project="$root/benchmarks/EdgeBench.Benchmarks.csproj"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v dotnet >/dev/null || { echo "build-program: dotnet not found on PATH; install the .NET SDK of global.json (docs/fleet.md)" >&2; exit 1; }
echo "build-program: building $project (Release $*)" >&2
# MSBuild prints its summary even when quiet: the log is shown only when the build fails.
build_log=$(dotnet build "$project" -c Release --nologo -v quiet "$@" 2>&1) \
    || { printf '%s\n' "$build_log" >&2; echo "build-program: the build of $project failed" >&2; exit 1; }
program=$(dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration=Release "$@")
[ -f "$program" ] || { echo "build-program: the build did not produce '$program'" >&2; exit 1; }
echo "$program"

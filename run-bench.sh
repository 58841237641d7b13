#!/usr/bin/env bash
# Runs EdgeBench's default suite on this machine: builds once (Release), then runs every benchmark class with the
# edge configuration and writes one run folder under results/<device-id>/<run-id>/.
# Arguments pass through to the benchmark program (EdgeBench's options and BenchmarkDotNet's), e.g.
#   ./run-bench.sh --filter '*Ssd*' --batch 1,8
# Works from any current directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$root/benchmarks/EdgeBench.Benchmarks.csproj"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "Building EdgeBench (Release)..."
# MSBuild prints its summary even when quiet: the output is shown only when the build fails.
if ! build_log=$(dotnet build "$project" -c Release --nologo -v quiet 2>&1); then
    printf '%s\n' "$build_log" >&2
    exit 1
fi

# No --filter means every benchmark (the program adds --filter '*'): the default suite, or e.g. --model yolov8n alone.
args=("$@")

# Run from the benchmarks folder, as `cd benchmarks && dotnet run -c Release -- ...` does.
cd "$root/benchmarks"
dotnet run -c Release --no-build --project "$project" -- "${args[@]}"

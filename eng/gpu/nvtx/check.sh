#!/usr/bin/env bash
# Checks EdgeBench's NVTX ranges without Nsight: builds nvtx-count.c (gcc) and runs one end-to-end case with it
# loaded as the NVTX tool, the way nsys/ncu load theirs. Prints the ranges by name and count at exit.
#   eng/gpu/nvtx/check.sh [benchmark arguments]   (default: MobileNetV2 end to end, ort-cpu, fp32, batch 1)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v gcc >/dev/null || { echo "check.sh: gcc is missing (apt-get install gcc)" >&2; exit 1; }
gcc -shared -fPIC -O1 -o "$work/libnvtx-count.so" "$here/nvtx-count.c"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--filter '*MobileNetBenchmarks.EndToEnd' --backend ort-cpu --batch 1 --precision fp32 --telemetry none)
cd "$here/../../../benchmarks"
EDGEBENCH_NVTX=1 NVTX_INJECTION64_PATH="$work/libnvtx-count.so" \
    dotnet run -c Release -- "${args[@]}" --results "$work/results" 2>&1 | grep -E '^(nvtx|nvtx-count):|ok, [0-9]+ skipped'

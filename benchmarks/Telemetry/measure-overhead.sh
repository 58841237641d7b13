#!/usr/bin/env bash
# Measures what telemetry sampling costs the timed iterations: the same cases run alternately with
# --telemetry none and with the source under test, ROUNDS times each (alternating, so drift hits both alike),
# then prints the median of each case's mean per setting and the difference.
#
#   benchmarks/Telemetry/measure-overhead.sh [SOURCE] [ROUNDS] [INTERVAL_MS]     (defaults: linux 4 100)
#
# Needs a Release build (dotnet build -c Release benchmarks/EdgeBench.Benchmarks.csproj) and python3.
# Results go to a temp folder, never into results/.
set -euo pipefail
source_under_test="${1:-linux}"
rounds="${2:-4}"
interval="${3:-100}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dll="$root/benchmarks/bin/Release/net10.0/EdgeBench.Benchmarks.dll"
out="$(mktemp -d -t edgebench-overhead-XXXXXX)"
export EDGEBENCH_MODELS="${EDGEBENCH_MODELS:-$out/models}"
filters=('*MobileNetBenchmarks.Inference' '*MobileNetBenchmarks.EndToEnd' '*MobileNetBenchmarks.Preprocess')

for round in $(seq 1 "$rounds"); do
  for setting in none "$source_under_test"; do
    echo "round $round: --telemetry $setting" >&2
    dotnet "$dll" --filter "${filters[@]}" --batch 1 --precision fp32 \
      --telemetry "$setting" --telemetry-interval "$interval" \
      --device-id "$setting" --results "$out/results" >"$out/$setting-$round.log" 2>&1
  done
done

python3 - "$out/results" "$source_under_test" <<'PY'
import csv, glob, os, statistics, sys
root, other = sys.argv[1], sys.argv[2]
means = {}
for setting in ("none", other):
    for path in glob.glob(os.path.join(root, setting, "*", "edgebench.csv")):
        for row in csv.DictReader(open(path, newline="")):
            if row["mean_ms"]:
                means.setdefault((row["stage"], setting), []).append(float(row["mean_ms"]))
print(f"{'stage':<14}{'none ms (median)':>18}{other + ' ms (median)':>22}{'diff':>9}  runs")
for stage in sorted({s for s, _ in means}):
    a, b = means.get((stage, "none"), []), means.get((stage, other), [])
    if a and b:
        ma, mb = statistics.median(a), statistics.median(b)
        spread = (max(a) - min(a)) / ma * 100
        print(f"{stage:<14}{ma:>18.4f}{mb:>22.4f}{(mb - ma) / ma * 100:>+8.1f}%  {len(a)}/{len(b)} (none spread {spread:.1f}%)")
PY
echo "logs and results: $out" >&2

#!/usr/bin/env bash
# One board's fleet job (.github/workflows/fleet.yml, docs/fleet.md): runs the suite into a results tree, then diffs
# the new run folder against the newest run of the same device id that was already there.
#
#   eng/fleet/fleet-job.sh --device-id ID --results DIR [--telemetry SOURCE] [--filter PATTERN] [--threshold PERCENT]
#                          [--program DLL | --build-arg ARG ...] [--diff-out FILE] [-- PROGRAM-ARGS ...]
#
# --results DIR   the results root (results/ of the results branch's checkout); the run goes to DIR/<ID>/<run-id>/
# --program DLL   a built EdgeBench.Benchmarks.dll to run; without it this checkout is built (Release) with the
#                 --build-arg arguments (e.g. -p:EdgeBenchGpu=true)
# --threshold     diff's relative threshold (default: diff's own, 5%)
# --diff-out FILE also write diff's Markdown to FILE
# PROGRAM-ARGS    passed to the suite (e.g. --backend ort-cpu,ort-cuda); EDGEBENCH_* variables work as usual
#
# Exit: 0 no regression, or the device's first run (nothing to compare); 2 a regression (diff); 3 the runs could not
# be compared (diff refused different setups, e.g. a new .NET or ONNX Runtime, or could not read the base run);
# 1 anything else: a bad argument, a missing tool or folder, a failed build or a failed suite (which wins over 2/3).
# Under GitHub Actions the run folder, the base and the verdict also go to $GITHUB_OUTPUT.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

fail() { echo "fleet-job: $*" >&2; exit 1; }
usage() { sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2; fail "$*"; }

device_id="" results="" telemetry="" filter="" threshold="" program="" diff_out=""
build_args=() program_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --device-id|--results|--telemetry|--filter|--threshold|--program|--build-arg|--diff-out)
            if [ $# -lt 2 ] || [ -z "$2" ]; then usage "$1 needs a value"; fi
            case "$1" in
                --device-id) device_id="$2" ;;
                --results) results="$2" ;;
                --telemetry) telemetry="$2" ;;
                --filter) filter="$2" ;;
                --threshold) threshold="$2" ;;
                --program) program="$2" ;;
                --build-arg) build_args+=("$2") ;;
                --diff-out) diff_out="$2" ;;
            esac
            shift 2 ;;
        --) shift; program_args=("$@"); break ;;
        *) usage "unknown argument '$1'" ;;
    esac
done

[ -n "$device_id" ] || usage "--device-id is required (the folder under the results root, e.g. rpi5)"
# The id is a folder name, and diff refuses runs of different ids: a slash or a space would split the history.
[[ "$device_id" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] \
    || fail "--device-id '$device_id': expected letters, digits, '.', '_' or '-' (one folder name)"
[ -n "$results" ] || usage "--results is required (the results root, e.g. the results branch's results/)"
[ -d "$results" ] || fail "--results '$results': folder not found; expected the results root (a checkout's results/)"
results="$(cd "$results" && pwd)"
command -v dotnet >/dev/null || fail "dotnet not found on PATH; install the .NET SDK of global.json (docs/fleet.md)"

if [ -n "$program" ]; then
    [ ${#build_args[@]} -eq 0 ] || fail "--build-arg builds this checkout; it cannot apply to --program '$program'"
    [ -f "$program" ] || fail "--program '$program': file not found; expected a built EdgeBench.Benchmarks.dll"
    program="$(cd "$(dirname "$program")" && pwd)/$(basename "$program")"
else
    program=$("$root/eng/fleet/build-program.sh" ${build_args[@]+"${build_args[@]}"}) || exit 1
fi

device_dir="$results/$device_id"
# Run folders are <yyyyMMdd-HHmmss>-<commit>: their names sort by time.
runs() { [ -d "$device_dir" ] && find "$device_dir" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended \
    -regex '.*/[0-9]{8}-[0-9]{6}-[^/]+' -printf '%f\n' | sort; true; }
before=$(runs)
base=""
# The newest earlier run that holds an environment.json (diff needs it); a half-written folder is passed over.
for run_id in $(printf '%s\n' "$before" | sort -r); do
    if [ -f "$device_dir/$run_id/environment.json" ]; then base="$device_dir/$run_id"; break; fi
done

suite_args=(--device-id "$device_id" --results "$results")
[ -z "$telemetry" ] || suite_args+=(--telemetry "$telemetry")
[ -z "$filter" ] || suite_args+=(--filter "$filter")
echo "fleet-job: running the suite: dotnet exec $program ${suite_args[*]} ${program_args[*]:-}"
suite_rc=0
# From benchmarks/, as run-bench.sh runs it.
(cd "$root/benchmarks" && dotnet exec "$program" "${suite_args[@]}" ${program_args[@]+"${program_args[@]}"}) || suite_rc=$?

new_ids=$(comm -13 <(printf '%s\n' "$before") <(runs) | sed '/^$/d')
[ -n "$new_ids" ] || fail "the suite (exit $suite_rc) wrote no run folder under $device_dir"
[ "$(printf '%s\n' "$new_ids" | wc -l)" -eq 1 ] \
    || fail "more than one new run folder under $device_dir (another job writing the same device id?): ${new_ids//$'\n'/ }"
run_dir="$device_dir/$new_ids"
complete=false
# A run that wrote edgebench.csv finished its cases; an interrupted one (130) is not a baseline for the next commit.
[ -f "$run_dir/edgebench.csv" ] && [ "$suite_rc" -ne 130 ] && complete=true

verdict="" diff_rc=0
if [ "$suite_rc" -ne 0 ] && [ "$complete" = false ]; then
    verdict="suite-failed"
elif [ -z "$base" ]; then
    verdict="first-run"
    echo "fleet-job: nothing to compare: $new_ids is the first run of $device_id under $results"
else
    diff_args=(diff "$base" "$run_dir")
    [ -z "$threshold" ] || diff_args+=(--threshold "$threshold")
    [ -z "$diff_out" ] || diff_args+=(--out "$diff_out")
    echo "fleet-job: comparing with the newest earlier run of $device_id: dotnet exec $program ${diff_args[*]}"
    (cd "$root/benchmarks" && dotnet exec "$program" "${diff_args[@]}") || diff_rc=$?
    case "$diff_rc" in
        0) verdict="no-regression" ;;
        2) verdict="regression" ;;
        *) verdict="not-compared"
           echo "fleet-job: diff could not compare the runs (above); committed, this run is the next one's base" ;;
    esac
fi

if [ "$suite_rc" -ne 0 ]; then rc=1
elif [ "$verdict" = regression ]; then rc=2
elif [ "$verdict" = not-compared ]; then rc=3
else rc=0
fi

echo "fleet-job: device   $device_id"
echo "fleet-job: run      $run_dir (suite exit $suite_rc, complete: $complete)"
echo "fleet-job: base     ${base:-none}"
echo "fleet-job: verdict  $verdict (exit $rc)"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "run-dir=$run_dir"
        echo "run-id=$new_ids"
        echo "base-dir=$base"
        echo "complete=$complete"
        echo "verdict=$verdict"
    } >>"$GITHUB_OUTPUT"
fi
exit "$rc"

#!/usr/bin/env bash
# The fleet's last job (.github/workflows/fleet.yml, docs/fleet.md): `report devices` over every device of a results
# tree, after adding the run folders this workflow made that are not in it yet.
#
#   eng/fleet/fleet-report.sh --results DIR [--runs DIR] [--catalog FILE] [--program DLL]
#
# --results DIR   the results root (results/ of the results branch's checkout); the report goes to DIR/reports/
# --runs DIR      run folders as <device-id>/<run-id>/ (the board jobs' artifacts): each one missing from the results
#                 root is copied in (a run of another branch, a filtered run, a push that lost every retry)
# --catalog FILE  device prices and peak GFLOPS (default: report devices' own, DIR/devices.csv)
# --program DLL   a built EdgeBench.Benchmarks.dll; without it this checkout is built (Release)
#
# Exit: 0 the report was written (under GitHub Actions its Markdown also goes to $GITHUB_STEP_SUMMARY); 1 otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fail() { echo "fleet-report: $*" >&2; exit 1; }

results="" runs="" catalog="" program=""
while [ $# -gt 0 ]; do
    case "$1" in
        --results|--runs|--catalog|--program)
            if [ $# -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value"; fi
            case "$1" in
                --results) results="$2" ;;
                --runs) runs="$2" ;;
                --catalog) catalog="$2" ;;
                --program) program="$2" ;;
            esac
            shift 2 ;;
        *) fail "unknown argument '$1'; usage: --results DIR [--runs DIR] [--catalog FILE] [--program DLL]" ;;
    esac
done

[ -n "$results" ] || fail "--results is required (the results root, e.g. the results branch's results/)"
[ -d "$results" ] || fail "--results '$results': folder not found; expected the results root (a checkout's results/)"
results="$(cd "$results" && pwd)"
[ -z "$catalog" ] || [ -f "$catalog" ] || fail "--catalog '$catalog': file not found; expected a devices.csv"
[ -z "$program" ] || [ -f "$program" ] || fail "--program '$program': file not found; expected a built EdgeBench.Benchmarks.dll"
# An artifact that did not arrive is no reason to withhold the report of the runs that did.
[ -z "$runs" ] || [ -d "$runs" ] || echo "fleet-report: --runs '$runs': folder not found; reporting the results root alone" >&2

added=0
if [ -n "$runs" ] && [ -d "$runs" ]; then
    while IFS= read -r run; do
        device_dir="$results/$(basename "$(dirname "$run")")"
        if [ ! -d "$device_dir/$(basename "$run")" ]; then
            mkdir -p "$device_dir"
            cp -R "$run" "$device_dir/"
            echo "fleet-report: added $(basename "$device_dir")/$(basename "$run")"
            added=$((added + 1))
        fi
    done < <(find "$runs" -mindepth 2 -maxdepth 2 -type d -regextype posix-extended -regex '.*/[0-9]{8}-[0-9]{6}-[^/]+' | sort)
fi

if [ -z "$program" ]; then
    program=$("$root/eng/fleet/build-program.sh") || exit 1
else
    # The report runs from benchmarks/: a path relative to the caller's folder must not change meaning there.
    [ -f "$program" ] || fail "--program $program: file not found; expected a built EdgeBench.Benchmarks.dll"
    program="$(cd "$(dirname "$program")" && pwd)/$(basename "$program")"
fi
report_args=(report devices "$results")
[ -z "$catalog" ] || report_args+=(--catalog "$(cd "$(dirname "$catalog")" && pwd)/$(basename "$catalog")")
echo "fleet-report: $added run(s) added; dotnet exec $program ${report_args[*]}"
(cd "$root/benchmarks" && dotnet exec "$program" "${report_args[@]}") || fail "report devices failed over $results"
# The charts are files beside devices.md (in the artifact); a job summary cannot show them.
[ -z "${GITHUB_STEP_SUMMARY:-}" ] || grep -v '^!\[' "$results/reports/devices.md" >>"$GITHUB_STEP_SUMMARY"

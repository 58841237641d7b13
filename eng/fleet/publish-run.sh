#!/usr/bin/env bash
# Commits one run folder to the results branch and pushes it (.github/workflows/fleet.yml, docs/fleet.md).
#
#   eng/fleet/publish-run.sh --checkout DIR --run-dir DIR [--branch NAME] [--message TEXT] [--attempts N]
#
# --checkout DIR  a work tree of the results branch (the workflow checks it out beside the code)
# --run-dir DIR   the run folder inside it, results/<device-id>/<run-id>/
# --branch NAME   the branch to push to (default: fleet-results)
#
# Every board pushes to the same branch, so a push may find the branch moved by another board: the commit is then
# rebased onto it and pushed again, up to --attempts times (default 5) with a growing, jittered pause. Each job adds
# its own folder, so the rebase never conflicts; if it does, something else edited the branch and the script stops.
# Exit: 0 pushed; 1 a bad argument, a failed commit, or every push attempt failed.
set -euo pipefail

fail() { echo "publish-run: $*" >&2; exit 1; }

checkout="" run_dir="" branch="fleet-results" message="" attempts=5
while [ $# -gt 0 ]; do
    case "$1" in
        --checkout|--run-dir|--branch|--message|--attempts)
            if [ $# -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value"; fi
            case "$1" in
                --checkout) checkout="$2" ;;
                --run-dir) run_dir="$2" ;;
                --branch) branch="$2" ;;
                --message) message="$2" ;;
                --attempts) attempts="$2" ;;
            esac
            shift 2 ;;
        *) fail "unknown argument '$1'; usage: --checkout DIR --run-dir DIR [--branch NAME] [--message TEXT] [--attempts N]" ;;
    esac
done

[ -n "$checkout" ] || fail "--checkout is required (the results branch's work tree)"
[ -n "$run_dir" ] || fail "--run-dir is required (results/<device-id>/<run-id>/ inside the checkout)"
[[ "$attempts" =~ ^[1-9][0-9]?$ ]] || fail "--attempts '$attempts': expected a whole number from 1 to 99"
command -v git >/dev/null || fail "git not found on PATH"
git -C "$checkout" rev-parse --is-inside-work-tree >/dev/null 2>&1 || fail "--checkout '$checkout': not a git work tree"
[ -d "$run_dir" ] || fail "--run-dir '$run_dir': folder not found"
checkout="$(cd "$checkout" && git rev-parse --show-toplevel)"
run_dir="$(cd "$run_dir" && pwd)"
case "$run_dir/" in
    "$checkout"/*) relative="${run_dir#"$checkout"/}" ;;
    *) fail "--run-dir '$run_dir' is not inside the checkout $checkout" ;;
esac

cd "$checkout"
# Runners have no git identity of their own; an identity already configured wins.
git config user.name >/dev/null || git config user.name "EdgeBench fleet"
git config user.email >/dev/null || git config user.email "edgebench-fleet@users.noreply.github.com"
git add -- "$relative"
git diff --cached --quiet && fail "nothing to commit: $relative is already committed or empty"
git commit -q -m "${message:-fleet: $relative}" -- "$relative"

for attempt in $(seq 1 "$attempts"); do
    if git push -q origin "HEAD:refs/heads/$branch"; then
        echo "publish-run: pushed $relative to $branch ($(git rev-parse --short HEAD), attempt $attempt)"
        exit 0
    fi
    [ "$attempt" -lt "$attempts" ] || break
    pause=$((attempt * 3 + RANDOM % 5))
    echo "publish-run: push $attempt of $attempts refused (another board pushed first?): rebasing onto origin/$branch, again in ${pause}s" >&2
    sleep "$pause"
    git fetch -q origin "$branch" || continue
    if ! git rebase -q FETCH_HEAD; then
        git rebase --abort || true
        fail "rebasing $relative onto origin/$branch conflicted: something other than a fleet job edited it"
    fi
done
fail "could not push $relative to $branch after $attempts attempts"

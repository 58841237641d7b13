#!/usr/bin/env python3
"""Aggregates ONNX Runtime profile files (written with EDGEBENCH_ORT_PROFILE=<dir>) into a per-op table.

    python3 eng/gpu/ort-profile-summary.py <dir-or-json>... [--top 25]

For each profile: the number of model runs, the mean run time, and per (op type, execution provider) the summed node
time per run and its share. Node times are what ONNX Runtime's profiler records: on the CUDA provider that is mostly
the host time to launch a kernel, except for nodes that synchronize with the device (e.g. NonMaxSuppression copying
its selected count to the host), so the table shows where the host waits and which nodes run on the CPU provider.
"""
import argparse
import collections
import glob
import json
import os
import sys


def summarize(path, top):
    with open(path) as f:
        events = json.load(f)
    runs = [e["dur"] for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    per_op = collections.defaultdict(lambda: [0, 0])  # (op, provider) -> [total us, count]
    for e in events:
        if e.get("cat") != "Node" or not str(e.get("name", "")).endswith("_kernel_time"):
            continue
        args = e.get("args", {})
        key = (args.get("op_name", "?"), args.get("provider", "?"))
        per_op[key][0] += e.get("dur", 0)
        per_op[key][1] += 1
    n = max(len(runs), 1)
    print(f"\n{os.path.basename(path)}: {len(runs)} runs, mean run {sum(runs) / n / 1000:.3f} ms")
    total = sum(v[0] for v in per_op.values()) or 1
    print(f"  {'op':28} {'provider':26} {'us/run':>10} {'share':>7} {'nodes/run':>9}")
    for (op, provider), (us, count) in sorted(per_op.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"  {op:28} {provider:26} {us / n:10.1f} {100 * us / total:6.1f}% {count / n:9.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    files = []
    for p in args.paths:
        files += sorted(glob.glob(os.path.join(p, "*.json"))) if os.path.isdir(p) else [p] if os.path.isfile(p) else []
    if not files:
        print("error: no profile JSON files found in " + " ".join(args.paths), file=sys.stderr)
        return 1
    for f in files:
        summarize(f, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

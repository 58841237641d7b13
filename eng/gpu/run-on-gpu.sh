#!/usr/bin/env bash
# Runs on the GPU machine, after the four staged parts (.stage/a..d, see README.md beside this file) are in
# /root/st: unpacks the self-contained GPU build, puts the CUDA libraries of python's site-packages on the library
# path, records the GPU's state and runs the MobileNetV2 inference and end-to-end cases on every backend value.
#
#   bash run-on-gpu.sh OUT_DIR [extra EdgeBench/BenchmarkDotNet arguments]
#
# OUT_DIR receives nvidia-smi.txt (before and after), console.log and run.tar.gz (the results folder).
set -uo pipefail
out=${1:?usage: run-on-gpu.sh OUT_DIR [args]}; shift
mkdir -p "$out"
cd /root/st && bash unpack.sh >/dev/null || exit 2
# The GPU package's providers link libcudart.so.13, libcublas(Lt).so.13, libcudnn.so.9 (and TensorRT's libnvinfer.so.10):
# here they are python wheels' libraries, not system ones.
export LD_LIBRARY_PATH=$(cat /root/st/ld_library_path)${LD_LIBRARY_PATH:-}
# Models are generated on first use (random weights, fixed seeds); the TensorRT engine cache lands in models/trt-cache/.
export EDGEBENCH_MODELS=/root/st/models
{ date -u; nvidia-smi; nvidia-smi --query-gpu=name,driver_version,pstate,clocks.sm,clocks.max.sm,clocks.mem,power.draw,power.limit,temperature.gpu,utilization.gpu --format=csv; } > "$out/nvidia-smi.txt" 2>&1
cd /root/st/app
./EdgeBench.Benchmarks \
  --filter '*MobileNetBenchmarks.Inference' '*MobileNetBenchmarks.EndToEnd' \
  --batch 1,8 --precision fp32,fp16 \
  --backend ort-cpu,ort-cuda,ort-cuda-bound,ort-tensorrt,ort-tensorrt-bound \
  --device-id "gpu-$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-')" \
  --results "$out/results" "$@" > "$out/console.log" 2>&1
rc=$?
{ echo; echo "after the run:"; date -u; nvidia-smi --query-gpu=name,pstate,clocks.sm,power.draw,temperature.gpu --format=csv; } >> "$out/nvidia-smi.txt" 2>&1
tar -C "$out" -czf "$out/run.tar.gz" results && rm -rf "$out/results"
# The summary and every skip reason, for the caller's log.
tail -n 15 "$out/console.log"
exit $rc

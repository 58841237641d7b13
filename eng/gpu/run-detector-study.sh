#!/usr/bin/env bash
# SSD300's detector and camera loop on the GPU against the strongest PyTorch, in one device call (the GPU issue):
# EdgeBench's SsdOnDevice cases (detector-only, and the double-buffered CUDA-kernels loop) on ort-cuda-graph, fp32 and
# fp16, batch 1 and 8, once per CUDA provider option set, and eng/gpu/pytorch/ssd_pytorch_way.py (eager and tuned
# modes) on the same card between them, so every ratio is same-call. After staging (README.md in this folder):
#   run: cp .stage/d/* /root/st/ && bash /root/st/run-detector-study.sh $OUT   (copy this file and ssd_pytorch_way.py into .stage/d)
# Each step is time-bounded and leaves what it measured in OUT (run folders as tar.gz, the PyTorch JSON).
set -uo pipefail
out=${1:?usage: run-detector-study.sh OUT_DIR [option set ...]}; shift
mkdir -p "$out"
t0=$SECONDS
# The option sets: "" = EdgeBench's defaults; each other one is a --cuda-options value.
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=("" "prefer_nhwc=1" "fuse_conv_bias=1" "prefer_nhwc=1,fuse_conv_bias=1")
[ -x /root/st/app/EdgeBench.Benchmarks ] || (cd /root/st && bash unpack.sh >/dev/null) || { echo unpack failed > "$out/error.txt"; exit 2; }
LD_LIBRARY_PATH=$(cat /root/st/ld_library_path)${LD_LIBRARY_PATH:-}
export LD_LIBRARY_PATH
export EDGEBENCH_MODELS=/root/st/models
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//')
{ date -u; nvidia-smi --query-gpu=name,driver_version,pstate,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu,memory.total --format=csv; } > "$out/nvidia-smi.txt" 2>&1
echo "ready at $((SECONDS - t0)) s" > "$out/steps.txt"
cd /root/st/app || exit 2

edgebench() {  # $1: option set ("" = defaults), $2: label
  local extra=()
  [ -n "$1" ] && extra=(--cuda-options "$1")
  timeout -s INT 110 ./EdgeBench.Benchmarks --filter '*SsdOnDeviceBenchmarks.DetectorOnly' '*SsdOnDeviceBenchmarks.CudaKernelsPipelined' \
    --model ssd300 --backend ort-cuda-graph --batch 1,8 --precision fp32,fp16 --telemetry none \
    --device-id "gpu-${gpu}" --results "$out/results-$2" "${extra[@]}" > "$out/console-$2.log" 2>&1
  echo "edgebench [$1] rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
}

edgebench "${sets[0]}" set0
# The PyTorch reference on the file EdgeBench just generated (same weights), eager and tuned, between EdgeBench's runs.
timeout 200 python3 /root/st/ssd_pytorch_way.py --model /root/st/models/generated/ssd300-fp32.onnx --device cuda \
  --mode eager,tuned --batch 1,8 --precision fp32,fp16 --seconds 2 --warmup 20 --out "$out/pytorch-ssd.json" > "$out/pytorch.log" 2>&1
echo "pytorch rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
for i in "${!sets[@]}"; do
  [ "$i" -eq 0 ] && continue
  edgebench "${sets[$i]}" "set$i"
done
{ echo; date -u; nvidia-smi --query-gpu=pstate,clocks.sm,power.draw,temperature.gpu --format=csv; } >> "$out/nvidia-smi.txt" 2>&1
for i in "${!sets[@]}"; do echo "set$i=${sets[$i]}"; done > "$out/sets.txt"
tar -C "$out" -czf "$out/runs.tar.gz" $(cd "$out" && ls -d results-* 2>/dev/null) && rm -rf "$out"/results-*
tail -n 12 "$out/pytorch.log"
cat "$out/steps.txt"

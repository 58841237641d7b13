#!/usr/bin/env bash
# SSD300's detector and camera loop on the GPU against the strongest PyTorch, in one device call (the GPU issue):
#  1. EdgeBench's SsdOnDevice cases (detector-only, and the double-buffered CUDA-kernels loop) on ort-cuda-graph, fp32
#     and fp16, batch 1 and 8, once per CUDA provider option set ("" = EdgeBench's defaults, else a --cuda-options value);
#  2. eng/gpu/pytorch/ssd_pytorch_way.py (eager and tuned modes) on the same card, between EdgeBench's runs, so every
#     ratio is same-call;
#  3. the fp16 batch-1 detector in fresh processes (LAUNCHES per option set, PyTorch's tuned detector likewise), to see
#     whether its two modes across runs are the process's (cuDNN's algorithm choice) or the GPU's;
#  4. the SSD300 ladder with the last option set, to show it still runs.
# After staging (README.md in this folder):
#   run: ... && bash /root/st/run-detector-study.sh /root/study && tar -C /root -czf $OUT/study.tar.gz study
# (the device tool brings back a few files per call: keep everything in one archive). Each step is time-bounded.
set -uo pipefail
out=${1:?usage: run-detector-study.sh OUT_DIR [option set ...]}; shift
mkdir -p "$out"
t0=$SECONDS
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=("" "prefer_nhwc=1" "prefer_nhwc=1,fuse_conv_bias=1")
launches=${LAUNCHES:-4}
[ -x /root/st/app/EdgeBench.Benchmarks ] || (cd /root/st && bash unpack.sh >/dev/null) || { echo unpack failed > "$out/error.txt"; exit 2; }
LD_LIBRARY_PATH=$(cat /root/st/ld_library_path)${LD_LIBRARY_PATH:-}
export LD_LIBRARY_PATH
export EDGEBENCH_MODELS=/root/st/models
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//')
{ date -u; nvidia-smi --query-gpu=name,driver_version,pstate,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu,memory.total --format=csv; } > "$out/nvidia-smi.txt" 2>&1
for i in "${!sets[@]}"; do echo "set$i=${sets[$i]}"; done > "$out/sets.txt"
echo "ready at $((SECONDS - t0)) s" > "$out/steps.txt"
cd /root/st/app || exit 2

edgebench() {  # $1: option set, $2: label, $3: seconds, then the case selection
  local set=$1 label=$2 limit=$3; shift 3
  local extra=()
  [ -n "$set" ] && extra=(--cuda-options "$set")
  timeout -s INT "$limit" ./EdgeBench.Benchmarks "$@" --telemetry none --device-id "gpu-${gpu}" \
    --results "$out/results-$label" "${extra[@]}" > "$out/console-$label.log" 2>&1
  echo "edgebench $label [$set] rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
}
onDevice=(--filter '*SsdOnDeviceBenchmarks.DetectorOnly' '*SsdOnDeviceBenchmarks.CudaKernelsPipelined' --model ssd300 --backend ort-cuda-graph)

edgebench "${sets[0]}" set0 110 "${onDevice[@]}" --batch 1,8 --precision fp32,fp16
timeout 200 python3 /root/st/ssd_pytorch_way.py --model /root/st/models/generated/ssd300-fp32.onnx --device cuda \
  --mode eager,tuned --batch 1,8 --precision fp32,fp16 --seconds 2 --warmup 20 --out "$out/pytorch-ssd.json" > "$out/pytorch.log" 2>&1
echo "pytorch rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
for i in "${!sets[@]}"; do
  [ "$i" -eq 0 ] && continue
  edgebench "${sets[$i]}" "set$i" 110 "${onDevice[@]}" --batch 1,8 --precision fp32,fp16
done

# Fresh processes: the fp16 b1 detector of the first and last option sets, and PyTorch's tuned fp16 b1 detector.
for k in $(seq 1 "$launches"); do
  edgebench "${sets[0]}" "launch-set0-$k" 40 --filter '*SsdOnDeviceBenchmarks.DetectorOnly' --model ssd300 --backend ort-cuda-graph --batch 1 --precision fp16
  last=$(( ${#sets[@]} - 1 ))
  edgebench "${sets[$last]}" "launch-set$last-$k" 40 --filter '*SsdOnDeviceBenchmarks.DetectorOnly' --model ssd300 --backend ort-cuda-graph --batch 1 --precision fp16
  timeout 60 python3 /root/st/ssd_pytorch_way.py --model /root/st/models/generated/ssd300-fp32.onnx --device cuda \
    --mode tuned --batch 1 --precision fp16 --seconds 1 --warmup 20 --out "$out/pytorch-launch-$k.json" > /dev/null 2>&1
  echo "pytorch launch $k rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
done

last=$(( ${#sets[@]} - 1 ))
edgebench "${sets[$last]}" "ladder-set$last" 120 --filter '*SsdLadderBenchmarks*' --backend ort-cuda-graph --batch 1,8 --precision fp32,fp16
{ echo; date -u; nvidia-smi --query-gpu=pstate,clocks.sm,power.draw,temperature.gpu --format=csv; } >> "$out/nvidia-smi.txt" 2>&1
tail -n 12 "$out/pytorch.log"
cat "$out/steps.txt"

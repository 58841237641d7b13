#!/usr/bin/env bash
# The GPU checks of "what a model costs" (NVTX ranges in a profile, GPU cold start, every family's % of the GEMM peak
# and device memory) in one call on the GPU machine, after staging (README.md in this folder):
#   run: cp .stage/d/* /root/st/ && bash /root/st/run-cost-checks.sh $OUT      (copy this file into .stage/d first)
# Each step is time-bounded and writes into OUT as it finishes, so a call cut short keeps what it measured.
set -uo pipefail
out=${1:?}; mkdir -p "$out"
t0=$SECONDS
[ -x /root/st/app/EdgeBench.Benchmarks ] || (cd /root/st && bash unpack.sh >/dev/null) || { echo unpack failed > "$out/error.txt"; exit 2; }
LD_LIBRARY_PATH=$(cat /root/st/ld_library_path)${LD_LIBRARY_PATH:-}
export LD_LIBRARY_PATH
export EDGEBENCH_MODELS=/root/st/models
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//')
dev="gpu-${gpu}"
{ date -u; nvidia-smi --query-gpu=name,driver_version,pstate,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu,memory.total --format=csv; } > "$out/nvidia-smi.txt" 2>&1
echo "unpacked at $((SECONDS - t0)) s" > "$out/steps.txt"
cd /root/st/app || exit 2
app=./EdgeBench.Benchmarks
# (A) NVTX
nsys=$(command -v nsys || ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys /usr/local/cuda/nsight-systems*/bin/nsys 2>/dev/null | head -1)
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
{ echo "nsys: ${nsys:-none}"; echo "ncu: ${ncu:-none}"; } >> "$out/steps.txt"
args=(--filter '*MobileNetBenchmarks.EndToEnd' --model mobilenetv2 --backend ort-cuda-bound --batch 1 --precision fp32 --telemetry none --device-id "$dev")
if [ -n "$nsys" ]; then
  EDGEBENCH_NVTX=1 timeout -s INT 50 "$nsys" profile -t cuda,nvtx -o "$out/nvtx-mobilenet-e2e" -f true "$app" "${args[@]}" --results "$out/nvtx-results" > "$out/nvtx-console.log" 2>&1
  echo "nsys rc=$?" >> "$out/steps.txt"
  timeout 25 "$nsys" stats -r nvtx_sum,nvtx_kern_sum -f csv -o "$out/nvtx" "$out/nvtx-mobilenet-e2e.nsys-rep" > "$out/nvtx-stats.log" 2>&1
  rm -f "$out/nvtx-mobilenet-e2e.sqlite"
elif [ -n "$ncu" ]; then
  EDGEBENCH_NVTX=1 timeout -s INT 50 "$ncu" --nvtx --nvtx-include "inference/" --launch-count 4 --metrics gpu__time_duration.sum "$app" "${args[@]}" --results "$out/nvtx-results" > "$out/nvtx-ncu.txt" 2>&1
  echo "ncu rc=$?" >> "$out/steps.txt"
fi
echo "A done at $((SECONDS - t0)) s" >> "$out/steps.txt"
# (C) cold start: CUDA (cuDNN's algorithm search and the session in the first process), CUDA graph (capture in the
# first inference), TensorRT (engine built into an empty cache, then loaded) where its library exists.
timeout -s INT 45 "$app" --filter '*ColdStart*' --model mobilenetv2 --backend ort-cuda,ort-cuda-graph,ort-tensorrt \
  --batch 1 --precision fp32 --cold-starts 3 --telemetry nvidia-smi --device-id "$dev" --results "$out/results" > "$out/coldstart-console.log" 2>&1
echo "C rc=$? done at $((SECONDS - t0)) s" >> "$out/steps.txt"
# (B) every family's inference on the CUDA provider, fp32 and fp16: % of the GEMM peak, GPU memory
# (The trained ResNet-18 is not staged there: 63 MB that does not compress; the generated families are.)
families=mobilenetv2,resnet18,resnet50,ssd300,tiny-yolov3,yolov8n
timeout -s INT 90 "$app" --filter '*.Inference' --model "$families" --backend ort-cuda --batch 1 --precision fp32,fp16 \
  --telemetry nvidia-smi --device-id "$dev" --results "$out/results" > "$out/inference-console.log" 2>&1
echo "B rc=$? done at $((SECONDS - t0)) s" >> "$out/steps.txt"
# (B') the same with the NHWC + fused-bias CUDA options (docs/gpu-detector.md): every family's % of peak with them
timeout -s INT 90 "$app" --filter '*.Inference' --model "$families" --backend ort-cuda --batch 1 --precision fp32,fp16 \
  --cuda-options prefer_nhwc=1,fuse_conv_bias=1 --telemetry nvidia-smi --device-id "$dev" --results "$out/results" > "$out/inference-nhwc-console.log" 2>&1
echo "B' rc=$? done at $((SECONDS - t0)) s" >> "$out/steps.txt"
tar -C "$out" -czf "$out/runs.tar.gz" results nvtx-results 2>/dev/null && rm -rf "$out/results" "$out/nvtx-results"

#!/usr/bin/env bash
# Runs on the GPU machine, after the four staged parts (.stage/a..d, see README.md beside this file) are in
# /root/st: unpacks the self-contained GPU build, puts the CUDA libraries of python's site-packages on the library
# path, records the GPU's state, runs EdgeBench's GPU matrix with nvidia-smi telemetry, then the PyTorch-way SSD300
# reference (eng/gpu/pytorch/) on the same card, so the two are compared on one GPU in one session.
#
#   bash eng/gpu/run-on-gpu.sh OUT_DIR [EdgeBench/BenchmarkDotNet arguments]
#
# Without arguments it runs the accelerator issue's matrix: the inference, device-only inference and end-to-end cases
# of every family plus the SSD300 optimization ladder, fp32 and fp16, batch 1 and 8, on the CUDA provider host-copy,
# device-bound and replayed as a CUDA graph (TensorRT values too: skipped, with the reason, where libnvinfer is absent). Arguments replace that
# selection. --device-id and --results are always set here: the device id is the GPU's name.
# OUT_DIR receives nvidia-smi.txt (before and after), console.log, run.tar.gz (the results folder), and
# pytorch-ssd.json / pytorch.log.
set -uo pipefail
out=${1:?usage: run-on-gpu.sh OUT_DIR [args]}; shift
out=$(mkdir -p "$out" && cd "$out" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
(cd /root/st && bash unpack.sh >/dev/null) || exit 2
# The trained ResNet-18 (63 MB, incompressible) does not fit part d: when it was carried in pieces
# (/root/st/r18.part0, r18.part1, ...), put it back where the program looks for it.
if ls /root/st/r18.part* >/dev/null 2>&1; then
  mkdir -p /root/st/app/pretrained && cat /root/st/r18.part* > /root/st/app/pretrained/ResNet18.onnx
fi
# The GPU package's providers link libcudart.so.13, libcublas(Lt).so.13, libcudnn.so.9 (and TensorRT's libnvinfer.so.10):
# here they are python wheels' libraries, not system ones.
export LD_LIBRARY_PATH=$(cat /root/st/ld_library_path)${LD_LIBRARY_PATH:-}
# Models are generated on first use (random weights, fixed seeds, calibrated heads); TensorRT caches land in models/trt-cache/.
export EDGEBENCH_MODELS=/root/st/models
{ date -u; nvidia-smi; nvidia-smi --query-gpu=name,driver_version,pstate,clocks.sm,clocks.max.sm,clocks.mem,power.draw,power.limit,temperature.gpu,utilization.gpu --format=csv; } > "$out/nvidia-smi.txt" 2>&1
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//')

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(--filter '*Benchmarks.Inference' '*Benchmarks.InferenceOnDevice' '*Benchmarks.EndToEnd'
        --batch 1,8 --precision fp32,fp16
        --backend ort-cuda,ort-cuda-bound,ort-cuda-graph,ort-tensorrt,ort-tensorrt-bound)
fi
cd /root/st/app
# Bounded, so the archive and the PyTorch reference still run inside one 10-minute device call; what was measured
# before a stop is in edgebench.partial.csv.
timeout -s INT "${EDGEBENCH_GPU_RUN_SECONDS:-480}" ./EdgeBench.Benchmarks "${args[@]}" --device-id "gpu-${gpu}" --results "$out/results" > "$out/console.log" 2>&1
rc=$?
{ echo; echo "after the run:"; date -u; nvidia-smi --query-gpu=name,pstate,clocks.sm,power.draw,temperature.gpu --format=csv; } >> "$out/nvidia-smi.txt" 2>&1
tar -C "$out" -czf "$out/run.tar.gz" results && rm -rf "$out/results"

# The same SSD300 pipeline the PyTorch way (eager module, torchvision batched_nms), on the file EdgeBench generated.
model=/root/st/models/generated/ssd300-fp32.onnx
if [ -f "$repo/eng/gpu/pytorch/ssd_pytorch_way.py" ] && [ -f "$model" ]; then
  timeout 150 python3 "$repo/eng/gpu/pytorch/ssd_pytorch_way.py" --model "$model" --device cuda --batch 1,8 \
    --precision fp32,fp16 --out "$out/pytorch-ssd.json" > "$out/pytorch.log" 2>&1 || echo "pytorch reference: exit $?" >> "$out/pytorch.log"
fi

# The summary and every skip reason, for the caller's log.
tail -n 15 "$out/console.log"
tail -n 25 "$out/pytorch.log" 2>/dev/null
exit $rc

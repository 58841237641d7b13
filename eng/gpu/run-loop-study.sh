#!/usr/bin/env bash
# Every family's GPU-resident camera loop against its model alone and against the strongest PyTorch, in device calls
# of under 10 minutes each (the GPU issue). Run from the repository root on the GPU machine, after staging
# (README.md in this folder), with the part to run:
#   a  YOLOv3-tiny: YoloOnDeviceBenchmarks (detector-only, the double-buffered loop on pageable and on page-locked
#      frames), then pytorch/yolo_pytorch_way.py (eager and tuned) on the file EdgeBench generated; then SSD300's
#      same rows and pytorch/ssd_pytorch_way.py;
#   b  MobileNetV2 and ResNet-50: ClassifierOnDeviceBenchmarks (the same three rows), pytorch/classifier_pytorch_way.py
#      on each; the SSD300 ladder (it must still run);
#   c  the batch-8 loops of YOLOv3-tiny and MobileNetV2 alone (the rows a host-copy change moves);
#   d  SSD300's fp16 batch-1 detector in fresh processes, cuDNN's exhaustive against its heuristic algorithm search;
#      then PyTorch's torch.compile'd SSD300 detector (fp32 b1).
# EdgeBench's cases run on ort-cuda-graph with the CUDA options OPTIONS (default prefer_nhwc=1,fuse_conv_bias=1,
# the set the README recommends for recent NVIDIA GPUs), fp32 and fp16, batch 1 and 8.
#   bash eng/gpu/run-loop-study.sh a /root/loops && tar -C /root -czf $OUT/loops-a.tar.gz loops
# (the device tool brings back a few files per call: keep everything in one archive). Each step is time-bounded.
set -uo pipefail
set -f  # the case filters below are BenchmarkDotNet globs, never file names
part=${1:?usage: run-loop-study.sh a|b|c|d OUT_DIR}
out=${2:?usage: run-loop-study.sh a|b|c|d OUT_DIR}
options=${OPTIONS-prefer_nhwc=1,fuse_conv_bias=1}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
t0=$SECONDS
[ -x /root/st/app/EdgeBench.Benchmarks ] || { echo "no /root/st/app/EdgeBench.Benchmarks: stage and unpack first" > "$out/error.txt"; exit 2; }
LD_LIBRARY_PATH=$(cat /root/st/ld_library_path)${LD_LIBRARY_PATH:-}
export LD_LIBRARY_PATH
export EDGEBENCH_MODELS=/root/st/models
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//')
{ date -u; nvidia-smi --query-gpu=name,driver_version,pstate,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu,memory.total --format=csv; } >> "$out/nvidia-smi.txt" 2>&1
echo "part $part options [$options] ready at $((SECONDS - t0)) s" >> "$out/steps.txt"

edgebench() {  # $1: label, $2: seconds, then the case selection
  local label=$1 limit=$2; shift 2
  local extra=()
  [ -n "$options" ] && extra=(--cuda-options "$options")
  (cd /root/st/app && timeout -s INT "$limit" ./EdgeBench.Benchmarks "$@" --telemetry none --device-id "gpu-${gpu}" \
    --results "$out/results-$label" "${extra[@]}" > "$out/console-$label.log" 2>&1)
  echo "edgebench $label rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
}
pytorch() {  # $1: label, $2: seconds, then the script and its arguments
  local label=$1 limit=$2; shift 2
  timeout "$limit" python3 "$@" --device cuda --batch 1,8 --precision fp32,fp16 --seconds 2 --warmup 20 \
    --out "$out/pytorch-$label.json" > "$out/pytorch-$label.log" 2>&1
  echo "pytorch $label rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
}
loopRows() {  # $1: the benchmark class, $2: batch sizes (default 1,8)
  echo --filter "*$1.DetectorOnly" "*$1.CudaKernelsPipelined*" --backend ort-cuda-graph --batch "${2:-1,8}" --precision fp32,fp16
}

case $part in
  a)
    # shellcheck disable=SC2046  # loopRows prints separate arguments
    edgebench yolo 200 $(loopRows YoloOnDeviceBenchmarks) --model tiny-yolov3
    pytorch yolo 120 "$here/pytorch/yolo_pytorch_way.py" --model /root/st/models/generated/tiny-yolov3-fp32.onnx --mode eager,tuned
    # shellcheck disable=SC2046
    edgebench ssd 150 $(loopRows SsdOnDeviceBenchmarks) --model ssd300
    pytorch ssd 220 "$here/pytorch/ssd_pytorch_way.py" --model /root/st/models/generated/ssd300-fp32.onnx --mode eager,tuned
    ;;
  b)
    # shellcheck disable=SC2046
    edgebench classifiers 240 $(loopRows ClassifierOnDeviceBenchmarks) --model mobilenetv2,resnet50
    for model in mobilenetv2 resnet50; do
      pytorch "$model" 120 "$here/pytorch/classifier_pytorch_way.py" --model "/root/st/models/generated/$model-fp32.onnx" --normalization imagenet --mode eager,tuned
    done
    edgebench ladder 120 --filter '*SsdLadderBenchmarks*' --model ssd300 --backend ort-cuda-graph --batch 1,8 --precision fp32,fp16
    ;;
  c)
    # The batch-8 loops whose host copy held them below the model (YOLOv3-tiny, MobileNetV2), after a host-copy change.
    # shellcheck disable=SC2046
    edgebench yolo-b8 120 $(loopRows YoloOnDeviceBenchmarks 8) --model tiny-yolov3
    # shellcheck disable=SC2046
    edgebench mobilenetv2-b8 120 $(loopRows ClassifierOnDeviceBenchmarks 8) --model mobilenetv2
    ;;
  d)
    # The fp16 batch-1 SSD300 detector's two modes across runs (docs/gpu-detector.md): fresh processes with ONNX
    # Runtime's default options (cuDNN's exhaustive, timing-based algorithm search) alternating with the deterministic
    # heuristic search, so a mode that follows the search's choice shows up as a split in the first set only.
    saved=$options
    for k in $(seq 1 "${LAUNCHES:-6}"); do
      for search in EXHAUSTIVE HEURISTIC; do
        options="cudnn_conv_algo_search=$search"
        edgebench "launch-$search-$k" 60 --filter '*SsdOnDeviceBenchmarks.DetectorOnly' --model ssd300 --backend ort-cuda-graph --batch 1 --precision fp16
      done
    done
    options=$saved
    [ -f /root/st/models/generated/ssd300-fp32.onnx ] ||  # the file PyTorch reads; the fp16 runs may not have written it
      edgebench fp32-model 60 --filter '*SsdOnDeviceBenchmarks.DetectorOnly' --model ssd300 --backend ort-cuda-graph --batch 1 --precision fp32
    # torch.compile (max-autotune-no-cudagraphs, then replayed as a CUDA graph) of PyTorch's channels_last SSD300
    # detector, fp32 batch 1 only: minutes of compilation per shape. PYTORCH_DIR: another copy of the scripts.
    timeout "${COMPILE_SECONDS:-330}" python3 "${PYTORCH_DIR:-$here/pytorch}/ssd_pytorch_way.py" --model /root/st/models/generated/ssd300-fp32.onnx \
      --device cuda --mode tuned --compile --batch 1 --precision fp32 --seconds 2 --warmup 20 \
      --out "$out/pytorch-ssd-compiled.json" > "$out/pytorch-ssd-compiled.log" 2>&1
    echo "pytorch ssd-compiled rc=$? at $((SECONDS - t0)) s" >> "$out/steps.txt"
    ;;
  *) echo "unknown part '$part' (expected a, b, c or d)" >&2; exit 2 ;;
esac
{ echo; date -u; nvidia-smi --query-gpu=pstate,clocks.sm,power.draw,temperature.gpu --format=csv; } >> "$out/nvidia-smi.txt" 2>&1
cat "$out/steps.txt"

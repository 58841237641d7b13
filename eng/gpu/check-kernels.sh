#!/usr/bin/env bash
# Compiles EdgeBench's CUDA kernel file (src/EdgeBench.Inference.OnnxRuntime/Cuda/PipelineKernels.cu) for syntax and
# types with clang's CUDA front end, on a machine without CUDA: CI has no GPU, and NVRTC only sees the file on a GPU
# machine, at the first run (a typo would cost a staging round). clang checks the device code against declarations
# of the few CUDA builtins the file uses (what NVRTC provides implicitly); a kernel that uses a new builtin needs its
# declaration added below. It does not check the arithmetic: the benchmarks' setup does that on a GPU
# (CudaKernelsCheck). Usage: eng/gpu/check-kernels.sh [clang]   (default: clang-14, Debian 12's)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
clang=${1:-clang-14}
command -v "$clang" >/dev/null || { echo "check-kernels.sh: $clang is missing (apt-get install clang-14)" >&2; exit 2; }
prelude=$(mktemp --suffix=.h)
trap 'rm -f "$prelude"' EXIT
cat > "$prelude" <<'PRELUDE'
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
typedef unsigned long size_t;
#include "__clang_cuda_builtin_vars.h"
struct float4 { float x, y, z, w; };
struct uint4 { unsigned x, y, z, w; };
__device__ float4 make_float4(float, float, float, float);
__device__ uint4 make_uint4(unsigned, unsigned, unsigned, unsigned);
__device__ float expf(float); __device__ float fminf(float, float); __device__ float fmaxf(float, float);
__device__ unsigned __float_as_uint(float); __device__ float __uint_as_float(unsigned); __device__ float __int_as_float(int);
__device__ unsigned atomicAdd(unsigned*, unsigned); __device__ int atomicAdd(int*, int);
__device__ void __syncthreads();
__device__ unsigned __shfl_sync(unsigned, unsigned, int); __device__ int __shfl_sync(unsigned, int, int);
__device__ unsigned __shfl_xor_sync(unsigned, unsigned, int); __device__ int __shfl_xor_sync(unsigned, int, int);
__device__ int __shfl_up_sync(unsigned, int, unsigned);
__device__ unsigned __reduce_or_sync(unsigned, unsigned);
__device__ int __popc(unsigned);
template <typename T> __device__ T min(T a, T b);
template <typename T> __device__ T max(T a, T b);
PRELUDE
kernels=$root/src/EdgeBench.Inference.OnnxRuntime/Cuda/PipelineKernels.cu
# sm_80 and sm_70: both sides of the file's __CUDA_ARCH__ >= 800 branch (warp_or).
for arch in sm_80 sm_70; do
  "$clang" -x cuda --cuda-device-only --cuda-gpu-arch="$arch" -nocudainc -nocudalib -fsyntax-only -std=c++17 \
    -include "$prelude" "$kernels"
done
echo "check-kernels.sh: $(basename "$kernels") compiles for sm_80 and sm_70 ($("$clang" --version | head -1))"

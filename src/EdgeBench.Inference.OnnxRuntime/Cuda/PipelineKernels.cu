// The GPU-resident camera loops' pre- and postprocessing as CUDA kernels: EdgeBench's "cuda-kernels" end-to-end paths
// (CudaPipelineKernels.cs compiles this file at run time with NVRTC and launches it on the stream ONNX Runtime runs the
// model on). SSD300 uses every kernel, YOLOv3-tiny its decode and the class/merge kernels, the classifiers the
// preprocess only.
//
// Every kernel is the C# reference op for op, compiled with --fmad=false so that a * b + c rounds twice as .NET does
// (RyuJIT never contracts to FMA):
//   preprocess_*      PreprocessReference.Run: bilinear taps from PreprocessReference.SourceCoordinate's tables
//                     (computed on the host, in double, as the reference does), normalize, RGB planes.
//   ssd_scores_*      SsdPostprocessor: softmax over the classes (running max, then the sum of exp in class order),
//                     p = exp(l - max) / sum kept where p > threshold; BoxMath.DecodeSsd for every default box.
//   yolo_decode_*     YoloV3TinyPostprocessor + YoloV3TinyLayout.Decode: confidence = sigmoid(obj) * sigmoid(class)
//                     kept where sigmoid(obj) > threshold and the confidence > threshold (several classes per box, as
//                     darknet); darknet's box for every (head, anchor, cell). Same output form as ssd_scores.
//   ssd_class_*       DetectionAssembler.Emit per class: the top-k candidates by (score desc, box asc), greedy NMS
//                     (Nms.SuppressSorted with BoxMath.IoU and the overlap rule), in three kernels (select, mask,
//                     greedy; see there).
//   ssd_merge         DetectionAssembler.Emit's final order: (score desc, class asc, NMS order), capped at D.
// Differences that remain are the exponentials: CUDA's expf (<= 2 ulp) against glibc's expf and TensorPrimitives.Exp,
// so a probability may differ in its last bits; the benchmark's setup check counts any detection that differs. And
// NaN: fminf/fmaxf return the other operand where MathF.Min/Max return NaN, so a NaN box (an fp16 model overflowing
// in the decode's exp) is compared differently; such a box is garbage on either side.
//
// Selection without sorting everything: candidates are ranked by a unique integer key (score bits, then the
// inverted box index, or class and box index when merging). A class's candidates are gathered into shared memory in
// one pass; up to RANK_LIMIT (512) of them are ranked by counting (each key against all the others), which places the
// top k in order directly; more go through radix select (8 bits per pass, a 256-bin histogram: the k-th largest key,
// then every key at or above it) and a bitonic sort of those k (<= 256) in shared memory. The merge ranks by counting
// only, spread over one block per 64 kept keys.
//
// Launch shapes (CudaPipelineKernels.cs): preprocess (ceil(W*H/256), 1, N) x 256; ssd_scores (ceil(B/32), N) x (32, 8);
// ssd_class_select (C-1, N) x 256; ssd_class_mask (ceil(k/32), C-1, N) x 256; ssd_class_greedy (C-1, N) x 256;
// yolo_decode (ceil(B/32), N) x (32, 8); ssd_merge (ceil((C-1) k / 64), N) x 256. k must be <= 256, C-1 <= 128,
// B <= 65535; SSD's C is SSD_CLASSES, fixed at compile time (YOLO's class count is a kernel argument).

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define THREADS 256
// Score channels including background: fixed when the host compiles this file (-DSSD_CLASSES=...), so a box's
// logits can live in registers.
#ifndef SSD_CLASSES
#define SSD_CLASSES 81
#endif
// Candidates gathered into shared memory before selection (8 bytes each); beyond it, selection reads global memory.
// Both limits can be lowered at compile time (EDGEBENCH_CUDA_KERNEL_DEFINES) so that the setup check also covers the
// fallback paths, which SSD300's few hundred candidates per class never reach.
#ifndef CANDIDATES
#define CANDIDATES 2048
#endif
// Up to this many candidates are ranked by counting (select_sorted); more go through radix select and a sort.
// Ranking costs count / THREADS x count comparisons per thread; radix select about 7 passes of ~20 barriers.
#ifndef RANK_LIMIT
#define RANK_LIMIT 512
#endif
// Probabilities each thread of ssd_class_select loads per round of its gather.
#define GATHER_LOADS 18

// fp16 I/O as raw bits: NVRTC needs no cuda_fp16.h for two conversions. cvt.rn = round to nearest even, as (Half)x.
__device__ __forceinline__ float load_f(const float* p, size_t i) { return p[i]; }
__device__ __forceinline__ float load_f(const u16* p, size_t i)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(p[i]));
    return f;
}
__device__ __forceinline__ void store_f(float* p, size_t i, float v) { p[i] = v; }
__device__ __forceinline__ void store_f(u16* p, size_t i, float v)
{
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v));
    p[i] = h;
}

// ---------------------------------------------------------------------------------------------------------------
// Preprocess: frames uint8 [N, H, W, 3] (BGR when bgr != 0) -> model input [N, 3, outH, outW], x * scale[c] + offset[c].
// The tap tables hold, per output column / row, the two source indices and the weight of the second.
template <typename T>
__device__ void preprocess(const u8* frames, int frameW, int frameH, const int* x0, const int* x1, const float* wx,
                           const int* y0, const int* y1, const float* wy, int outW, int outH, float s0, float s1,
                           float s2, float o0, float o1, float o2, int bgr, T* out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int n = blockIdx.z;
    int plane = outW * outH;
    if (i >= plane) return;
    int x = i % outW, y = i / outW;
    int stride = frameW * 3;
    const u8* frame = frames + (size_t)n * frameH * stride;
    const u8* r0 = frame + (size_t)y0[y] * stride;
    const u8* r1 = frame + (size_t)y1[y] * stride;
    int a = x0[x] * 3, b = x1[x] * 3;
    float fx = wx[x], fy = wy[y];
    float scale[3] = {s0, s1, s2};
    float offset[3] = {o0, o1, o2};
    T* item = out + (size_t)n * 3 * plane;
    for (int c = 0; c < 3; c++)
    {
        int sc = bgr ? 2 - c : c;
        float p00 = r0[a + sc], p01 = r0[b + sc], p10 = r1[a + sc], p11 = r1[b + sc];
        float top = ((1.0f - fx) * p00) + (fx * p01);
        float bottom = ((1.0f - fx) * p10) + (fx * p11);
        float value = ((1.0f - fy) * top) + (fy * bottom);
        store_f(item, (size_t)c * plane + i, (value * scale[c]) + offset[c]);
    }
}

#define PREPROCESS(NAME, T)                                                                                            \
    extern "C" __global__ void NAME(const u8* frames, int frameW, int frameH, const int* x0, const int* x1,            \
                                    const float* wx, const int* y0, const int* y1, const float* wy, int outW,          \
                                    int outH, float s0, float s1, float s2, float o0, float o1, float o2, int bgr,      \
                                    T* out)                                                                            \
    {                                                                                                                  \
        preprocess<T>(frames, frameW, frameH, x0, x1, wx, y0, y1, wy, outW, outH, s0, s1, s2, o0, o1, o2, bgr, out);   \
    }
PREPROCESS(preprocess_f32, float)
PREPROCESS(preprocess_f16, u16)

// ---------------------------------------------------------------------------------------------------------------
// Scores and boxes: locs [N, 4, B], logits [N, SSD_CLASSES, B] (class 0 = background), priors [4, B] (cx, cy, w, h).
// Writes probs [N, SSD_CLASSES-1, B] (0 where p <= threshold) and boxes [N, B] (l, t, r, b).
// A block is SCORE_BOXES boxes x SCORE_GROUPS class groups (threadIdx.x = box, threadIdx.y = group): each thread
// loads and exponentiates its group's GROUP_CLASSES logits, one thread per box adds the exponentials up in class order
// (the C# sum's order, so the same float), and every thread divides its own. One thread per box (81 loads, exps and
// divisions each) left ~2 warps per SM for SSD300's 8,732 boxes: 11 us of mostly waiting on the H200.
#define SCORE_BOXES 32
#define SCORE_GROUPS 8
#define GROUP_CLASSES ((SSD_CLASSES + SCORE_GROUPS - 1) / SCORE_GROUPS)
template <typename T>
__device__ void ssd_scores(const T* locs, const T* logits, const float* priors, int B, float threshold, float scaleXy,
                           float scaleWh, float* probs, float4* boxes)
{
    __shared__ float exps[SSD_CLASSES][SCORE_BOXES];
    __shared__ float groupMax[SCORE_GROUPS][SCORE_BOXES];
    __shared__ float boxSum[SCORE_BOXES];

    int x = threadIdx.x, g = threadIdx.y;
    int b = blockIdx.x * SCORE_BOXES + x;
    int n = blockIdx.y;
    bool inside = b < B;
    const T* l = logits + (size_t)n * SSD_CLASSES * B;
    int c0 = g * GROUP_CLASSES;
    float v[GROUP_CLASSES];
    // fmaxf ignores a NaN operand, so the maximum is the same whatever order the groups take.
    const float negativeInfinity = __int_as_float(0xff800000);
    float mx = negativeInfinity;
#pragma unroll
    for (int j = 0; j < GROUP_CLASSES; j++)
    {
        int c = c0 + j;
        v[j] = inside && c < SSD_CLASSES ? load_f(l, (size_t)c * B + b) : negativeInfinity;
        mx = fmaxf(mx, v[j]);
    }
    groupMax[g][x] = mx;
    __syncthreads();
    mx = groupMax[0][x];
#pragma unroll
    for (int h = 1; h < SCORE_GROUPS; h++) mx = fmaxf(mx, groupMax[h][x]);
#pragma unroll
    for (int j = 0; j < GROUP_CLASSES; j++)
    {
        int c = c0 + j;
        if (c < SSD_CLASSES) exps[c][x] = expf(v[j] - mx); // the value SsdPostprocessor's p = exp(l - max) / sum divides
    }
    __syncthreads();
    if (g == 0)
    {
        float sum = 0.0f;
#pragma unroll
        for (int c = 0; c < SSD_CLASSES; c++) sum = sum + exps[c][x];
        boxSum[x] = sum;
    }
    __syncthreads();
    if (!inside) return;

    float sum = boxSum[x];
    float* pr = probs + (size_t)n * (SSD_CLASSES - 1) * B;
#pragma unroll
    for (int j = 0; j < GROUP_CLASSES; j++)
    {
        int c = c0 + j;
        if (c >= 1 && c < SSD_CLASSES)
        {
            float p = exps[c][x] / sum;
            pr[(size_t)(c - 1) * B + b] = p > threshold ? p : 0.0f;
        }
    }

    if (g != SCORE_GROUPS - 1) return; // one group decodes the box: the last, which has the fewest classes at 81
    const T* d = locs + (size_t)n * 4 * B;
    float dx = load_f(d, b), dy = load_f(d, (size_t)B + b), dw = load_f(d, 2 * (size_t)B + b), dh = load_f(d, 3 * (size_t)B + b);
    float cx = priors[b], cy = priors[B + b], w = priors[2 * B + b], h = priors[3 * B + b];
    float x0 = (scaleXy * dx * w) + cx;
    float y0 = (scaleXy * dy * h) + cy;
    float bw = expf(scaleWh * dw) * w;
    float bh = expf(scaleWh * dh) * h;
    boxes[(size_t)n * B + b] = make_float4(x0 - (0.5f * bw), y0 - (0.5f * bh), x0 + (0.5f * bw), y0 + (0.5f * bh));
}

#define SSD_SCORES(NAME, T)                                                                                            \
    extern "C" __global__ void NAME(const T* locs, const T* logits, const float* priors, int B, float threshold,       \
                                    float scaleXy, float scaleWh, float* probs, float4* boxes)                         \
    {                                                                                                                  \
        ssd_scores<T>(locs, logits, priors, B, threshold, scaleXy, scaleWh, probs, boxes);                             \
    }
SSD_SCORES(ssd_scores_f32, float)
SSD_SCORES(ssd_scores_f16, u16)

// ---------------------------------------------------------------------------------------------------------------
// YOLOv3-tiny decode: heads coarse [N, A(5+C), G0, G0] and fine [N, A(5+C), G1, G1], anchor-major (anchor a owns
// channels a(5+C) .. a(5+C)+4+C: tx, ty, tw, th, objectness, C class logits). Box b runs over (head, anchor, cell)
// as YoloV3TinyLayout numbers it, B = A(G0^2 + G1^2). Writes probs [N, C, B] (the confidence where it is a
// candidate, else 0) and boxes [N, B] (l, t, r, b relative to the network input): ssd_class_select's input form, so
// the class NMS and merge kernels run unchanged. anchorW / anchorH: [2A] in input pixels, indexed head * A + a.
// A block is YOLO_BOXES boxes x YOLO_GROUPS class groups, as ssd_scores (one thread per box would leave 10 blocks
// for a 416 frame's 2,535 boxes, each thread waiting out 80 dependent loads).
#define YOLO_BOXES 32
#define YOLO_GROUPS 8
__device__ __forceinline__ float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); } // BoxMath.Sigmoid

template <typename T>
__device__ void yolo_decode(const T* coarse, const T* fine, int g0, int g1, int anchors, int classes,
                            const float* anchorW, const float* anchorH, int inputSize, float threshold, float* probs,
                            float4* boxes)
{
    int b = blockIdx.x * YOLO_BOXES + threadIdx.x;
    int group = threadIdx.y;
    int n = blockIdx.y;
    int coarseBoxes = anchors * g0 * g0;
    int B = coarseBoxes + anchors * g1 * g1;
    if (b >= B) return;
    int head = b < coarseBoxes ? 0 : 1;
    int g = head == 0 ? g0 : g1;
    int plane = g * g;
    int local = head == 0 ? b : b - coarseBoxes;
    int a = local / plane, cell = local % plane;
    int channels = 5 + classes;
    const T* h = (head == 0 ? coarse : fine) + ((size_t)n * anchors + a) * channels * plane + cell;

    // The C# skips the box when sigmoid(obj) <= threshold (darknet's get_yolo_detections); its logit prefilter only
    // saves work, so the exact test alone gives the same candidates.
    float objectness = sigmoid(load_f(h, 4 * (size_t)plane));
    bool live = objectness > threshold;
    float* p = probs + (size_t)n * classes * B + b;
    for (int c = group; c < classes; c += YOLO_GROUPS)
    {
        float confidence = 0.0f;
        if (live)
        {
            float v = objectness * sigmoid(load_f(h, (size_t)(5 + c) * plane));
            confidence = v > threshold ? v : 0.0f;
        }
        p[(size_t)c * B] = confidence;
    }

    if (group != 0) return;
    // YoloV3TinyLayout.Decode: x = (col + sigmoid(tx)) / G, w = e^tw * anchor_w / input, as ltrb.
    float x = ((float)(cell % g) + sigmoid(load_f(h, 0))) / (float)g;
    float y = ((float)(cell / g) + sigmoid(load_f(h, (size_t)plane))) / (float)g;
    float w = expf(load_f(h, 2 * (size_t)plane)) * anchorW[head * anchors + a] / (float)inputSize;
    float bh = expf(load_f(h, 3 * (size_t)plane)) * anchorH[head * anchors + a] / (float)inputSize;
    boxes[(size_t)n * B + b] = make_float4(x - (0.5f * w), y - (0.5f * bh), x + (0.5f * w), y + (0.5f * bh));
}

#define YOLO_DECODE(NAME, T)                                                                                           \
    extern "C" __global__ void NAME(const T* coarse, const T* fine, int g0, int g1, int anchors, int classes,          \
                                    const float* anchorW, const float* anchorH, int inputSize, float threshold,        \
                                    float* probs, float4* boxes)                                                       \
    {                                                                                                                  \
        yolo_decode<T>(coarse, fine, g0, g1, anchors, classes, anchorW, anchorH, inputSize, threshold, probs, boxes);  \
    }
YOLO_DECODE(yolo_decode_f32, float)
YOLO_DECODE(yolo_decode_f16, u16)

// ---------------------------------------------------------------------------------------------------------------
// Block-wide helpers (THREADS threads).

// The k-th largest of the non-zero keys keyAt(0 .. count-1) (all distinct, at most keyBits wide). Callers pass
// k <= the number of non-zero keys (min(k, candidates)): with fewer, no bin would hold the k-th and the digits read
// back would be garbage. MSB-first radix select: each pass histograms the next 8 bits of the keys that match the digits
// chosen so far, then picks the digit whose bin holds the k-th largest.
template <typename KeyAt>
__device__ u64 kth_largest(KeyAt keyAt, int count, int k, int keyBits, u32* hist, u32* suffix)
{
    int t = threadIdx.x;
    u64 prefix = 0, prefixMask = 0;
    int remaining = k;
    for (int shift = ((keyBits + 7) / 8 - 1) * 8; shift >= 0; shift -= 8)
    {
        hist[t] = 0;
        __syncthreads();
        for (int i = t; i < count; i += THREADS)
        {
            u64 key = keyAt(i);
            if (key != 0 && (key & prefixMask) == prefix) atomicAdd(&hist[(key >> shift) & 255], 1u);
        }
        __syncthreads();
        // suffix[d] = keys in bins d..255 (Hillis-Steele scan from the top).
        suffix[t] = hist[t];
        __syncthreads();
        for (int off = 1; off < THREADS; off <<= 1)
        {
            u32 v = t + off < THREADS ? suffix[t + off] : 0u;
            __syncthreads();
            suffix[t] += v;
            __syncthreads();
        }
        u32 above = t + 1 < THREADS ? suffix[t + 1] : 0u;
        bool mine = suffix[t] >= (u32)remaining && above < (u32)remaining;
        __syncthreads();
        if (mine)
        {
            hist[0] = (u32)t;              // the digit
            hist[1] = (u32)remaining - above;
        }
        __syncthreads();
        u32 digit = hist[0];
        remaining = (int)hist[1];
        prefix |= (u64)digit << shift;
        prefixMask |= (u64)255 << shift;
        __syncthreads();
    }
    return prefix;
}

// Sorts THREADS keys in shared memory, largest first.
__device__ void bitonic_sort_desc(u64* keys)
{
    int t = threadIdx.x;
    for (int size = 2; size <= THREADS; size <<= 1)
    {
        for (int stride = size >> 1; stride > 0; stride >>= 1)
        {
            int other = t ^ stride;
            if (other > t)
            {
                u64 a = keys[t], b = keys[other];
                bool descending = (t & size) == 0;
                if (descending ? a < b : a > b)
                {
                    keys[t] = b;
                    keys[other] = a;
                }
            }
            __syncthreads();
        }
    }
}

// The best k of the non-zero distinct keys keyAt(0 .. count-1), of which there are `nonzero`,
// largest first, into keys[0 .. min(k, nonzero)); the rest of keys[] is 0: radix select the k-th key, gather the keys
// at or above it, sort those (<= THREADS) in shared memory. keyAt may read shared or global memory.
template <typename KeyAt>
__device__ void radix_select_sorted(KeyAt keyAt, int count, int nonzero, int k, int keyBits, u64* keys, u32* hist,
                                    u32* suffix, int* selected)
{
    int t = threadIdx.x;
    keys[t] = 0;
    u64 threshold = kth_largest(keyAt, count, min(k, nonzero), keyBits, hist, suffix);
    if (t == 0) *selected = 0;
    __syncthreads();
    for (int i = t; i < count; i += THREADS)
    {
        u64 key = keyAt(i);
        if (key != 0 && key >= threshold) keys[atomicAdd(selected, 1)] = key;
    }
    __syncthreads();
    bitonic_sort_desc(keys);
}

// The best min(count, k) of the distinct keys candidates[0 .. count) (shared memory), largest first, into
// keys[0 .. min(count, k)); the rest of keys[] is 0. Up to RANK_LIMIT candidates each key's rank is counted directly
// (count comparisons per key, all threads of a warp reading the same shared word: no barriers, no sort); beyond,
// radix select finds the k-th key, the keys at or above it are gathered and sorted.
__device__ void select_sorted(const u64* candidates, int count, int k, int keyBits, u64* keys, u32* hist, u32* suffix,
                              int* selected)
{
    int t = threadIdx.x;
    keys[t] = 0;
    __syncthreads();
    if (count <= RANK_LIMIT)
    {
        for (int i = t; i < count; i += THREADS)
        {
            u64 key = candidates[i];
            int rank = 0;
            for (int j = 0; j < count; j++) rank += candidates[j] > key ? 1 : 0;
            if (rank < k) keys[rank] = key;
        }
        __syncthreads();
        return;
    }

    auto keyAt = [candidates](int i) -> u64 { return candidates[i]; };
    radix_select_sorted(keyAt, count, count, k, keyBits, keys, hist, suffix, selected);
}

// BoxMath.IoU with precomputed areas.
__device__ __forceinline__ float iou(float4 a, float areaA, float4 b, float areaB)
{
    float w = fminf(a.z, b.z) - fmaxf(a.x, b.x);
    float h = fminf(a.w, b.w) - fmaxf(a.y, b.y);
    if (w <= 0.0f || h <= 0.0f) return 0.0f;
    float intersection = w * h;
    float uni = areaA + areaB - intersection;
    return uni > 0.0f ? intersection / uni : 0.0f;
}

// BoundingBox.Area.
__device__ __forceinline__ float area(float4 b) { return fmaxf(0.0f, b.z - b.x) * fmaxf(0.0f, b.w - b.y); }

// ---------------------------------------------------------------------------------------------------------------
// Per class NMS in three launches, so the O(k^2) overlap test spreads over many blocks instead of one per class
// (a class with 200 candidates would otherwise leave one SM with 20,000 IoUs while the rest of the GPU idles;
// measured with ncu on the H200: 64 us for the single-kernel form, 9 + 11.5 + 19 us for these three,
// eng/gpu/profiles/ssd-cuda-kernels-h200-ncu.txt):
//   ssd_class_select  (C-1, N) blocks: the class's top k keys, sorted, and their boxes -> sortedKeys, sortedBoxes,
//                     sortedCounts [N, C-1, k]
//   ssd_class_mask    (k/32 row chunks, C-1, N) blocks: bit j of word w of row i set when candidate j (later) overlaps
//                     candidate i enough to be suppressed by it -> masks [N, C-1, k, 8]
//   ssd_class_greedy  (C-1, N) blocks (the pass itself is one warp's): greedy over the rows -> keptKeys
//                     [N, C-1, k] (merge keys in NMS order: score bits << 23 | (127 - class) << 16 | (65535 - box);
//                     larger = earlier in the final order) and keptCounts [N, C-1].
#define MASK_WORDS (THREADS / 32)

extern "C" __global__ void __launch_bounds__(THREADS)
    ssd_class_select(const float* probs, const float4* boxes, int B, int classes, int k, u64* sortedKeys,
                     float4* sortedBoxes, int* sortedCounts)
{
    __shared__ u64 keys[THREADS];
    __shared__ u32 hist[THREADS];
    __shared__ u32 suffix[THREADS];
    __shared__ u64 candidates[CANDIDATES];
    __shared__ int selected;
    __shared__ int found;

    int t = threadIdx.x;
    int c = blockIdx.x, n = blockIdx.y;
    const float* p = probs + ((size_t)n * classes + c) * B;
    // Score bits, then the inverted box index: larger = better, ties to the lower box (DetectionAssembler's order).
    auto keyAt = [p](int i) -> u64 {
        float s = p[i];
        return s > 0.0f ? ((u64)__float_as_uint(s) << 16) | (u64)(65535 - i) : 0ull;
    };

    // One pass over the class's B probabilities gathers the candidates' keys into shared memory (GATHER_LOADS loads
    // in flight per thread: each round waits out one memory latency, and SSD300's 8,732 boxes take two rounds instead
    // of nine with four loads); selection then reads shared memory. More than CANDIDATES candidates (not seen with
    // SSD300, where a class has a few hundred at most) falls back to selecting from global memory.
    if (t == 0) found = 0;
    __syncthreads();
    for (int base = t; base < B; base += GATHER_LOADS * THREADS)
    {
        float v[GATHER_LOADS];
#pragma unroll
        for (int j = 0; j < GATHER_LOADS; j++) v[j] = base + j * THREADS < B ? p[base + j * THREADS] : 0.0f;
#pragma unroll
        for (int j = 0; j < GATHER_LOADS; j++)
        {
            if (v[j] > 0.0f)
            {
                int slot = atomicAdd(&found, 1);
                if (slot < CANDIDATES) candidates[slot] = ((u64)__float_as_uint(v[j]) << 16) | (u64)(65535 - (base + j * THREADS));
            }
        }
    }
    __syncthreads();
    int count = found;
    int m = min(count, k);
    if (count <= CANDIDATES)
    {
        select_sorted(candidates, count, k, 48, keys, hist, suffix, &selected);
    }
    else
    {
        radix_select_sorted(keyAt, B, count, k, 48, keys, hist, suffix, &selected);
    }

    size_t list = ((size_t)n * classes + c) * k;
    if (t < m)
    {
        u64 key = keys[t];
        sortedKeys[list + t] = key;
        sortedBoxes[list + t] = boxes[(size_t)n * B + (65535 - (int)(key & 65535))];
    }
    if (t == 0) sortedCounts[(size_t)n * classes + c] = m;
}

extern "C" __global__ void __launch_bounds__(THREADS)
    ssd_class_mask(const float4* sortedBoxes, const int* sortedCounts, int classes, int k, float iouThreshold,
                   int suppressAtOrAbove, u32* masks)
{
    __shared__ float4 box[THREADS];
    __shared__ float boxArea[THREADS];

    int t = threadIdx.x;
    int chunk = blockIdx.x, c = blockIdx.y, n = blockIdx.z;
    int m = sortedCounts[(size_t)n * classes + c];
    if (chunk * 32 >= m) return; // rows this block would own are not there (all of them, for a class without candidates)
    size_t list = ((size_t)n * classes + c) * k;
    if (t < m)
    {
        float4 b = sortedBoxes[list + t];
        box[t] = b;
        boxArea[t] = area(b);
    }
    __syncthreads();

    // Thread (r, w): row i = chunk * 32 + r, word w (columns 32w .. 32w + 31): 32 overlap tests at most.
    int i = chunk * 32 + t / MASK_WORDS, w = t % MASK_WORDS;
    if (i >= m) return;
    u32 bits = 0;
    if (w * 32 + 31 > i)
    {
        float4 a = box[i];
        float areaA = boxArea[i];
        for (int bit = 0; bit < 32; bit++)
        {
            int j = w * 32 + bit;
            if (j > i && j < m)
            {
                float o = iou(a, areaA, box[j], boxArea[j]);
                bool suppress = suppressAtOrAbove ? o >= iouThreshold : o > iouThreshold;
                if (suppress) bits |= 1u << bit;
            }
        }
    }
    masks[(list + i) * MASK_WORDS + w] = bits;
}

// OR of v over the 32 lanes of a warp (one instruction from sm_80 on; a butterfly of shuffles before).
__device__ __forceinline__ u32 warp_or(u32 v)
{
#if __CUDA_ARCH__ >= 800
    return __reduce_or_sync(0xffffffffu, v);
#else
    for (int d = 16; d > 0; d >>= 1) v |= __shfl_xor_sync(0xffffffffu, v, d);
    return v;
#endif
}

extern "C" __global__ void __launch_bounds__(THREADS)
    ssd_class_greedy(const u64* sortedKeys, const int* sortedCounts, const u32* masks, int classes, int k,
                     u64* keptKeys, int* keptCounts)
{
    // A row's MASK_WORDS (8) words as two 16-byte vectors: one lane reads its whole row in two loads.
    __shared__ uint4 mask[THREADS * 2];
    __shared__ u64 keys[THREADS];

    int t = threadIdx.x;
    int c = blockIdx.x, n = blockIdx.y;
    int m = sortedCounts[(size_t)n * classes + c];
    size_t list = ((size_t)n * classes + c) * k;
    // Rows and keys into shared memory first, by the whole block (a few loads per thread instead of 50 per lane of
    // one warp, each waiting out a memory latency); the greedy pass below is one warp's chain of short steps.
    const uint4* rows = reinterpret_cast<const uint4*>(masks + list * MASK_WORDS);
    for (int i = t; i < m * 2; i += THREADS) mask[i] = rows[i];
    for (int i = t; i < m; i += THREADS) keys[i] = sortedKeys[list + i];
    __syncthreads();
    if (t >= 32) return;

    // Greedy NMS 32 rows at a time; lane l owns row 32q + l of chunk q and holds its 8 words in registers. Lane w
    // holds word w of the "suppressed" set. Within the chunk only word q of the rows can suppress each other: the
    // chunk is resolved in registers (row b kept unless its bit is set by then; a kept row ORs its word in), one
    // shuffle per row. Then the kept rows suppress the later words: word w gets the OR over the warp of the kept lanes'
    // word w (one warp reduction per word, instead of a loop over the kept rows), and their keys go out in NMS order.
    u32 removed = 0;
    int kept = 0;
    for (int q = 0; q * 32 < m; q++)
    {
        int row = q * 32 + t;
        uint4 lo = make_uint4(0u, 0u, 0u, 0u), hi = lo;
        if (row < m)
        {
            lo = mask[row * 2];
            hi = mask[row * 2 + 1];
        }
        u32 words[MASK_WORDS] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
        u32 diagonal = 0;
#pragma unroll
        for (int w = 0; w < MASK_WORDS; w++) diagonal = w == q ? words[w] : diagonal; // no dynamic register index
        u32 valid = m - q * 32 >= 32 ? 0xffffffffu : (1u << (m - q * 32)) - 1u;
        u32 r = __shfl_sync(0xffffffffu, removed, q);
#pragma unroll
        for (int b = 0; b < 32; b++)
        {
            u32 suppressor = __shfl_sync(0xffffffffu, diagonal, b); // independent of r: issued ahead of the chain
            if (((r >> b) & 1u) == 0) r |= suppressor;
        }
        // A row's bit is only ever set by earlier rows, so the rows still clear are exactly the kept ones.
        u32 keptRows = ~r & valid;
        bool keptLane = ((keptRows >> t) & 1u) != 0;
#pragma unroll
        for (int w = 0; w < MASK_WORDS; w++)
        {
            if (w > q) // warp-uniform; words up to q are settled
            {
                u32 suppressed = warp_or(keptLane ? words[w] : 0u);
                if (t == w) removed |= suppressed;
            }
        }
        if (keptLane)
        {
            u64 key = keys[row];
            keptKeys[list + kept + __popc(keptRows & ((1u << t) - 1u))] = ((key >> 16) << 23) | ((u64)(127 - c) << 16) | (key & 65535);
        }
        kept += __popc(keptRows);
    }
    if (t == 0) keptCounts[(size_t)n * classes + c] = kept;
}

// ---------------------------------------------------------------------------------------------------------------
// The best D of all classes' kept boxes per image, in the final order, into the result block
// scores [N, D] | labels [N, D] | boxes [N, D, 4] (empty slots 0). Labels are labelBase + the foreground class index
// (SSD: 1 .. C-1, class 0 being the background; YOLO: 0 .. C-1).
// Grid (ceil(C-1 x k / MERGE_KEYS), N): the image's kept keys are numbered 0 .. total-1 through the per-class offsets,
// and block x ranks keys x*MERGE_KEYS .. x*MERGE_KEYS + MERGE_KEYS-1 by counting the keys larger than each (keys are
// distinct, so the ranks are the final slots), four threads per key, each counting a quarter of the keys; blocks past
// the total leave at once. Every block reads all the image's keys, in tiles of CANDIDATES through shared memory.
// SSD300's ~600 kept keys per image take ten blocks of ~150 comparisons per thread, where one block selecting alone
// (radix passes with a barrier each) took 16 us on the H200, and one thread per key 13 us.
#define MERGE_KEYS (THREADS / 4)
extern "C" __global__ void __launch_bounds__(THREADS)
    ssd_merge(const u64* keptKeys, const int* keptCounts, const float4* boxes, int B, int classes, int k, int D,
              int N, int labelBase, float* results)
{
    __shared__ int offsets[129];
    __shared__ u64 tile[CANDIDATES];

    int t = threadIdx.x;
    int n = blockIdx.y;
    const u64* imageKeys = keptKeys + (size_t)n * classes * k;
    if (t < 32)
    {
        // Exclusive prefix sum of the counts in one warp: lane l sums classes 4l .. 4l+3, then a shuffle scan.
        int counts[4];
        int local = 0;
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            int c = 4 * t + j;
            counts[j] = c < classes ? keptCounts[(size_t)n * classes + c] : 0;
            local += counts[j];
        }
        int inclusive = local;
        for (int d = 1; d < 32; d <<= 1)
        {
            int v = __shfl_up_sync(0xffffffffu, inclusive, d);
            if (t >= d) inclusive += v;
        }
        int sum = inclusive - local;
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            int c = 4 * t + j;
            if (c < classes) offsets[c] = sum;
            sum += counts[j];
        }
        if (t == 31) offsets[classes] = inclusive;
    }
    __syncthreads();
    int total = offsets[classes];
    float* scores = results;
    float* labels = results + (size_t)N * D;
    float* outBoxes = results + 2 * (size_t)N * D;
    for (int d = total + t; blockIdx.x == 0 && d < D; d += THREADS)
    {
        // Slots no key ranks into (fewer kept boxes than D; D may exceed the block, as YOLO's 300).
        size_t slot = (size_t)n * D + d;
        scores[slot] = 0.0f;
        labels[slot] = 0.0f;
        for (int j = 0; j < 4; j++) outBoxes[slot * 4 + j] = 0.0f; // scalar: N x D may be odd, so not 16-byte aligned
    }
    int first = blockIdx.x * MERGE_KEYS;
    if (first >= total) return; // block-uniform

    // Key number i: class c with offsets[c] <= i < offsets[c + 1] (the largest such c: empty classes share offsets).
    auto keyAt = [imageKeys, classes, k](int i, const int* offsets) -> u64 {
        int lo = 0, hi = classes;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >> 1;
            if (offsets[mid] <= i) lo = mid; else hi = mid;
        }
        return imageKeys[(size_t)lo * k + (i - offsets[lo])];
    };
    // Threads 4q .. 4q+3 (adjacent lanes) rank key first + q; thread 4q + part counts tile entries part, part + 4, ...
    int i = first + t / 4, part = t & 3;
    u64 mine = i < total ? keyAt(i, offsets) : ~0ull;
    int rank = 0;
    for (int base = 0; base < total; base += CANDIDATES)
    {
        int length = min(CANDIDATES, total - base);
        __syncthreads(); // the previous tile has been read
        for (int j = t; j < length; j += THREADS) tile[j] = keyAt(base + j, offsets);
        __syncthreads();
#pragma unroll 4
        for (int j = part; j < length; j += 4) rank += tile[j] > mine ? 1 : 0;
    }
    rank += __shfl_xor_sync(0xffffffffu, rank, 1);
    rank += __shfl_xor_sync(0xffffffffu, rank, 2);

    if (part == 0 && i < total && rank < D)
    {
        int c = 127 - (int)((mine >> 16) & 127);
        int b = 65535 - (int)(mine & 65535);
        size_t slot = (size_t)n * D + rank;
        scores[slot] = __uint_as_float((u32)(mine >> 23));
        labels[slot] = (float)(c + labelBase);
        float4 box = boxes[(size_t)n * B + b];
        outBoxes[slot * 4 + 0] = box.x;
        outBoxes[slot * 4 + 1] = box.y;
        outBoxes[slot * 4 + 2] = box.z;
        outBoxes[slot * 4 + 3] = box.w;
    }
}

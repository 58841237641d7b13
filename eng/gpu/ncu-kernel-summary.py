#!/usr/bin/env python3
"""Summarizes an ncu CSV (gpu__time_duration.sum per kernel) of fused-SSD runs recorded with
EDGEBENCH_CUDA_PROFILE_CALL (see README.md beside this file). Runs are split at the frame Resize (a run starts three
kernels before it: the frames' Transpose, Gather and Cast). Per run: preprocess = the kernels before the first convolution;
decode/NMS = the kernels from the Softmax on that are not convolution work (the SSD's box heads run after the
Softmax, ONNX Runtime orders by dependencies); the rest is the model. ncu serializes kernels and times each alone,
so the sums are GPU work without overlap, not wall-clock time.

    python3 eng/gpu/ncu-kernel-summary.py ncu.csv
"""
import csv
import io
import re
import sys

MODEL = ('xmma', 'implicit_convolve', 'nchwToNhwc', 'nhwcToNchw', 'op_generic_tensor', 'pooling', 'sm80_', 'sm90_',
         'tensorTransformGeneric')
MODEL_SHORT = ('Kernel', 'Kernel2')  # cuDNN's convolution kernels with bare names


def short(name):
    name = name.replace('void ', '')
    name = re.sub(r'\(.*', '', name)
    name = re.sub(r'<.*', '', name)
    return name.split('::')[-1][:44]


def main(path):
    lines = open(path, encoding='utf-8').read().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith('"ID"'))
    rows = [r for r in csv.DictReader(io.StringIO('\n'.join(lines[header:]))) if r['Metric Name'] == 'gpu__time_duration.sum']
    scale = {'ns': 1e-3, 'nsecond': 1e-3, 'us': 1.0, 'usecond': 1.0}[rows[0]['Metric Unit']]
    kernels = [(r['Kernel Name'], float(r['Metric Value'].replace(',', '')) * scale, r['Grid Size']) for r in rows]
    # A run starts three kernels (Transpose, Gather, Cast of the frames) before its Resize.
    starts = [max(0, i - 3) for i, k in enumerate(kernels) if 'ResizeBilinearCoordinateMapping' in k[0]]
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(kernels)
        run = kernels[begin:end]
        is_model = lambda k: any(t in k[0] for t in MODEL) or short(k[0]) in MODEL_SHORT
        first_model = next(i for i, k in enumerate(run) if is_model(k))
        softmax = next((i for i, k in enumerate(run) if 'softmax' in k[0]), len(run))
        pre = run[:first_model]
        post = [k for k in run[max(first_model, softmax - 3):] if not is_model(k)]
        total = lambda ks: sum(k[1] for k in ks)
        print(f'run {n}: {len(run)} kernels, {total(run):.1f} us; preprocess {total(pre):.1f} us ({len(pre)} kernels), '
              f'decode/NMS {total(post):.1f} us ({len(post)}), model {total(run) - total(pre) - total(post):.1f} us')
        groups = {}
        for name, us, _ in post:
            key = ('TopK' if 'TopK' in name or 'CooperativeReduce' in name or 'WriteOutput' in name
                   else 'NMS steps (MatMul + sum)' if 'gemv' in name or 'reduce_matrix' in name or 'enable_if' in name or 'splitK' in name
                   else 'elementwise (IoU matrix, decode, masks)' if 'ElementWise' in name
                   else 'other (transposes, concat, gather, softmax, ...)')
            groups[key] = groups.get(key, 0.0) + us
        for key, us in sorted(groups.items(), key=lambda kv: -kv[1]):
            print(f'  {key:52s} {us:8.1f} us')
        if n == 0:
            print('  preprocess and decode/NMS kernels, in order:')
            for name, us, grid in pre + post:
                print(f'    {us:8.2f} us  {short(name):44s} grid {grid}')


if __name__ == '__main__':
    main(sys.argv[1])

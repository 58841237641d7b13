#!/usr/bin/env python3
"""Correctness checks for ssd_pytorch_way.py, on the CPU, without ONNX Runtime.

1. Small ONNX graphs (built with onnx.helper) that exercise every attribute path of the interpreter, including the
   ones EdgeBench's SSD300 does not use (asymmetric pads, dilation, groups, no bias, ceil_mode, pads beyond half the
   kernel, Reshape 0/-1/allowzero, broadcasting Add; the classifiers' and YOLOv3-tiny's ops: Clip, Gemm, LeakyRelu,
   Resize by scales and by sizes, darknet's stride-1 pool, BatchNormalization), each compared with an independent
   float64 numpy implementation of the ONNX operator definitions.
2. EdgeBench's SSD300 file (--model): the torch interpreter (fp32) against the numpy float64 interpreter on frame 0
   of the synthetic video, preprocessed by the script's own pipeline.
3. The postprocess: the pipeline's torch decode + batched_nms against a numpy decode + greedy per-class NMS.
4. The tuned mode's pipeline (channels_last, the dense part as one function, one packed copy per image) against
   the eager pipeline: same candidates and detections.
5. An unsupported op, and a Resize form the interpreter does not implement, fail with a clear message.
6. --classifier FILE: a classifier file through both interpreters, and classifier_pytorch_way.py's tuned pipeline
   against its eager one.
7. --yolo FILE: a YOLOv3-tiny file through both interpreters on frame 0; yolo_pytorch_way.py's decode + batched_nms
   against a numpy port of EdgeBench's YoloV3TinyPostprocessorReference; its tuned pipeline against its eager one on
   frames 0-1; with --edgebench EXE, EdgeBench's own detections (its `detect` verb, ONNX Runtime CPU) on the same
   frames against the eager pipeline's.

  python3 eng/gpu/pytorch/check_interpreter.py --model models/generated/ssd300-fp32.onnx
  python3 eng/gpu/pytorch/check_interpreter.py --skip-ssd --yolo models/generated/tiny-yolov3-fp32.onnx \
      [--edgebench benchmarks/bin/Debug/net10.0/EdgeBench.Benchmarks]
"""

import argparse
import os
import sys
import time

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssd_pytorch_way as spw  # noqa: E402


# ---------------------------------------------------------------- numpy float64 reference of the ONNX operators

def _windows(x, kernel, strides, dil):
    n, c, h, w = x.shape
    kh, kw = kernel
    oh = (h - dil[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (w - dil[1] * (kw - 1) - 1) // strides[1] + 1
    sn, sc, sh, sw = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, kh, kw, oh, ow), (sn, sc, sh * dil[0], sw * dil[1], sh * strides[0], sw * strides[1]), writeable=False)


def np_conv(x, w, b, pads, strides, dil, group):
    hb, wb, he, we = pads
    x = np.pad(x, ((0, 0), (0, 0), (hb, he), (wb, we)))
    m, cg = w.shape[:2]
    outs = []
    for g in range(group):
        xs = np.ascontiguousarray(x[:, g * cg:(g + 1) * cg])
        win = _windows(xs, w.shape[2:], strides, dil)               # n, cg, kh, kw, oh, ow
        wg = w[g * (m // group):(g + 1) * (m // group)]              # mg, cg, kh, kw
        outs.append(np.einsum("nckhij,mckh->nmij", win, wg, optimize=True))
    y = np.concatenate(outs, axis=1)
    if b is not None:
        y = y + b[None, :, None, None]
    return y


def np_maxpool(x, kernel, pads, strides, dil, ceil_mode):
    hb, wb, he, we = pads
    if ceil_mode:  # ONNX (opset <= 18) output size with ceil: extend the end padding so the last window exists
        for axis, (pb, pe) in ((2, (hb, he)), (3, (wb, we))):
            size = x.shape[axis] + pb + pe
            eff = dil[axis - 2] * (kernel[axis - 2] - 1) + 1
            out = int(np.ceil((size - eff) / strides[axis - 2])) + 1
            extra = (out - 1) * strides[axis - 2] + eff - size
            if axis == 2:
                he += max(0, extra)
            else:
                we += max(0, extra)
    x = np.pad(x, ((0, 0), (0, 0), (hb, he), (wb, we)), constant_values=-np.inf)
    return _windows(np.ascontiguousarray(x), kernel, strides, dil).max(axis=(2, 3))


def np_resize_nearest(x, scales, sizes, a):
    """ONNX Resize, mode nearest, coordinate_transformation_mode asymmetric, nearest_mode floor (the only form the
    interpreter implements): output size floor(in * scale) (or sizes, with scale = out / in), source index
    floor(dst / scale) clamped to the input."""
    assert (a.get("mode", b"nearest"), a.get("coordinate_transformation_mode"), a.get("nearest_mode")) == \
        (b"nearest", b"asymmetric", b"floor"), a
    scales = None if scales is None or scales.size == 0 else scales.astype(np.float64)
    if sizes is not None and sizes.size:
        out = [int(v) for v in sizes]
        scales = np.array(out, dtype=np.float64) / np.array(x.shape, dtype=np.float64)
    else:
        out = [int(np.floor(d * s)) for d, s in zip(x.shape, scales)]
    for axis in range(x.ndim):
        idx = np.clip(np.floor(np.arange(out[axis]) / scales[axis]).astype(np.int64), 0, x.shape[axis] - 1)
        x = np.take(x, idx, axis=axis)
    return x


def np_reshape(x, shape, allowzero):
    shape = list(shape)
    if not allowzero:
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def np_run(model, x):
    g = model.graph
    env = {i.name: numpy_helper.to_array(i).astype(np.float64) if numpy_helper.to_array(i).dtype.kind == "f"
           else numpy_helper.to_array(i) for i in g.initializer}
    env[[i.name for i in g.input if i.name not in env][0]] = x.astype(np.float64)
    for node in g.node:
        a = {t.name: helper.get_attribute_value(t) for t in node.attribute}
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            y = np_conv(i[0], i[1], i[2] if len(i) > 2 else None, a.get("pads", [0] * 4), a.get("strides", [1, 1]),
                        a.get("dilations", [1, 1]), a.get("group", 1))
        elif op == "MaxPool":
            y = np_maxpool(i[0], a["kernel_shape"], a.get("pads", [0] * 4), a.get("strides", [1, 1]),
                           a.get("dilations", [1, 1]), a.get("ceil_mode", 0))
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Reshape":
            y = np_reshape(i[0], i[1], a.get("allowzero", 0))
        elif op == "Concat":
            y = np.concatenate(i, axis=a["axis"])
        elif op == "Identity":
            y = i[0]
        elif op == "Clip":
            lo = i[1] if len(i) > 1 and i[1] is not None else -np.inf
            hi = i[2] if len(i) > 2 and i[2] is not None else np.inf
            y = np.minimum(np.maximum(i[0], lo), hi)
        elif op == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "LeakyRelu":
            y = np.where(i[0] >= 0, i[0], a.get("alpha", 0.01) * i[0])
        elif op == "Resize":
            y = np_resize_nearest(i[0], i[2] if len(i) > 2 else None, i[3] if len(i) > 3 else None, a)
        elif op == "BatchNormalization":
            shape = (1, -1) + (1,) * (i[0].ndim - 2)
            scale, bias, mean, var = (t.reshape(shape) for t in i[1:5])
            y = (i[0] - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias
        else:
            raise RuntimeError(op)
        env[node.output[0]] = y
    return [env[o.name] for o in g.output]


# ---------------------------------------------------------------- checks

def compare(name, got, ref, tol):
    got = np.asarray(got, dtype=np.float64)
    if got.shape != ref.shape:
        raise AssertionError(f"{name}: shape {got.shape} != reference {ref.shape}")
    if ref.size == 0:
        print(f"  ok   {name}: shape {list(got.shape)} (empty, as the reference)")
        return
    rms = float(np.sqrt(np.mean(ref ** 2))) or 1.0
    err = float(np.max(np.abs(got - ref)))
    rel = float(np.sqrt(np.mean((got - ref) ** 2))) / rms
    ok = err / rms <= tol
    print(f"  {'ok  ' if ok else 'FAIL'} {name}: shape {list(got.shape)}, max |diff| {err:.3g} "
          f"(= {err / rms:.3g} of the reference RMS {rms:.3g}), RMS diff / RMS {rel:.3g}")
    if not ok:
        raise AssertionError(name)


def small_graphs():
    rng = np.random.default_rng(7)

    def init(name, arr):
        return numpy_helper.from_array(np.asarray(arr), name)

    def build(nodes, inits, in_shape, outs, opset=17):
        graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                                  [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])

    def upsample(inputs, out, **kw):  # EdgeBench's generator's Resize attributes (OnnxGraphBuilder.UpsampleNearest)
        return helper.make_node("Resize", inputs, [out], mode="nearest", coordinate_transformation_mode="asymmetric",
                                nearest_mode="floor", **kw)

    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    cases = {
        "Conv asymmetric pads, stride 2, dilation 2, group 2, bias": build(
            [helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 0, 2, 3],
                              strides=[2, 2], dilations=[2, 2], group=2)],
            [init("w", f32(6, 2, 3, 3)), init("b", f32(6))], [2, 4, 17, 19], ["y"]),
        "Conv 5x3, stride (1,2), symmetric pads, no bias, depthwise": build(
            [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[5, 3], pads=[2, 1, 2, 1], strides=[1, 2],
                              group=4)],
            [init("w", f32(4, 1, 5, 3))], [1, 4, 11, 12], ["y"]),
        "MaxPool 3x3 s2 p1 (SSD300's stem)": build(
            [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])],
            [], [2, 3, 15, 16], ["y"]),
        "MaxPool asymmetric pads": build(
            [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], strides=[2, 1], pads=[0, 1, 2, 0])],
            [], [1, 2, 9, 7], ["y"]),
        "MaxPool ceil_mode with pads, dilation 2": build(
            [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                              dilations=[2, 2], ceil_mode=1)],
            [], [1, 2, 10, 9], ["y"]),
        "MaxPool pad 2 with kernel 3 (beyond F.max_pool2d's limit)": build(
            [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[1, 1], pads=[2, 2, 2, 2])],
            [], [1, 1, 5, 6], ["y"]),
        "Relu, broadcasting Add, Reshape [0,4,-1], Concat axis 2, Identity": build(
            [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Add", ["r", "bias"], ["a"]),
             helper.make_node("Reshape", ["a", "s"], ["v1"]),
             helper.make_node("Reshape", ["x", "s"], ["v2"]),
             helper.make_node("Concat", ["v1", "v2"], ["c"], axis=2),
             helper.make_node("Identity", ["c"], ["y"])],
            [init("bias", f32(8, 1, 1)), init("s", np.array([0, 4, -1], dtype=np.int64))], [3, 8, 5, 6], ["y"]),
        "Clip (ReLU6, min/max inputs), GlobalAveragePool, Flatten, Gemm transB (a classifier head)": build(
            [helper.make_node("Clip", ["x", "lo", "hi"], ["c"]),
             helper.make_node("GlobalAveragePool", ["c"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"], axis=1),
             helper.make_node("Gemm", ["f", "w", "b"], ["y"], transB=1)],
            [init("lo", np.array(0.0, dtype=np.float32)), init("hi", np.array(0.5, dtype=np.float32)),
             init("w", f32(10, 6)), init("b", f32(10))], [3, 6, 7, 5], ["y"]),
        "Gemm alpha 0.5, beta 2, transA, no transB; Clip min only": build(
            [helper.make_node("Flatten", ["x"], ["f"], axis=2),
             helper.make_node("Gemm", ["f", "w", "b"], ["g"], transA=1, alpha=0.5, beta=2.0),
             helper.make_node("Clip", ["g", "lo"], ["y"])],
            [init("w", f32(4, 3)), init("b", f32(3)), init("lo", np.array(-0.2, dtype=np.float32))], [2, 2, 5, 7], ["y"]),
        "Reshape allowzero=1 with an empty dimension": build(
            [helper.make_node("Reshape", ["x", "s"], ["y"], allowzero=1)],
            [init("s", np.array([0, 5, 6], dtype=np.int64))], [0, 2, 5, 3], ["y"]),
        "Conv + LeakyRelu 0.1 (in place), Resize nearest x2 by scales and by sizes, Concat axis 1 (YOLOv3-tiny's route)": build(
            [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("LeakyRelu", ["c"], ["l"], alpha=0.1),
             upsample(["l", "", "scales"], "u"),
             upsample(["x", "", "", "sizes"], "v"),
             helper.make_node("Concat", ["u", "v"], ["y"], axis=1)],
            [init("w", f32(5, 3, 3, 3)), init("b", f32(5)), init("scales", np.array([1, 1, 2, 2], dtype=np.float32)),
             init("sizes", np.array([2, 3, 10, 14], dtype=np.int64))], [2, 3, 5, 7], ["y"]),
        "Resize opset 11 form (empty roi; scales 1.5 x 2.5; sizes with an empty scales tensor, width 6 -> 4)": build(
            [upsample(["x", "roi", "scales"], "y1"),
             upsample(["x", "roi", "noscales", "sizes"], "y2")],
            [init("roi", np.zeros(0, dtype=np.float32)), init("noscales", np.zeros(0, dtype=np.float32)),
             init("scales", np.array([1, 1, 1.5, 2.5], dtype=np.float32)),
             init("sizes", np.array([1, 2, 12, 4], dtype=np.int64))], [1, 2, 5, 6], ["y1", "y2"], opset=11),
        "MaxPool 2x2 stride 1 pads [0,0,1,1] (darknet's size-2 stride-1 pool) on negative values": build(
            [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1])],
            [], [2, 3, 13, 13], ["y"]),
        "Conv without bias + BatchNormalization epsilon 1e-3 (inference form)": build(
            [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]),
             helper.make_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["y"], epsilon=1e-3)],
            [init("w", f32(4, 3, 1, 1)), init("g", f32(4)), init("beta", f32(4)), init("mean", f32(4)),
             init("var", (rng.random(4) + 0.1).astype(np.float32))], [2, 3, 6, 5], ["y"]),
    }
    print("1. operator checks (torch interpreter vs numpy float64 reference of the ONNX definitions)")
    for name, model in cases.items():
        shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        x = rng.standard_normal(shape).astype(np.float32)
        mod = spw.OnnxEagerModule(model).eval()
        with torch.inference_mode():
            got = mod(torch.from_numpy(x))
        ref = np_run(model, x)
        for k, (o, r) in enumerate(zip(got, ref)):
            compare(name if len(ref) == 1 else f"{name}, output {k}", o.numpy(), r, 1e-5)


def unsupported():
    print("5. unsupported op, and a Resize form the interpreter does not implement")
    graph = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "t",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    resize = helper.make_graph(
        [helper.make_node("Resize", ["x", "", "s"], ["y"], mode="linear")], "t",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "s")])
    for what, g in (("Sigmoid", graph), ("Resize mode=linear", resize)):
        try:
            spw.OnnxEagerModule(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
        except spw.UnsupportedModel as e:
            print(f"  ok   raises UnsupportedModel: {e}")
            continue
        raise AssertionError(f"{what} was accepted")


def np_postprocess(locs, scores, dboxes, thr=0.05, iou=0.5, top=200):
    """NVIDIA scale_back_batch + per-class greedy NMS (suppress IoU > iou, torchvision's rule), best 200 overall."""
    b = locs.T.astype(np.float64)
    d = dboxes.astype(np.float64)
    xy = 0.1 * b[:, :2] * d[:, 2:] + d[:, :2]
    wh = np.exp(0.2 * b[:, 2:]) * d[:, 2:]
    ltrb = np.concatenate([xy - wh / 2, xy + wh / 2], axis=1)
    s = scores.T.astype(np.float64)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dets = []
    candidates = 0
    for c in range(1, p.shape[1]):
        idx = np.nonzero(p[:, c] > thr)[0]
        candidates += idx.size
        idx = idx[np.argsort(-p[idx, c], kind="stable")]
        kept = []
        for i in idx:
            ok = True
            for j in kept:
                l, t = max(ltrb[i, 0], ltrb[j, 0]), max(ltrb[i, 1], ltrb[j, 1])
                r, btm = min(ltrb[i, 2], ltrb[j, 2]), min(ltrb[i, 3], ltrb[j, 3])
                inter = max(0.0, r - l) * max(0.0, btm - t)
                area = lambda k: (ltrb[k, 2] - ltrb[k, 0]) * (ltrb[k, 3] - ltrb[k, 1])
                if inter / (area(i) + area(j) - inter) > iou:
                    ok = False
                    break
            if ok:
                kept.append(i)
        dets += [(p[i, c], c, i) for i in kept]
    dets.sort(key=lambda t: -t[0])
    return dets[:top], candidates, ltrb


def tuned_pipeline(mod, frames):
    """The tuned mode's pipeline (channels_last, pre + model + decode as one static-shape function, one packed host
    copy per image) against the eager pipeline on the same frame: same candidates, same detections. On the CPU the
    function is called directly; on the GPU the same function is what the CUDA graph captures."""
    print("4. tuned pipeline (channels_last, dense part as one function, packed copy) vs the eager pipeline, frame 0")
    cpu = torch.device("cpu")
    eager = spw.SsdPipeline(mod, cpu, torch.float32)
    tuned_mod = spw.OnnxEagerModule(onnx.load(spw_model_path[0])).eval().to(memory_format=torch.channels_last)
    h, w = frames[0].shape[:2]
    with torch.inference_mode():
        tuned = spw.TunedSsdPipeline(tuned_mod, cpu, torch.float32, 1, h, w)
        (eb, el, es), = eager(np.stack(frames[:1]))
        (tb, tl, ts), = tuned(list(frames[:1]))  # the timed path: frames stacked into the staging buffer
    print(f"  eager: {eager.candidates} candidates, {len(el)} detections; tuned: {tuned.candidates} candidates, {len(tl)} detections")
    assert eager.candidates == tuned.candidates and len(el) == len(tl), "counts differ"
    order_e, order_t = np.lexsort((es, el)), np.lexsort((ts, tl))
    assert (el[order_e] == tl[order_t]).all(), "labels differ"
    box_diff = float(np.abs(eb[order_e] - tb[order_t]).max())
    score_diff = float(np.abs(es[order_e] - ts[order_t]).max())
    print(f"  labels equal; max |box diff| {box_diff:.2e}, max |score diff| {score_diff:.2e}")
    assert box_diff < 1e-4 and score_diff < 1e-5, "boxes or scores differ"
    print("  ok")


spw_model_path = []


def classifier(path):
    """A classifier file (MobileNetV2: Clip, GlobalAveragePool, Flatten, Gemm) through the torch interpreter against the
    numpy float64 one on frame 0, and classifier_pytorch_way.py's tuned pipeline (called directly on the CPU) against
    its eager one on frames 0-1: the same top-5."""
    import classifier_pytorch_way as cpw
    print(f"6. {path}: torch interpreter vs numpy float64 interpreter, and the tuned classifier pipeline vs the eager one")
    model = onnx.load(path)
    mod = spw.OnnxEagerModule(model).eval()
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    mean, std = cpw.NORMALIZATIONS["imagenet"]
    cpu = torch.device("cpu")
    frames = spw.SyntheticVideo().frames_bgr(2)
    eager = cpw.ClassifierPipeline(mod, cpu, torch.float32, (dims[2], dims[3]), mean, std)
    with torch.inference_mode():
        x = eager.preprocess_device(torch.from_numpy(np.stack(frames[:1])))
        (logits,) = mod(x)
    (ref,) = np_run(model, x.numpy())
    compare("logits", logits.numpy(), ref, 1e-3)
    tuned_mod = spw.OnnxEagerModule(model).eval().to(memory_format=torch.channels_last)
    with torch.inference_mode():
        es, ec = eager(np.stack(frames))
        tuned = cpw.TunedClassifierPipeline(tuned_mod, cpu, torch.float32, (dims[2], dims[3]), mean, std, 2, frames[0].shape[:2])
        ts, tc = tuned(list(frames))
    print(f"  eager top-5 classes {ec.tolist()}; tuned {tc.tolist()}; max score difference {float(np.abs(es - ts).max()):.2e}")
    assert (ec == tc).all() and float(np.abs(es - ts).max()) < 1e-5, "top-5 differ"
    print("  ok")


def np_yolo_postprocess(heads, size=416, thr=0.25, iou=0.45, top=300):
    """A float64 numpy port of EdgeBench's YoloV3TinyPostprocessorReference (src/EdgeBench.Postprocessing): every anchor
    of every cell decoded as YoloV3TinyLayout.Decode, a (box, class) candidate when sigmoid(obj) > thr and
    sigmoid(obj) * sigmoid(class) > thr, per class sorted by score (ties: lower box index), greedy NMS suppressing
    IoU > iou, then all survivors by score (ties: lower class, then NMS order), the best `top`. heads: one image's
    [255,13,13] and [255,26,26] in that order. Returns (detections [(score, class, box index)], candidates, ltrb)."""
    import yolo_pytorch_way as ypw
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    boxes, cand = [], []
    offset = 0
    for head, mask in zip(heads, ypw.MASKS):
        g = head.shape[-1]
        h = head.astype(np.float64).reshape(len(mask), 5 + ypw.CLASSES, g * g)
        for a, m in enumerate(mask):
            cell = np.arange(g * g)
            x = (cell % g + sig(h[a, 0])) / g
            y = (cell // g + sig(h[a, 1])) / g
            w = np.exp(h[a, 2]) * ypw.ANCHORS[2 * m] / size
            hh = np.exp(h[a, 3]) * ypw.ANCHORS[2 * m + 1] / size
            boxes.append(np.stack([x - 0.5 * w, y - 0.5 * hh, x + 0.5 * w, y + 0.5 * hh], axis=1))
            obj = sig(h[a, 4])
            conf = obj[None, :] * sig(h[a, 5:])                 # [80, cells]
            cls_idx, cell_idx = np.nonzero((obj[None, :] > thr) & (conf > thr))
            cand += [(c, offset + k, conf[c, k]) for c, k in zip(cls_idx, cell_idx)]
            offset += g * g
    ltrb = np.concatenate(boxes)
    area = lambda b: (b[2] - b[0]) * (b[3] - b[1])
    kept = []
    for c in sorted({c for c, _, _ in cand}):
        group = sorted([(sc, k) for cc, k, sc in cand if cc == c], key=lambda t: (-t[0], t[1]))
        keep_c = []
        for sc, k in group:
            ok = True
            for _, j in keep_c:
                l, t = max(ltrb[k, 0], ltrb[j, 0]), max(ltrb[k, 1], ltrb[j, 1])
                r, b = min(ltrb[k, 2], ltrb[j, 2]), min(ltrb[k, 3], ltrb[j, 3])
                inter = max(0.0, r - l) * max(0.0, b - t)
                if inter / (area(ltrb[k]) + area(ltrb[j]) - inter) > iou:
                    ok = False
                    break
            if ok:
                keep_c.append((sc, k))
        kept += [(sc, c, k) for sc, k in keep_c]
    kept.sort(key=lambda t: -t[0])                              # stable: equal scores keep class, then NMS order
    return kept[:top], len(cand), ltrb


def write_ppm(path, frame_bgr):
    h, w = frame_bgr.shape[:2]
    with open(path, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (w, h))
        f.write(np.ascontiguousarray(frame_bgr[..., ::-1]).tobytes())


def edgebench_detections(binary, model_path, frames):
    """EdgeBench's own pipeline (the `detect` verb, ONNX Runtime CPU, fp32) on the same frames, written as PPM files;
    the model file is handed over as the user's tiny-yolov3.onnx in a temporary models folder (EDGEBENCH_MODELS), so
    EdgeBench runs exactly this file and writes nothing into the checkout. Returns per frame (boxes in frame pixels,
    labels, scores), or None with the reason printed."""
    import json
    import shutil
    import subprocess
    import tempfile
    tmp = tempfile.mkdtemp(prefix="yolo-check-")
    try:
        os.makedirs(os.path.join(tmp, "models"))
        os.makedirs(os.path.join(tmp, "frames"))
        shutil.copyfile(model_path, os.path.join(tmp, "models", "tiny-yolov3.onnx"))
        for k, fr in enumerate(frames):
            write_ppm(os.path.join(tmp, "frames", f"frame{k:03d}.ppm"), fr)
        cmd = [os.path.abspath(binary), "detect", "--model", "tiny-yolov3", "--input", os.path.join(tmp, "frames"),
               "--out", os.path.join(tmp, "out"), "--backend", "ort-cpu", "--precision", "fp32",
               "--max-frames", str(len(frames))]
        env = dict(os.environ, EDGEBENCH_MODELS=os.path.join(tmp, "models"))
        q = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
        if q.returncode != 0:
            print(f"  skipped: `{' '.join(cmd)}` exited {q.returncode}: {(q.stderr or q.stdout).strip()[-500:]}")
            return None
        with open(os.path.join(tmp, "out", "detections.json")) as f:
            doc = json.load(f)
        out = []
        for fr in doc["frames"]:
            d = fr["detections"]
            out.append((np.array([x["box"] for x in d], dtype=np.float64).reshape(-1, 4),
                        np.array([x["class_id"] for x in d], dtype=np.int64), np.array([x["score"] for x in d])))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def yolo(path, edgebench=None):
    """A YOLOv3-tiny file (LeakyRelu, Resize, the stride-1 MaxPool): the torch interpreter against the numpy float64 one
    on frame 0; yolo_pytorch_way.py's decode + batched_nms against a numpy port of EdgeBench's reference
    postprocessor on the same heads; its tuned pipeline (called directly on the CPU) against its eager one on frames
    0-1; optionally EdgeBench's own detections (the `detect` verb) on the same frames."""
    import yolo_pytorch_way as ypw
    print(f"7. {path}: YOLOv3-tiny")
    model = onnx.load(path)
    mod = spw.OnnxEagerModule(model).eval()
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    size = dims[2]
    print(f"  ops: {', '.join(mod.op_types)}")
    cpu = torch.device("cpu")
    frames = spw.SyntheticVideo().frames_bgr(2)
    eager = ypw.YoloPipeline(mod, cpu, torch.float32, size)

    print("  a. torch interpreter (fp32) vs numpy float64 interpreter, frame 0")
    with torch.inference_mode():
        x = eager.preprocess_device(torch.from_numpy(np.stack(frames[:1])))
        t = time.perf_counter()
        heads = mod(x)
        t_torch = time.perf_counter() - t
    t = time.perf_counter()
    ref = np_run(model, x.numpy())
    print(f"  (torch {t_torch:.1f} s, numpy float64 {time.perf_counter() - t:.1f} s)")
    for name, got, r in zip(mod.output_names, heads, ref):
        compare(name, got.numpy(), r, 1e-3)

    print("  b. postprocess: torch decode + batched_nms vs a numpy port of EdgeBench's YoloV3TinyPostprocessorReference "
          "(same fp32 heads)")
    with torch.inference_mode():
        ordered = eager.heads_in_order(heads)
        (boxes, labels, confs), = eager.postprocess(eager.decode(ordered))
    dets, cand, ltrb = np_yolo_postprocess([h[0].numpy() for h in ordered], size)
    print(f"  torch: {eager.candidates} candidates, {len(labels)} detections; numpy: {cand} candidates, {len(dets)} detections")
    assert eager.candidates == cand, "candidate counts differ"
    ref_dets = (np.array([ltrb[k] for _, _, k in dets]).reshape(-1, 4), np.array([c for _, c, _ in dets]),
                np.array([sc for sc, _, _ in dets]))
    matched, box_diff, score_diff = ypw.match_detections(ref_dets, (boxes, labels, confs), 1e-5, 1e-5)
    print(f"  detections in both (same class, box and score within 1e-5): {matched} of {len(dets)}; "
          f"max |box diff| {box_diff:.2e}, max |score diff| {score_diff:.2e}")
    assert len(dets) == len(labels) and matched >= len(dets) - 2, "detections differ"
    print("  ok")

    print("  c. tuned pipeline (channels_last, dense part + candidate mask as one function, one packed copy) vs the "
          "eager pipeline, frames 0-1 as one batch")
    tuned_mod = spw.OnnxEagerModule(model).eval().to(memory_format=torch.channels_last)
    h, w = frames[0].shape[:2]
    with torch.inference_mode():
        eager.reset_counts()
        eager_res = eager(np.stack(frames))
        tuned = ypw.TunedYoloPipeline(tuned_mod, cpu, torch.float32, 2, h, w, size)
        tuned_res = tuned(list(frames))       # the timed path: frames stacked into the staging buffer
    print(f"  eager: {eager.candidates} candidates, {eager.detections} detections; "
          f"tuned: {tuned.candidates} candidates, {tuned.detections} detections")
    assert eager.candidates == tuned.candidates and eager.detections == tuned.detections, "counts differ"
    for k, (e, t) in enumerate(zip(eager_res, tuned_res)):
        matched, box_diff, score_diff = ypw.match_detections(e, t, 1e-4, 1e-5)
        print(f"  frame {k}: {matched} of {len(e[1])} matched (same class, box within 1e-4, score within 1e-5); "
              f"max |box diff| {box_diff:.2e}, max |score diff| {score_diff:.2e}")
        assert matched == len(e[1]) == len(t[1]), "detections differ"
    print("  ok")

    if edgebench:
        print(f"  d. EdgeBench's own pipeline ({edgebench} detect, ort-cpu fp32) vs the eager pipeline, frames 0-1")
        theirs = edgebench_detections(edgebench, path, frames)
        if theirs is not None:
            scale = np.array([w, h, w, h], dtype=np.float64)
            total = 0
            for k, (e, c) in enumerate(zip(eager_res, theirs)):
                # EdgeBench reports boxes in frame pixels (the stretch undone, clamped to the frame, 2 decimals) and
                # scores to 5 decimals.
                ours = (np.clip(e[0].astype(np.float64) * scale, 0, scale), e[1], e[2].astype(np.float64))
                matched, box_diff, score_diff = ypw.match_detections(c, ours, 0.05, 2e-5)
                print(f"  frame {k}: EdgeBench {len(c[1])} detections, eager {len(e[1])}; {matched} matched (same class, "
                      f"box within 0.05 px, score within 2e-5); max |box diff| {box_diff:.3f} px, "
                      f"max |score diff| {score_diff:.1e}")
                total += abs(len(c[1]) - matched) + abs(len(e[1]) - matched)
            assert total <= 2, "EdgeBench's detections and the eager pipeline's differ"
            print("  ok")


def ssd(path):
    """Checks 2-4 on EdgeBench's SSD300 file."""
    print(f"2. {path}: torch interpreter (fp32, CPU) vs numpy float64 interpreter, frame 0")
    model = onnx.load(path)
    spw_model_path.append(path)
    mod = spw.OnnxEagerModule(model).eval()
    frames = spw.SyntheticVideo().frames_bgr(1)
    pipe = spw.SsdPipeline(mod, torch.device("cpu"), torch.float32)
    with torch.inference_mode():
        x = pipe.preprocess(np.stack(frames))
        t = time.perf_counter()
        locs, scores = mod(x)
        t_torch = time.perf_counter() - t
    t = time.perf_counter()
    ref_locs, ref_scores = np_run(model, x.numpy())
    t_np = time.perf_counter() - t
    print(f"  (torch {t_torch:.1f} s, numpy float64 {t_np:.1f} s)")
    compare("locs", locs.numpy(), ref_locs, 1e-3)
    compare("scores", scores.numpy(), ref_scores, 1e-3)

    print("3. postprocess: torch decode + batched_nms vs numpy decode + greedy per-class NMS (same fp32 outputs)")
    dboxes = spw.dboxes300_coco().numpy()
    first = dboxes[0]
    assert dboxes.shape == (8732, 4) and np.allclose(first, [0.5 / 37.5, 0.5 / 37.5, 0.07, 0.07]), first
    with torch.inference_mode():
        pipe.reset_counts()
        (boxes, labels, confs), = pipe.decode(locs, scores)
    ref, cand, ltrb = np_postprocess(locs[0].numpy(), scores[0].numpy(), dboxes)
    print(f"  torch: {pipe.candidates} candidates, {len(labels)} detections; numpy: {cand} candidates, {len(ref)} detections")
    assert pipe.candidates == cand, "candidate counts differ"
    ref_scores_sorted = np.array([r[0] for r in ref])
    ref_labels = np.array([r[1] for r in ref])
    ref_boxes = np.array([ltrb[r[2]] for r in ref])
    same = len(ref) == len(labels)
    n = min(len(ref), len(labels))
    # Match each reference detection to a torch detection of the same class and box (within 1e-5), robust to ties.
    common = 0
    used = np.zeros(len(labels), dtype=bool)
    for lab, box in zip(ref_labels, ref_boxes):
        hit = np.nonzero((labels == lab) & (np.abs(boxes - box).max(axis=1) < 1e-5) & ~used)[0]
        if hit.size:
            used[hit[0]] = True
            common += 1
    print(f"  detections in both (same class, box within 1e-5): {common} of {len(ref)}; max score diff (sorted) "
          f"{np.max(np.abs(np.sort(confs)[::-1][:n] - ref_scores_sorted[:n])):.2e}")
    assert same and common >= len(ref) - 2, "detections differ"
    print("  ok")
    tuned_pipeline(mod, frames)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/generated/ssd300-fp32.onnx")
    ap.add_argument("--skip-ssd", action="store_true", help="skip checks 2-4 (the --model SSD300 file)")
    ap.add_argument("--classifier", help="also check a classifier file, e.g. models/generated/mobilenetv2-fp32.onnx")
    ap.add_argument("--yolo", help="also check a YOLOv3-tiny file, e.g. models/generated/tiny-yolov3-fp32.onnx")
    ap.add_argument("--edgebench", help="with --yolo: EdgeBench's built executable (e.g. "
                    "benchmarks/bin/Debug/net10.0/EdgeBench.Benchmarks); its `detect` verb's detections on the same "
                    "frames are compared with the eager pipeline's")
    args = ap.parse_args()
    torch.manual_seed(0)
    small_graphs()
    if not args.skip_ssd:
        ssd(args.model)
    unsupported()
    if args.classifier:
        classifier(args.classifier)
    if args.yolo:
        yolo(args.yolo, args.edgebench)
    print("all checks passed")


if __name__ == "__main__":
    main()

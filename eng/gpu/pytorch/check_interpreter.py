#!/usr/bin/env python3
"""Correctness checks for ssd_pytorch_way.py, on the CPU, without ONNX Runtime.

1. Small ONNX graphs (built with onnx.helper) that exercise every attribute path of the interpreter, including the
   ones EdgeBench's SSD300 does not use (asymmetric pads, dilation, groups, no bias, ceil_mode, pads beyond half the
   kernel, Reshape 0/-1/allowzero, broadcasting Add), each compared with an independent float64 numpy
   implementation of the ONNX operator definitions.
2. EdgeBench's SSD300 file (--model): the torch interpreter (fp32) against the numpy float64 interpreter on frame 0
   of the synthetic video, preprocessed by the script's own pipeline.
3. The postprocess: the pipeline's torch decode + batched_nms against a numpy decode + greedy per-class NMS.
4. The tuned mode's pipeline (channels_last, the dense part as one function, one packed copy per image) against
   the eager pipeline: same candidates and detections.
5. An unsupported op fails with a clear message.

  python3 eng/gpu/pytorch/check_interpreter.py --model models/generated/ssd300-fp32.onnx
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

    def build(nodes, inits, in_shape, outs):
        graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                                  [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

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
    }
    print("1. operator checks (torch interpreter vs numpy float64 reference of the ONNX definitions)")
    for name, model in cases.items():
        shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        x = rng.standard_normal(shape).astype(np.float32)
        mod = spw.OnnxEagerModule(model).eval()
        with torch.inference_mode():
            got = mod(torch.from_numpy(x))
        ref = np_run(model, x)
        for o, r in zip(got, ref):
            compare(name, o.numpy(), r, 1e-5)


def unsupported():
    print("5. unsupported op")
    graph = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "t",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    try:
        spw.OnnxEagerModule(helper.make_model(graph))
    except spw.UnsupportedModel as e:
        print(f"  ok   raises UnsupportedModel: {e}")
        return
    raise AssertionError("Sigmoid was accepted")


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/generated/ssd300-fp32.onnx")
    ap.add_argument("--classifier", help="also check a classifier file, e.g. models/generated/mobilenetv2-fp32.onnx")
    args = ap.parse_args()
    torch.manual_seed(0)
    small_graphs()

    print(f"2. {args.model}: torch interpreter (fp32, CPU) vs numpy float64 interpreter, frame 0")
    model = onnx.load(args.model)
    spw_model_path.append(args.model)
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
    unsupported()
    if args.classifier:
        classifier(args.classifier)
    print("all checks passed")


if __name__ == "__main__":
    main()

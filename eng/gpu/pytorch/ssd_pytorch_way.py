#!/usr/bin/env python3
"""SSD300 "the PyTorch way": EdgeBench's generated SSD300 ONNX file run as an eager PyTorch module, with the
preprocessing (H2D copy, BGR->RGB, NCHW, bilinear resize, normalization) and the postprocessing (softmax, decode
against NVIDIA's dboxes300_coco, score > 0.05, torchvision batched_nms at IoU 0.5, at most 200 per image, results
copied to the host) on the same device, as NVIDIA's DeepLearningExamples SSD inference and torchvision do.

Measures, per precision and batch size, in each --mode:
  eager          the module as written: end-to-end (host uint8 BGR frames -> detections on the host, one batch per
                 iteration) and detector-only (the forward on a prepared device tensor, then a synchronize)
  tuned          what a PyTorch expert deploys: cudnn.benchmark, channels_last, pinned input, pre + detector + decode
                 replayed as one CUDA graph (end-to-end), the detector alone as a graph in channels_last and NCHW

Usage (on the GPU machine):
  python3 eng/gpu/pytorch/ssd_pytorch_way.py --model /root/st/models/generated/ssd300-fp32.onnx \
      --out $OUT/pytorch-ssd.json [--device cuda] [--batch 1,8] [--precision fp32,fp16] [--seconds 4]

Eager mode works with torch 1.13 .. 2.11; tuned mode needs CUDA (torch.compile only with --compile). See README.md.
"""

import argparse
import copy
import datetime
import hashlib
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"error: PyTorch is not importable ({e})")

try:
    import torchvision
    from torchvision.ops import batched_nms
except ImportError as e:  # pragma: no cover
    sys.exit(f"error: torchvision is not importable ({e}); batched_nms comes from torchvision.ops")

try:
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover
    sys.exit(f"error: the onnx package is not importable ({e}); it is needed to read the model file")


# ----------------------------------------------------------------------------------------------------------------
# ONNX graph -> eager PyTorch module
# ----------------------------------------------------------------------------------------------------------------

# SSD300's ops, then the classifiers' (MobileNetV2's ReLU6 is Clip; the heads: global average pool, flatten, Gemm),
# then YOLOv3-tiny's (darknet's leaky ReLU, the nearest x2 upsample as Resize; BatchNormalization, which EdgeBench's
# generator folds into the convolutions, for a user's export that keeps it).
SUPPORTED_OPS = ("Conv", "Relu", "Add", "MaxPool", "Reshape", "Concat", "Identity",
                 "Clip", "GlobalAveragePool", "Flatten", "Gemm",
                 "LeakyRelu", "Resize", "BatchNormalization")


class UnsupportedModel(Exception):
    pass


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _decode(v):
    return v.decode() if isinstance(v, bytes) else v


def _window(node, a, op):
    """Pads, strides and dilations of a 2-D Conv/MaxPool node (auto_pad NOTSET or VALID only)."""
    auto_pad = _decode(a.get("auto_pad", "NOTSET"))
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if auto_pad == "VALID":
        pads = [0, 0, 0, 0]
    elif auto_pad != "NOTSET":
        raise UnsupportedModel(f"{op} {node.name}: auto_pad={auto_pad} is not implemented")
    return pads, list(a.get("strides", [1, 1])), list(a.get("dilations", [1, 1]))


class OnnxEagerModule(nn.Module):
    """Runs an ONNX graph node by node with torch.nn.functional ops (one eager op per node, as a hand-written
    nn.Module would). Float initializers are buffers, so .to(device) and .half() work as on any module."""

    def __init__(self, model_proto):
        super().__init__()
        g = model_proto.graph
        ops = sorted({n.op_type for n in g.node})
        bad = sorted({n.op_type for n in g.node if n.op_type not in SUPPORTED_OPS or n.domain not in ("", "ai.onnx")})
        if bad:
            raise UnsupportedModel(
                f"the graph uses op(s) this interpreter does not implement: {', '.join(bad)} "
                f"(implemented: {', '.join(SUPPORTED_OPS)}; graph ops: {', '.join(ops)})")
        self.op_types = ops
        self.opset = next((o.version for o in model_proto.opset_import if o.domain in ("", "ai.onnx")), 0)

        self._buffer_of = {}   # onnx value name -> buffer attribute name (float tensors)
        self._consts = {}      # onnx value name -> numpy array (integer tensors: shapes)
        for i, init in enumerate(g.initializer):
            self._add_constant(f"init{i}", init.name, numpy_helper.to_array(init))
        initializer_names = {i.name for i in g.initializer}
        self.input_names = [i.name for i in g.input if i.name not in initializer_names]
        if len(self.input_names) != 1:
            raise UnsupportedModel(f"expected one graph input, found {self.input_names}")
        self.output_names = [o.name for o in g.output]

        steps = []
        for node in g.node:
            a = _attrs(node)
            ins = [n for n in node.input]
            outs = [n for n in node.output]
            if node.op_type == "Conv":
                steps.append(("Conv", ins, outs[:1], self._conv_spec(node, a)))
            elif node.op_type == "MaxPool":
                if len(outs) > 1 and outs[1]:
                    raise UnsupportedModel(f"MaxPool {node.name}: the Indices output is not implemented")
                steps.append(("MaxPool", ins, outs[:1], self._maxpool_spec(node, a)))
            elif node.op_type == "Reshape":
                if ins[1] not in self._consts:
                    raise UnsupportedModel(f"Reshape {node.name}: the shape must be a constant initializer")
                shape = [int(v) for v in self._consts[ins[1]].reshape(-1)]
                steps.append(("Reshape", ins[:1], outs, {"shape": shape, "allowzero": int(a.get("allowzero", 0))}))
            elif node.op_type == "Concat":
                steps.append(("Concat", ins, outs, {"axis": int(a["axis"])}))
            elif node.op_type in ("Relu", "Add", "Identity", "GlobalAveragePool"):
                steps.append((node.op_type, ins, outs, {}))
            elif node.op_type == "Clip":
                steps.append(("Clip", ins[:1], outs, self._clip_spec(node, a, ins)))
            elif node.op_type == "Flatten":
                steps.append(("Flatten", ins, outs, {"axis": int(a.get("axis", 1))}))
            elif node.op_type == "Gemm":
                steps.append(("Gemm", ins, outs, self._gemm_spec(node, a, ins)))
            elif node.op_type == "LeakyRelu":
                steps.append(("LeakyRelu", ins[:1], outs, {"alpha": float(a.get("alpha", 0.01))}))
            elif node.op_type == "Resize":
                steps.append(("Resize", ins[:1], outs, self._resize_spec(node, a, ins)))
            elif node.op_type == "BatchNormalization":
                steps.append(("BatchNormalization", ins, outs[:1], self._batchnorm_spec(node, a, ins, outs)))

        # Last use of each value, so intermediates are released as soon as possible (as Python frees them in an
        # nn.Module's forward) and a ReLU may run in place on a conv output nobody else reads (torchvision style).
        last_use = {}
        for idx, (_, ins, _, _) in enumerate(steps):
            for n in ins:
                if n:
                    last_use[n] = idx
        keep = set(self.output_names) | set(self._buffer_of) | set(self._consts) | set(self.input_names)
        self._steps = []
        for idx, (op, ins, outs, spec) in enumerate(steps):
            release = [n for n in set(ins) if n and last_use.get(n) == idx and n not in keep]
            if op in ("Relu", "Clip", "LeakyRelu"):
                spec = spec | {"inplace": ins[0] in release}
            self._steps.append((op, ins, outs, spec, release))

    def _add_constant(self, attr, name, arr):
        if arr.dtype.kind == "f":
            self.register_buffer(attr, torch.from_numpy(np.array(arr, copy=True)), persistent=False)
            self._buffer_of[name] = attr
        else:
            self._consts[name] = arr

    def _scalar(self, node, name):
        if name in self._buffer_of:
            return float(getattr(self, self._buffer_of[name]).reshape(-1)[0])
        raise UnsupportedModel(f"{node.op_type} {node.name}: input {name} must be a constant initializer")

    def _clip_spec(self, node, a, ins):
        # Opset 11+: min and max are optional inputs; before, attributes. Python floats: F.hardtanh, as nn.ReLU6 does.
        lo = self._scalar(node, ins[1]) if len(ins) > 1 and ins[1] else float(a.get("min", float("-inf")))
        hi = self._scalar(node, ins[2]) if len(ins) > 2 and ins[2] else float(a.get("max", float("inf")))
        return {"min": lo, "max": hi}

    def _gemm_spec(self, node, a, ins):
        spec = {"alpha": float(a.get("alpha", 1.0)), "beta": float(a.get("beta", 1.0)),
                "transA": int(a.get("transA", 0)), "transB": int(a.get("transB", 0))}
        # torchvision's Linear is Gemm(transB=1) with alpha = beta = 1 and a bias: F.linear, one cuBLAS call.
        spec["linear"] = spec["transA"] == 0 and spec["transB"] == 1 and spec["alpha"] == 1.0 and spec["beta"] == 1.0
        return spec

    def _resize_spec(self, node, a, ins):
        """Resize as darknet's upsample layer and PyTorch's nn.Upsample(mode="nearest") export it: mode nearest,
        coordinate_transformation_mode asymmetric, nearest_mode floor (source index floor(dst / scale)), which is
        exactly F.interpolate(mode="nearest") (PyTorch's index is floor(dst * 1/scale) with the scale given, or
        floor(dst * in/out) with a size). Scales or sizes must be constant initializers (static shapes, as a CUDA graph
        wants them). Other modes and coordinate transforms round differently and are refused rather than approximated."""
        if self.opset < 11:
            raise UnsupportedModel(f"Resize {node.name}: opset {self.opset} Resize (inputs X, scales; no coordinate "
                                   "transformation attribute) is not implemented; opset 11 or later is")
        mode = _decode(a.get("mode", "nearest"))
        ctm = _decode(a.get("coordinate_transformation_mode", "half_pixel"))
        nearest_mode = _decode(a.get("nearest_mode", "round_prefer_floor"))
        if (mode, ctm, nearest_mode) != ("nearest", "asymmetric", "floor"):
            raise UnsupportedModel(
                f"Resize {node.name}: mode={mode}, coordinate_transformation_mode={ctm}, nearest_mode={nearest_mode} is "
                "not implemented (only nearest + asymmetric + floor: darknet's upsample, PyTorch's nn.Upsample nearest)")
        if a.get("axes") is not None:
            raise UnsupportedModel(f"Resize {node.name}: the axes attribute is not implemented")
        if _decode(a.get("keep_aspect_ratio_policy", "stretch")) != "stretch":
            raise UnsupportedModel(f"Resize {node.name}: keep_aspect_ratio_policy other than stretch is not implemented")

        def constant(i):
            if len(ins) <= i or not ins[i]:
                return None
            name = ins[i]
            if name in self._buffer_of:
                v = getattr(self, self._buffer_of[name]).numpy().astype(np.float64)
            elif name in self._consts:
                v = self._consts[name]
            else:
                raise UnsupportedModel(f"Resize {node.name}: input {name} must be a constant initializer")
            return None if v.size == 0 else v.reshape(-1)   # opset 11-12: an empty scales tensor when sizes is used

        scales, sizes = constant(2), constant(3)
        if (scales is None) == (sizes is None):
            raise UnsupportedModel(f"Resize {node.name}: exactly one of scales and sizes must be given")
        given = scales if scales is not None else sizes
        if given.size != 4:
            raise UnsupportedModel(f"Resize {node.name}: only 4-D (N, C, H, W) resizing is implemented")
        if scales is not None:
            if scales[0] != 1 or scales[1] != 1:
                raise UnsupportedModel(f"Resize {node.name}: scales {scales.tolist()} resize N or C")
            return {"scale_factor": (float(scales[2]), float(scales[3])), "size": None}
        return {"scale_factor": None, "size": [int(v) for v in sizes]}

    def _batchnorm_spec(self, node, a, ins, outs):
        # Inference form only: y = (x - mean) / sqrt(var + epsilon) * scale + B with the stored statistics, which is
        # F.batch_norm(training=False) (what a module's BatchNorm2d does in eval()).
        if int(a.get("training_mode", 0)) != 0 or any(o for o in outs[1:]):
            raise UnsupportedModel(f"BatchNormalization {node.name}: training mode (running statistics outputs) is "
                                   "not implemented")
        if len(ins) != 5 or any(n not in self._buffer_of for n in ins[1:]):
            raise UnsupportedModel(f"BatchNormalization {node.name}: scale, B, mean and var must be initializers")
        return {"eps": float(a.get("epsilon", 1e-5))}

    def _conv_spec(self, node, a):
        if len(node.input) < 2 or node.input[1] not in self._buffer_of:
            raise UnsupportedModel(f"Conv {node.name}: the weight must be an initializer")
        w = getattr(self, self._buffer_of[node.input[1]])
        if w.dim() != 4:
            raise UnsupportedModel(f"Conv {node.name}: only 2-D convolutions are implemented (weight {tuple(w.shape)})")
        kernel = list(a.get("kernel_shape", w.shape[2:]))
        if kernel != list(w.shape[2:]):
            raise UnsupportedModel(f"Conv {node.name}: kernel_shape {kernel} != weight {tuple(w.shape)}")
        pads, strides, dil = _window(node, a, "Conv")
        group = int(a.get("group", 1))
        return self._pads_spec(pads) | {"stride": tuple(strides), "dilation": tuple(dil), "groups": group}

    def _maxpool_spec(self, node, a):
        kernel = list(a["kernel_shape"])
        if len(kernel) != 2:
            raise UnsupportedModel(f"MaxPool {node.name}: only 2-D pooling is implemented")
        pads, strides, dil = _window(node, a, "MaxPool")
        ceil = bool(a.get("ceil_mode", 0))
        spec = self._pads_spec(pads)
        # F.max_pool2d takes symmetric padding only up to half the (dilated) kernel; beyond that, and for ceil_mode
        # with padding (PyTorch drops a last window that starts in the right padding, ONNX opset <= 18 does not),
        # pad explicitly with -inf instead.
        if spec["pre_pad"] is None:
            eff = [d * (k - 1) + 1 for d, k in zip(dil, kernel)]
            if any(p > e // 2 for p, e in zip(spec["padding"], eff)) or (ceil and any(spec["padding"])):
                ph, pw = spec["padding"]
                spec = {"pre_pad": (pw, pw, ph, ph), "padding": (0, 0)}
        return spec | {"kernel": tuple(kernel), "stride": tuple(strides), "dilation": tuple(dil), "ceil_mode": ceil}

    @staticmethod
    def _pads_spec(pads):
        # ONNX pads: [h_begin, w_begin, h_end, w_end]; F.pad wants (w_begin, w_end, h_begin, h_end).
        hb, wb, he, we = pads
        if hb == he and wb == we:
            return {"pre_pad": None, "padding": (hb, wb)}
        return {"pre_pad": (wb, we, hb, he), "padding": (0, 0)}

    def forward(self, x):
        env = {name: self._buffers[attr] for name, attr in self._buffer_of.items()}
        env[self.input_names[0]] = x
        for op, ins, outs, spec, release in self._steps:
            if op == "Conv":
                t = env[ins[0]]
                if spec["pre_pad"] is not None:
                    t = F.pad(t, spec["pre_pad"])
                bias = env[ins[2]] if len(ins) > 2 and ins[2] else None
                y = F.conv2d(t, env[ins[1]], bias, spec["stride"], spec["padding"], spec["dilation"], spec["groups"])
            elif op == "Relu":
                y = F.relu(env[ins[0]], inplace=spec["inplace"])
            elif op == "Clip":
                y = F.hardtanh(env[ins[0]], spec["min"], spec["max"], inplace=spec["inplace"])
            elif op == "GlobalAveragePool":
                y = F.adaptive_avg_pool2d(env[ins[0]], 1)
            elif op == "Flatten":
                t = env[ins[0]]
                y = t.reshape(int(np.prod(t.shape[:spec["axis"]])), -1)
            elif op == "Gemm":
                bias = env[ins[2]] if len(ins) > 2 and ins[2] else None
                if spec["linear"]:
                    y = F.linear(env[ins[0]], env[ins[1]], bias)
                else:
                    a_, b_ = env[ins[0]], env[ins[1]]
                    a_ = a_.t() if spec["transA"] else a_
                    b_ = b_.t() if spec["transB"] else b_
                    y = spec["alpha"] * (a_ @ b_)
                    if bias is not None:
                        y = y + spec["beta"] * bias
            elif op == "LeakyRelu":
                y = F.leaky_relu(env[ins[0]], spec["alpha"], inplace=spec["inplace"])
            elif op == "Resize":
                t = env[ins[0]]
                if spec["size"] is not None:
                    if list(t.shape[:2]) != spec["size"][:2]:
                        raise RuntimeError(f"Resize: sizes {spec['size']} change N or C of {list(t.shape)}")
                    y = F.interpolate(t, size=spec["size"][2:], mode="nearest")
                else:
                    y = F.interpolate(t, scale_factor=spec["scale_factor"], mode="nearest")
            elif op == "BatchNormalization":
                y = F.batch_norm(env[ins[0]], env[ins[3]], env[ins[4]], env[ins[1]], env[ins[2]], False, 0.0,
                                 spec["eps"])
            elif op == "Add":
                y = env[ins[0]] + env[ins[1]]
            elif op == "MaxPool":
                t = env[ins[0]]
                if spec["pre_pad"] is not None:
                    t = F.pad(t, spec["pre_pad"], value=float("-inf"))
                y = F.max_pool2d(t, spec["kernel"], spec["stride"], spec["padding"], spec["dilation"],
                                 ceil_mode=spec["ceil_mode"])
            elif op == "Reshape":
                t = env[ins[0]]
                shape = spec["shape"]
                if not spec["allowzero"]:
                    shape = [t.shape[i] if s == 0 else s for i, s in enumerate(shape)]
                y = t.reshape(shape)
            elif op == "Concat":
                y = torch.cat([env[n] for n in ins], dim=spec["axis"])
            else:  # Identity
                y = env[ins[0]]
            env[outs[0]] = y
            for n in release:
                del env[n]
        return tuple(env[n] for n in self.output_names)


# ----------------------------------------------------------------------------------------------------------------
# Default boxes and frames
# ----------------------------------------------------------------------------------------------------------------

def dboxes300_coco():
    """NVIDIA DeepLearningExamples SSD (ssd/utils.py) DefaultBoxes(300, [38,19,10,5,3,1], [8,16,32,64,100,300],
    [21,45,99,153,207,261,315], [[2],[2,3],[2,3],[2,3],[2],[2]]): xywh, clamped to [0,1], float32, [8732,4]."""
    fig_size = 300
    feat_size = [38, 19, 10, 5, 3, 1]
    steps = [8, 16, 32, 64, 100, 300]
    scales = [21, 45, 99, 153, 207, 261, 315]
    aspect_ratios = [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
    fk = fig_size / np.array(steps)
    boxes = []
    for idx, sfeat in enumerate(feat_size):
        sk1 = scales[idx] / fig_size
        sk2 = scales[idx + 1] / fig_size
        sk3 = math.sqrt(sk1 * sk2)
        all_sizes = [(sk1, sk1), (sk3, sk3)]
        for alpha in aspect_ratios[idx]:
            w, h = sk1 * math.sqrt(alpha), sk1 / math.sqrt(alpha)
            all_sizes.append((w, h))
            all_sizes.append((h, w))
        for w, h in all_sizes:
            for i, j in itertools.product(range(sfeat), repeat=2):
                cx, cy = (j + 0.5) / fk[idx], (i + 0.5) / fk[idx]
                boxes.append((cx, cy, w, h))
    dboxes = torch.tensor(boxes, dtype=torch.float)
    dboxes.clamp_(min=0, max=1)
    return dboxes


class SyntheticVideo:
    """A numpy port of EdgeBench's SyntheticVideo (src/EdgeBench.Preprocessing/SyntheticVideo.cs): sky gradient,
    scrolling tiled ground, moving shaded circles and boxes, hashed sensor noise. Seed 1 and 640x480 are what the
    pipeline benchmarks use. Frames are returned as BGR24 (HWC uint8), as EdgeBench hands them to the pipeline."""

    M64 = (1 << 64) - 1

    def __init__(self, width=640, height=480, seed=1, object_count=6):
        self.w, self.h = width, height
        self.horizon = height * 2 // 5
        self.state = seed & self.M64
        self.noise_seed = self._next() & 0xFFFFFFFF
        min_side = min(width, height)
        self.objects = []
        for i in range(object_count):
            size = max(1.0, min_side * self._next_double(1.0 / 16, 1.0 / 5))
            speed = max(1.0, width / 100.0)
            x0 = self._next_double(0, width)
            y0 = self._next_double(0, height)
            vx = self._next_double(-speed, speed)
            vy = self._next_double(-speed, speed) * 0.6
            r = int(self._next_double(40, 255))
            g = int(self._next_double(40, 255))
            b = int(self._next_double(40, 255))
            self.objects.append((i % 2 == 0, size / 2, x0, y0, vx, vy, r, g, b))

    def _next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.M64
        return z ^ (z >> 31)

    def _next_double(self, lo, hi):
        return lo + (hi - lo) * ((self._next() >> 11) * (1.0 / (1 << 53)))

    @staticmethod
    def _bounce(p, size):
        period = 2.0 * size
        m = math.fmod(p, period)
        if m < 0:
            m += period
        return m if m <= size else period - m

    def render_rgb(self, k):
        w, h, hz = self.w, self.h, self.horizon
        y = np.arange(h, dtype=np.int64)[:, None]
        x = np.arange(w, dtype=np.int64)[None, :]
        t_sky = (y * 256 // hz) if hz > 1 else np.zeros_like(y)
        t_gnd = (y - hz) * 256 // max(1, h - hz)
        sky = y < hz
        r = np.where(sky, 60 + 120 * t_sky // 256, 110 - 50 * t_gnd // 256)
        g = np.where(sky, 110 + 100 * t_sky // 256, 150 - 60 * t_gnd // 256)
        b = np.where(sky, 190 + 50 * t_sky // 256, 80 - 40 * t_gnd // 256)
        r, g, b = (np.broadcast_to(c, (h, w)).copy() for c in (r, g, b))
        scroll = k * 2 % 1_000_000
        tw, th = max(2, w // 20), max(2, h // 20)
        tile = (~sky) & (((((x + scroll) // tw) + (y // th)) & 1) == 0)
        r += 18 * tile
        g += 18 * tile
        b += 10 * tile
        salt = np.uint32(((k * 0x9E3779B9) & 0xFFFFFFFF) ^ self.noise_seed)
        with np.errstate(over="ignore"):
            xs = x.astype(np.uint32)
            ys = y.astype(np.uint32)
            hh = (xs * np.uint32(0x8DA6B343)) ^ (ys * np.uint32(0xD8163841)) ^ salt
            hh ^= hh >> np.uint32(15)
            hh *= np.uint32(0x2C1B3C6D)
            hh ^= hh >> np.uint32(12)
        n = (hh % np.uint32(7)).astype(np.int64) - 3
        img = np.stack([r + n, g + n, b + n], axis=-1).clip(0, 255).astype(np.uint8)
        for is_circle, half, x0, y0, vx, vy, cr, cg, cb in self.objects:
            cx = self._bounce(x0 + vx * k, w)
            cy = self._bounce(y0 + vy * k, h)
            xa = max(0, int(math.floor(cx - half)))
            xb = min(w - 1, int(math.ceil(cx + half)))
            ya = max(0, int(math.floor(cy - half)))
            yb = min(h - 1, int(math.ceil(cy + half)))
            if xa > xb or ya > yb:
                continue
            dy = (np.arange(ya, yb + 1) + 0.5 - cy)[:, None]
            dx = (np.arange(xa, xb + 1) + 0.5 - cx)[None, :]
            if is_circle:
                inside = (dx * dx + dy * dy) <= half * half
                shade = 1.0 - (0.35 * (dx + dy + 2 * half) / (4 * half))
            else:
                inside = (np.abs(dx) <= half) & (np.abs(dy) <= half)
                shade = np.where(np.maximum(np.abs(dx), np.abs(dy)) > half * 0.8, 0.55, 0.95)
            shade = np.broadcast_to(shade, inside.shape)
            region = img[ya:yb + 1, xa:xb + 1]
            for c, v in enumerate((cr, cg, cb)):
                val = np.clip(np.trunc(v * shade), 0, 255).astype(np.uint8)
                region[..., c] = np.where(inside, val, region[..., c])
        return img

    def frames_bgr(self, count):
        return [np.ascontiguousarray(self.render_rgb(k)[..., ::-1]) for k in range(count)]


# ----------------------------------------------------------------------------------------------------------------
# The pipeline, written the PyTorch way
# ----------------------------------------------------------------------------------------------------------------

class SsdPipeline:
    def __init__(self, model, device, dtype, size=300, score_threshold=0.05, iou=0.5, max_detections=200,
                 scale_xy=0.1, scale_wh=0.2):
        self.model = model
        self.device = device
        self.dtype = dtype
        self.size = size
        self.score_threshold = score_threshold
        self.iou = iou
        self.max_detections = max_detections
        self.scale_xy = scale_xy
        self.scale_wh = scale_wh
        self.dboxes_xywh = dboxes300_coco().unsqueeze(0).to(device)  # [1,8732,4], float32
        self.candidates = 0
        self.detections = 0
        self.images = 0

    def preprocess(self, frames_bgr_nhwc):
        x = torch.from_numpy(frames_bgr_nhwc).to(self.device)        # uint8 [N,H,W,3] BGR, H2D copy
        x = x.flip(-1)                                                # BGR -> RGB
        x = x.permute(0, 3, 1, 2).float()                             # NCHW float32
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        x = x / 127.5 - 1.0                                           # EdgeBench SSD300: mean 0.5, std 0.5
        return x.to(self.dtype)

    def decode(self, locs, scores):
        # NVIDIA Encoder.scale_back_batch, then per image: threshold, batched NMS, top 200 (torchvision style).
        locs = locs.float().permute(0, 2, 1)                          # [N,8732,4]
        scores = scores.float().permute(0, 2, 1)                      # [N,8732,81]
        d = self.dboxes_xywh
        xy = self.scale_xy * locs[:, :, :2] * d[:, :, 2:] + d[:, :, :2]
        wh = (self.scale_wh * locs[:, :, 2:]).exp() * d[:, :, 2:]
        ltrb = torch.cat([xy - 0.5 * wh, xy + 0.5 * wh], dim=-1)
        prob = F.softmax(scores, dim=-1)
        results = []
        for i in range(prob.shape[0]):
            p = prob[i, :, 1:]                                        # background excluded
            box_idx, cls_idx = (p > self.score_threshold).nonzero(as_tuple=True)
            sc = p[box_idx, cls_idx]
            bx = ltrb[i, box_idx]
            keep = batched_nms(bx, sc, cls_idx, self.iou)[: self.max_detections]
            boxes, labels, confs = bx[keep], cls_idx[keep] + 1, sc[keep]
            results.append((boxes.cpu().numpy(), labels.cpu().numpy(), confs.cpu().numpy()))
            self.candidates += int(box_idx.shape[0])
            self.detections += int(keep.shape[0])
            self.images += 1
        return results

    def __call__(self, frames_bgr_nhwc):
        x = self.preprocess(frames_bgr_nhwc)
        locs, scores = self.model(x)
        return self.decode(locs, scores)

    def reset_counts(self):
        self.candidates = self.detections = self.images = 0


# ----------------------------------------------------------------------------------------------------------------
# The tuned mode: what a PyTorch expert deploys (cudnn.benchmark, channels_last, CUDA graphs, pinned memory)
# ----------------------------------------------------------------------------------------------------------------

def capture_graph(fn, warmup=3):
    """fn() run `warmup` times on a side stream (cuDNN's benchmark search and the allocator's pools settle there, as
    PyTorch's CUDA-graph recipe asks), then captured once; returns (graph, the outputs fn wrote into static memory)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(warmup):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = fn()
    return graph, out


class TunedSsdPipeline(SsdPipeline):
    """The same model, weights, preprocessing arithmetic and decode as SsdPipeline, deployed the way a PyTorch expert
    would on a GPU, so EdgeBench is compared with the strongest PyTorch form and not only with eager defaults:

    * the model's weights and activations in channels_last (NHWC: cuDNN's tensor-core kernels' native layout);
    * `torch.backends.cudnn.benchmark = True` (set by main for this mode: cuDNN times its algorithms per shape);
    * host frames staged in one page-locked buffer and copied with non_blocking=True (a direct DMA, no pageable
      bounce);
    * everything with static shapes captured once as one CUDA graph and replayed: the H2D-copied uint8 batch ->
      BGR->RGB, NCHW, float, bilinear resize, normalization -> the detector -> decode against the default boxes and
      softmax (one launch from the host instead of ~270);
    * only what has data-dependent shapes runs eagerly after the replay: per image the score threshold (nonzero),
      torchvision's batched_nms, the best 200, and one device->host copy of [boxes | score | label] per image.
    """

    def __init__(self, model, device, dtype, batch, height, width):
        super().__init__(model, device, dtype)
        self.batch = batch
        self.dev_in = torch.empty((batch, height, width, 3), dtype=torch.uint8, device=device)
        if device.type == "cuda":
            self.host_in = torch.empty((batch, height, width, 3), dtype=torch.uint8).pin_memory()
            graph, (self.ltrb, self.prob) = capture_graph(self._dense)
            self._replay = graph.replay
        else:
            # No graphs and no pinned memory off CUDA: the same arithmetic, called directly (check_interpreter.py
            # checks the tuned pipeline's detections against the eager one's this way, on the CPU).
            self.host_in = self.dev_in

            def run_dense():
                self.ltrb, self.prob = self._dense()
            self._replay = run_dense

    def preprocess_device(self, x_uint8):
        x = x_uint8.flip(-1).permute(0, 3, 1, 2).float()
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        x = x / 127.5 - 1.0
        return x.to(self.dtype).contiguous(memory_format=torch.channels_last)

    def _dense(self):
        locs, scores = self.model(self.preprocess_device(self.dev_in))
        locs = locs.float().permute(0, 2, 1)
        scores = scores.float().permute(0, 2, 1)
        d = self.dboxes_xywh
        xy = self.scale_xy * locs[:, :, :2] * d[:, :, 2:] + d[:, :, :2]
        wh = (self.scale_wh * locs[:, :, 2:]).exp() * d[:, :, 2:]
        ltrb = torch.cat([xy - 0.5 * wh, xy + 0.5 * wh], dim=-1)
        return ltrb, F.softmax(scores, dim=-1)

    def __call__(self, frames_bgr_nhwc):
        # A list of HWC frames is stacked straight into the page-locked buffer (one host copy, as a camera stack
        # writing into DMA-able memory would); an already stacked array is copied into it.
        if isinstance(frames_bgr_nhwc, (list, tuple)):
            np.stack(frames_bgr_nhwc, out=self.host_in.numpy())
        else:
            np.copyto(self.host_in.numpy(), frames_bgr_nhwc)
        if self.host_in is not self.dev_in:
            self.dev_in.copy_(self.host_in, non_blocking=True)
        self._replay()
        results = []
        for i in range(self.batch):
            p = self.prob[i, :, 1:]
            box_idx, cls_idx = (p > self.score_threshold).nonzero(as_tuple=True)
            sc = p[box_idx, cls_idx]
            bx = self.ltrb[i, box_idx]
            keep = batched_nms(bx, sc, cls_idx, self.iou)[: self.max_detections]
            packed = torch.cat([bx[keep], sc[keep, None], (cls_idx[keep] + 1)[:, None].float()], dim=1).cpu().numpy()
            results.append((packed[:, :4], packed[:, 5].astype(np.int64), packed[:, 4]))
            self.candidates += int(box_idx.shape[0])
            self.detections += int(keep.shape[0])
            self.images += 1
        return results


# ----------------------------------------------------------------------------------------------------------------
# Measurement
# ----------------------------------------------------------------------------------------------------------------

def report_writer(report, path, t_start):
    """(write, add_row) for a JSON report at path. It is rewritten after every row, through a temporary file: a call cut
    short keeps every row it measured, never half a file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def write():
        report["wall_seconds"] = round(time.perf_counter() - t_start, 1)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)

    def add_row(row):
        report["results"].append(row)
        print_row(row)
        write()

    return write, add_row


def measure(fn, sync, seconds, warmup, min_iters):
    for _ in range(warmup):
        fn()
        sync()
    times = []
    enqueue = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        tq = time.perf_counter()
        sync()
        t1 = time.perf_counter()
        times.append(t1 - t0)
        enqueue.append(tq - t0)
        if t1 - start >= seconds and len(times) >= min_iters:
            break
    return np.array(times) * 1e3, np.array(enqueue) * 1e3


def summarize(ms, batch):
    med = float(np.median(ms))
    return {
        "iterations": int(ms.size),
        "median_ms": round(med, 4),
        "p90_ms": round(float(np.percentile(ms, 90)), 4),
        "mean_ms": round(float(ms.mean()), 4),
        "min_ms": round(float(ms.min()), 4),
        "max_ms": round(float(ms.max()), 4),
        "frame_ms": round(med / batch, 4),
        "fps": round(1000.0 * batch / med, 2),
    }


def versions(device):
    v = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
        "torch_cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }
    if device.type == "cuda":
        v["gpu"] = torch.cuda.get_device_name(device)
        cap = torch.cuda.get_device_capability(device)
        v["compute_capability"] = f"{cap[0]}.{cap[1]}"
        v["gpu_memory_gib"] = round(torch.cuda.get_device_properties(device).total_memory / 2**30, 1)
    try:
        q = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit",
                            "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
        if q.returncode == 0 and q.stdout.strip():
            line = q.stdout.strip().splitlines()[0]
            v["nvidia_smi"] = line
            v["driver"] = line.split(",")[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return v


def precision_settings():
    s = {"cudnn_benchmark": torch.backends.cudnn.benchmark}
    for key, getter in (("cudnn_allow_tf32", lambda: torch.backends.cudnn.allow_tf32),
                        ("matmul_allow_tf32", lambda: torch.backends.cuda.matmul.allow_tf32),
                        ("cudnn_conv_fp32_precision", lambda: torch.backends.cudnn.conv.fp32_precision)):
        try:
            s[key] = getter()
        except Exception:  # attribute absent in this torch version
            pass
    return s


def parse_list(text, cast, name):
    try:
        values = [cast(t) for t in text.split(",") if t.strip()]
    except ValueError:
        sys.exit(f"error: --{name} {text!r}: expected a comma-separated list")
    if not values:
        sys.exit(f"error: --{name} is empty")
    return values


# The command line and the checks the three scripts (this one, classifier_pytorch_way.py, yolo_pytorch_way.py) share;
# each adds its own options after these (--compile, --normalization) and passes its own help texts and defaults.
PRECISION_HELP = "fp32 and/or fp16 (module and input .half()); default both"
MODE_HELP = "eager and/or tuned (tuned needs CUDA); default both"


def add_common_arguments(ap, model_help, default_seconds, precision_help=PRECISION_HELP, mode_help=MODE_HELP,
                         cudnn_benchmark_help=None):
    """--model, --out, --device, --batch, --precision, --mode, --seconds, --warmup, --min-iters, --frames; with
    cudnn_benchmark_help also --cudnn-benchmark (with that help) and --no-tf32, which validated_common applies (None, the
    classifier script: neither; its eager mode always runs with cudnn.benchmark off)."""
    ap.add_argument("--model", required=True, help=model_help)
    ap.add_argument("--out", required=True, help="JSON results file to write")
    ap.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    ap.add_argument("--batch", default="1,8", help="batch sizes (default 1,8)")
    ap.add_argument("--precision", default="fp32,fp16", help=precision_help)
    ap.add_argument("--mode", default="eager,tuned", help=mode_help)
    ap.add_argument("--seconds", type=float, default=default_seconds,
                    help=f"timed seconds per case (default {default_seconds:g})")
    ap.add_argument("--warmup", type=int, default=20, help="warm-up iterations per case (default 20)")
    ap.add_argument("--min-iters", type=int, default=5, help="at least this many timed iterations (default 5)")
    ap.add_argument("--frames", type=int, default=16, help="synthetic 640x480 frames in the ring (default 16)")
    if cudnn_benchmark_help is not None:
        ap.add_argument("--cudnn-benchmark", action="store_true", help=cudnn_benchmark_help)
        ap.add_argument("--no-tf32", action="store_true",
                        help="disable TF32 for fp32 convolutions (PyTorch enables it for cuDNN convolutions by default)")


def validated_common(args, model_hint):
    """add_common_arguments' options checked (one `error: ...` line and exit status 1 for the first problem; model_hint,
    in parentheses after a missing model file, says where EdgeBench writes it) and --cudnn-benchmark / --no-tf32
    applied where the script has them. Returns (batches, precisions, modes, device), device with its CUDA index."""
    batches = parse_list(args.batch, int, "batch")
    precisions = parse_list(args.precision, str.strip, "precision")
    modes = parse_list(args.mode, str.strip, "mode")
    if any(p not in ("fp32", "fp16") for p in precisions):
        sys.exit(f"error: --precision {args.precision!r}: expected fp32 and/or fp16")
    if any(m not in ("eager", "tuned") for m in modes):
        sys.exit(f"error: --mode {args.mode!r}: expected eager and/or tuned")
    if any(b < 1 for b in batches):
        sys.exit("error: --batch values must be >= 1")
    if not os.path.isfile(args.model):
        sys.exit(f"error: model file not found: {args.model} ({model_hint})")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"error: --device {args.device} but torch.cuda.is_available() is False "
                 f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}); use --device cpu for a correctness run")
    if "tuned" in modes and device.type != "cuda":
        sys.exit(f"error: --mode tuned needs a CUDA device (CUDA graphs, pinned memory); --device is {args.device}")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    if "no_tf32" in vars(args):
        torch.backends.cudnn.benchmark = bool(args.cudnn_benchmark)
        if args.no_tf32:
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
    return batches, precisions, modes, device


def load_model(path):
    """The ONNX file as an OnnxEagerModule in eval mode (exit with the reason when it has an op the interpreter lacks),
    with the file's sha256, its opsets and EdgeBench's .stamp sidecar beside it (None when absent or unreadable), for
    the report. Returns (module, proto, sha256, opset, stamp); the caller checks the shapes on proto, then drops it."""
    with open(path, "rb") as f:
        blob = f.read()
    sha = hashlib.sha256(blob).hexdigest()
    proto = onnx.load_model_from_string(blob)
    del blob
    try:
        module = OnnxEagerModule(proto).eval()
    except UnsupportedModel as e:
        sys.exit(f"error: {path}: {e}")
    opset = {o.domain or "ai.onnx": o.version for o in proto.opset_import}
    stamp = None
    if os.path.isfile(path + ".stamp"):
        try:
            with open(path + ".stamp") as f:
                stamp = json.load(f)
        except (OSError, ValueError):
            pass
    return module, proto, sha, opset, stamp


def compare_outputs(reference, locs, scores, reference_name):
    """Cosine and max |diff| of locs/scores against the first precision's eager outputs (float64)."""
    out = {}
    for name, a, b in (("locs", reference[0], locs.float().cpu()), ("scores", reference[1], scores.float().cpu())):
        a64, b64 = a.double().flatten(), b.double().flatten()
        out[f"{name}_vs_{reference_name}_cosine"] = round(float(torch.dot(a64, b64) / (a64.norm() * b64.norm())), 7)
        out[f"{name}_vs_{reference_name}_max_abs"] = round(float((a64 - b64).abs().max()), 5)
    return out


def ring_batches(frames, batch, stack=True):
    ring = len(frames)
    counter = itertools.count()

    def next_batch():
        k = next(counter)
        chosen = [frames[(k * batch + j) % ring] for j in range(batch)]
        return np.stack(chosen) if stack else chosen
    return next_batch


def run_eager(pipe, model, frames, batch, device, sync, args, add_row):
    prec = "fp16" if pipe.dtype == torch.float16 else "fp32"
    next_batch = ring_batches(frames, batch)
    settings = {"cudnn_benchmark": torch.backends.cudnn.benchmark, "channels_last": False, "cuda_graph": False}
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    pipe.reset_counts()
    ms, _ = measure(lambda: pipe(next_batch()), sync, args.seconds, args.warmup, args.min_iters)
    row = {"mode": "eager", "case": "end-to-end", "precision": prec, "batch": batch, **summarize(ms, batch),
           "candidates_per_frame": round(pipe.candidates / max(1, pipe.images), 1),
           "detections_per_frame": round(pipe.detections / max(1, pipe.images), 1), "settings": settings}
    if device.type == "cuda":
        row["peak_memory_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    add_row(row)

    xin = pipe.preprocess(np.stack([frames[j % len(frames)] for j in range(batch)]))
    sync()
    ms, enq = measure(lambda: model(xin), sync, args.seconds, args.warmup, args.min_iters)
    # host_enqueue_ms: time for model(x) to return (Python + kernel launches) before the synchronize;
    # when it is close to median_ms the forward is bound by the host, not by the GPU.
    add_row({"mode": "eager", "case": "detector-only", "precision": prec, "batch": batch, **summarize(ms, batch),
             "host_enqueue_ms": round(float(np.median(enq)), 4), "settings": settings})


def run_tuned(base, eager_model, prec, dtype, frames, batches, device, sync, args, report, reference_out,
              reference_name, add_row, write_report):
    """The tuned mode's cases for one precision: end-to-end (TunedSsdPipeline), detector-only as a CUDA graph in
    channels_last and in NCHW (the layout ONNX Runtime's CUDA provider runs by default), and optionally
    torch.compile. cudnn.benchmark is on (set by the caller)."""
    # From the fp32 CPU module (never a deep copy of inference tensors), then as the eager model: device, [half].
    model_cl = copy.deepcopy(base).to(device)
    if dtype == torch.float16:
        model_cl = model_cl.half()
    model_cl = model_cl.to(memory_format=torch.channels_last)
    h, w = frames[0].shape[:2]
    settings = {"cudnn_benchmark": True, "channels_last": True, "cuda_graph": True, "pinned_input": True}

    # Validation: the tuned pipeline on frames 0..7 as one batch, and the channels_last model's raw outputs.
    val_pipe = TunedSsdPipeline(model_cl, device, dtype, 8, h, w)
    val_pipe(np.stack(frames[:8]))
    x = val_pipe.preprocess_device(val_pipe.dev_in)
    locs, scores = model_cl(x)
    val = {"frames": 8, "candidates_per_frame": val_pipe.candidates / 8,
           "detections_per_frame": val_pipe.detections / 8, **compare_outputs(reference_out, locs, scores, reference_name)}
    report["validation"][f"tuned-{prec}"] = val
    print(f"tuned {prec}: frames 0-7: {val['candidates_per_frame']:.1f} candidates/frame, "
          f"{val['detections_per_frame']:.1f} detections/frame, scores cosine vs {reference_name} "
          f"{val[f'scores_vs_{reference_name}_cosine']}")
    del val_pipe, x, locs, scores
    write_report()

    for batch in batches:
        torch.cuda.reset_peak_memory_stats(device)
        pipe = TunedSsdPipeline(model_cl, device, dtype, batch, h, w)
        next_batch = ring_batches(frames, batch, stack=False)
        ms, _ = measure(lambda: pipe(next_batch()), sync, args.seconds, args.warmup, args.min_iters)
        add_row({"mode": "tuned", "case": "end-to-end", "precision": prec, "batch": batch, **summarize(ms, batch),
                 "candidates_per_frame": round(pipe.candidates / max(1, pipe.images), 1),
                 "detections_per_frame": round(pipe.detections / max(1, pipe.images), 1),
                 "peak_memory_mib": round(torch.cuda.max_memory_allocated(device) / 2**20, 1), "settings": settings})
        x_dev = pipe.preprocess_device(pipe.dev_in)
        del pipe

        variants = [("detector-only", model_cl, torch.channels_last, settings),
                    ("detector-only-nchw", eager_model, torch.contiguous_format, settings | {"channels_last": False})]
        if args.compile:
            variants.append(("detector-only-compiled", None, torch.channels_last, settings | {"torch_compile": "max-autotune-no-cudagraphs"}))
        for case, module, layout, case_settings in variants:
            try:
                if module is None:
                    t0 = time.perf_counter()
                    module = torch.compile(model_cl, mode="max-autotune-no-cudagraphs", dynamic=False)
                    x_static = x_dev.contiguous(memory_format=layout).clone()
                    module(x_static)
                    case_settings = case_settings | {"compile_seconds": round(time.perf_counter() - t0, 1)}
                x_static = x_dev.contiguous(memory_format=layout).clone()
                graph, _ = capture_graph(lambda: module(x_static))
                sync()
                ms, enq = measure(graph.replay, sync, args.seconds, args.warmup, args.min_iters)
                add_row({"mode": "tuned", "case": case, "precision": prec, "batch": batch, **summarize(ms, batch),
                         "host_enqueue_ms": round(float(np.median(enq)), 4), "settings": case_settings})
                del graph
            except Exception as e:  # torch.compile's failures vary by version; the row says why instead
                report["skipped"].append({"mode": "tuned", "case": case, "precision": prec, "batch": batch,
                                          "reason": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"})
                print(f"  {case} {prec} batch {batch}: skipped ({type(e).__name__}: {e})")
                write_report()
        del x_dev
    del model_cl


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(
        ap, "EdgeBench's ssd300-fp32.onnx (generated or your own)", 4.0,
        mode_help="eager (a plain module, --cudnn-benchmark as given) and/or tuned (cudnn.benchmark, channels_last, "
                  "pinned input, pre + detector + decode as one CUDA graph; CUDA only); default both",
        cudnn_benchmark_help="torch.backends.cudnn.benchmark = True (default off)")
    ap.add_argument("--compile", action="store_true",
                    help="tuned mode: also time torch.compile(max-autotune-no-cudagraphs) of the channels_last detector, "
                         "replayed as a CUDA graph (case detector-only-compiled; minutes of compilation)")
    args = ap.parse_args(argv)
    batches, precisions, modes, device = validated_common(
        args, "EdgeBench writes it to models/generated/ssd300-fp32.onnx on first use, or "
              "`dotnet run -c Release -- models export --out DIR`")

    t_start = time.perf_counter()
    base, proto, sha, opset, stamp = load_model(args.model)
    inp = proto.graph.input[0]
    in_dims = [d.dim_value or d.dim_param for d in inp.type.tensor_type.shape.dim]
    if base.output_names != ["locs", "scores"]:
        sys.exit(f"error: expected outputs locs, scores; the model has {base.output_names}")
    if len(in_dims) != 4 or in_dims[1:] != [3, 300, 300]:
        sys.exit(f"error: expected input [N,3,300,300]; the model has {in_dims}")
    del proto

    frames = SyntheticVideo(640, 480, seed=1).frames_bgr(args.frames)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)

    report = {
        "tool": "eng/gpu/pytorch/ssd_pytorch_way.py",
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "model": {"path": os.path.abspath(args.model), "sha256": sha, "stamp": stamp, "opset": opset,
                  "ops": base.op_types, "input": in_dims},
        "device": str(device),
        "versions": versions(device),
        "settings": {
            "modes": modes, "batches": batches, "precisions": precisions, "seconds": args.seconds, "warmup": args.warmup,
            "min_iters": args.min_iters, "frames": args.frames, "frame": "640x480 BGR24 uint8, synthetic (EdgeBench SyntheticVideo seed 1 port)",
            "inference_mode": True, **precision_settings(),
            "pipeline": "from_numpy(np.stack) -> .to(device) -> flip BGR->RGB -> permute NCHW -> float -> "
                        "interpolate 300x300 bilinear align_corners=False -> x/127.5-1 -> [.half()] -> model -> "
                        ".float() -> decode (scale_xy 0.1, scale_wh 0.2) + softmax -> per image: p>0.05 (no background) "
                        "-> batched_nms IoU 0.5 -> top 200 -> .cpu()",
            "tuned": "cudnn.benchmark on; model and input channels_last; frames via one pinned buffer, non_blocking H2D; "
                     "RGB/NCHW/float/resize/normalize + model + decode + softmax captured as one CUDA graph; per image "
                     "eager: p>0.05 nonzero -> batched_nms IoU 0.5 -> top 200 -> one .cpu() of [box|score|label]",
        },
        "results": [],
        "skipped": [],
        "validation": {},
    }

    print(f"model {args.model} (sha256 {sha[:12]}..., ops {', '.join(base.op_types)})")
    v = report["versions"]
    print(f"torch {v['torch']}, torchvision {v['torchvision']}, CUDA {v['torch_cuda']}, cuDNN {v['cudnn']}, "
          f"device {v.get('gpu', 'cpu')}, driver {v.get('driver', '-')}")
    print(f"settings: {json.dumps(precision_settings())}")

    write_report, add_row = report_writer(report, args.out, t_start)

    eager_settings = precision_settings()
    reference_out = None
    with torch.inference_mode():
        for prec in precisions:
            if prec == "fp16" and device.type == "cpu":
                report["skipped"].append({"precision": "fp16", "reason": "fp16 convolutions on the CPU are not a "
                                          "PyTorch deployment path (unsupported or very slow on x86)"})
                print("fp16: skipped on the CPU")
                continue
            dtype = torch.float16 if prec == "fp16" else torch.float32
            model = copy.deepcopy(base).to(device)   # base stays fp32 on the CPU for the next precision
            if prec == "fp16":
                model = model.half()
            pipe = SsdPipeline(model, device, dtype)

            # Validation pass: frames 0..7 as one batch (what EdgeBench's detector calibration uses).
            val_batch = np.stack(frames[:8])
            x = pipe.preprocess(val_batch)
            locs, scores = model(x)
            pipe.reset_counts()
            pipe.decode(locs, scores)
            val = {"frames": 8, "candidates_per_frame": pipe.candidates / 8, "detections_per_frame": pipe.detections / 8}
            if reference_out is None:
                reference_out = (locs.float().cpu(), scores.float().cpu())
            else:
                val.update(compare_outputs(reference_out, locs, scores, precisions[0]))
            report["validation"][prec] = val
            print(f"{prec}: frames 0-7: {val['candidates_per_frame']:.1f} candidates/frame, "
                  f"{val['detections_per_frame']:.1f} detections/frame")
            del x, locs, scores

            if "eager" in modes:
                torch.backends.cudnn.benchmark = bool(args.cudnn_benchmark)
                for batch in batches:
                    run_eager(pipe, model, frames, batch, device, sync, args, add_row)
            if "tuned" in modes:
                torch.backends.cudnn.benchmark = True
                run_tuned(base, model, prec, dtype, frames, batches, device, sync, args, report, reference_out,
                          precisions[0], add_row, write_report)
            del pipe, model
            if device.type == "cuda":
                torch.cuda.empty_cache()

    report["settings"]["eager_settings"] = eager_settings
    write_report()
    print()
    print_table(report["results"], v.get("gpu", "cpu"))
    print(f"\nwrote {args.out} ({report['wall_seconds']} s)")
    return 0


def print_row(r):
    extra = ""
    if "host_enqueue_ms" in r:
        extra = f"  host enqueue {r['host_enqueue_ms']:.3f} ms"
    if "candidates_per_frame" in r:
        extra = f"  cand/frame {r['candidates_per_frame']:.0f}  det/frame {r['detections_per_frame']:.0f}"
    print(f"  {r.get('mode', 'eager'):<5} {r['case']:<22} {r['precision']} batch {r['batch']:>2}: median {r['median_ms']:8.3f} ms  "
          f"p90 {r['p90_ms']:8.3f} ms  {r['fps']:8.1f} FPS  ({r['iterations']} it){extra}", flush=True)


def print_table(rows, device_name):
    print(f"SSD300 the PyTorch way on {device_name}; per call = one batch; FPS = batch / median")
    hdr = f"| mode  | {'case':<22} | prec | batch | median ms | p90 ms | frame ms | FPS | iterations |"
    print(hdr)
    print("|" + "|".join("-" * (len(c)) for c in hdr.split("|")[1:-1]) + "|")
    for r in rows:
        print(f"| {r.get('mode', 'eager'):<5} | {r['case']:<22} | {r['precision']} | {r['batch']:>5} | {r['median_ms']:9.3f} | {r['p90_ms']:6.3f} | "
              f"{r['frame_ms']:8.3f} | {r['fps']:.1f} | {r['iterations']:>10} |")


if __name__ == "__main__":
    sys.exit(main())

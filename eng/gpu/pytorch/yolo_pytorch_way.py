#!/usr/bin/env python3
"""YOLOv3-tiny "the PyTorch way": EdgeBench's generated YOLOv3-tiny ONNX file run as a PyTorch module by
ssd_pytorch_way.py's interpreter, with the preprocessing (H2D copy, BGR->RGB, NCHW, bilinear stretch to 416x416, x/255)
and darknet's postprocessing (sigmoid/exp decode against the yolov3-tiny.cfg anchors, confidence = sigmoid(obj) *
sigmoid(class) > 0.25 for every class, torchvision batched_nms at IoU 0.45, the best 300, copied to the host) on the
same device, in two modes:

  eager   the module as written, as a PyTorch YOLOv3 user writes it (a YOLO layer per head, then the usual
          non_max_suppression loop per image): end-to-end (host uint8 BGR frames -> detections on the host) and
          detector-only (the forward on a prepared device tensor, then a synchronize)
  tuned   what a PyTorch expert deploys: cudnn.benchmark, channels_last, frames stacked into one page-locked buffer and
          copied non_blocking, pre + model + the dense decode (sigmoids, boxes, confidences and the candidate mask of
          all 2535 boxes x 80 classes) captured as one CUDA graph, then per image nonzero + batched_nms + best 300
          eagerly and one packed copy to the host per call; detector-only as a graph in channels_last and in NCHW

Usage (on the GPU machine, the file EdgeBench generated):
  python3 eng/gpu/pytorch/yolo_pytorch_way.py --model /root/st/models/generated/tiny-yolov3-fp32.onnx \\
      --out $OUT/pytorch-yolo.json [--batch 1,8] [--precision fp32,fp16] [--seconds 2]

The frames are ssd_pytorch_way.py's port of EdgeBench's synthetic video (seed 1, 640x480 BGR). See README.md.
"""

import argparse
import copy
import datetime
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssd_pytorch_way as spw  # noqa: E402  (interpreter, frames, timing, versions)

torch, F, batched_nms = spw.torch, spw.F, spw.batched_nms

# EdgeBench's DecodeOptions defaults (src/EdgeBench.Postprocessing/DecodeOptions.cs), i.e. darknet's yolov3-tiny.cfg
# and ultralytics' max_det.
ANCHORS = (10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319)   # (w, h) pairs in input pixels
MASKS = ((3, 4, 5), (1, 2, 3))   # head 0: stride 32 (13x13 at 416); head 1: stride 16 (26x26); 1,2,3 as the .cfg
CONF_THRESHOLD = 0.25
IOU_THRESHOLD = 0.45
MAX_DETECTIONS = 300
CLASSES = 80


class YoloPipeline:
    """Eager: each call stacks the frames, copies them to the device (pageable), preprocesses, runs the model, decodes
    each head as a PyTorch YOLO layer does (view [N,3,85,G,G] -> [N,3,G,G,85], sigmoid x/y + cell, exp w/h x anchor) and
    runs the usual per-image non_max_suppression (drop boxes with sigmoid(obj) <= 0.25, conf = obj x class for every
    class above 0.25, batched_nms, best 300), copying boxes, labels and scores to the host image by image."""

    def __init__(self, model, device, dtype, size=416, conf=CONF_THRESHOLD, iou=IOU_THRESHOLD, max_det=MAX_DETECTIONS):
        self.model, self.device, self.dtype = model, device, dtype
        self.size, self.conf, self.iou, self.max_det = size, conf, iou, max_det
        self.grids = (size // 32, size // 16)
        # Per head: cell offsets [1,1,G,G,2] (col, row) and anchor sizes [1,3,1,1,2] in input pixels, float32.
        self.cell_xy, self.anchor_px = [], []
        for g, mask in zip(self.grids, MASKS):
            rows, cols = torch.meshgrid(torch.arange(g), torch.arange(g), indexing="ij")
            self.cell_xy.append(torch.stack([cols, rows], dim=-1).float().view(1, 1, g, g, 2).to(device))
            wh = [[ANCHORS[2 * m], ANCHORS[2 * m + 1]] for m in mask]
            self.anchor_px.append(torch.tensor(wh, dtype=torch.float32).view(1, len(mask), 1, 1, 2).to(device))
        self.candidates = 0
        self.detections = 0
        self.images = 0

    def preprocess_device(self, x_uint8_nhwc, memory_format=torch.contiguous_format):
        x = x_uint8_nhwc.flip(-1).permute(0, 3, 1, 2).float()                 # BGR -> RGB, NCHW float32
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)   # stretch, no letterbox
        x = x / 255.0                                                          # EdgeBench's zero-to-one normalization
        return x.to(self.dtype).contiguous(memory_format=memory_format)

    def decode(self, heads):
        """[N, 2535, 85]: ltrb relative to the 416 input, sigmoid(obj), sigmoid(class) x 80, boxes in EdgeBench's
        global order (head, anchor, row, col). In float32 whatever the model's precision (the C# postprocessor widens
        fp16 heads to fp32 first). Box arithmetic in the order of YoloV3TinyLayout.Decode:
        x = (col + sigmoid(tx)) / G, w = exp(tw) * anchor_w / 416, then x -/+ w/2."""
        out = []
        for p, g, cell, anchor in zip(heads, self.grids, self.cell_xy, self.anchor_px):
            n = p.shape[0]
            p = p.float().reshape(n, len(MASKS[0]), 5 + CLASSES, g, g).permute(0, 1, 3, 4, 2)   # [N,3,G,G,85]
            xy = (cell + p[..., :2].sigmoid()) / g
            wh = p[..., 2:4].exp() * anchor / self.size
            out.append(torch.cat([xy - 0.5 * wh, xy + 0.5 * wh, p[..., 4:].sigmoid()], dim=-1).reshape(n, -1, 5 + CLASSES))
        return torch.cat(out, dim=1)

    def heads_in_order(self, outputs):
        # The coarse (13x13) head first, whatever order the graph lists its outputs in.
        return sorted(outputs, key=lambda t: t.shape[-1])

    def postprocess(self, pred):
        results = []
        for i in range(pred.shape[0]):
            d = pred[i]
            d = d[d[:, 4] > self.conf]                           # darknet: skip the box when sigmoid(obj) <= thresh
            conf = d[:, 5:] * d[:, 4:5]
            box_idx, cls_idx = (conf > self.conf).nonzero(as_tuple=True)   # several classes per box, as darknet
            sc = conf[box_idx, cls_idx]
            bx = d[box_idx, :4]
            keep = batched_nms(bx, sc, cls_idx, self.iou)[: self.max_det]
            results.append((bx[keep].cpu().numpy(), cls_idx[keep].cpu().numpy(), sc[keep].cpu().numpy()))
            self.candidates += int(box_idx.shape[0])
            self.detections += int(keep.shape[0])
            self.images += 1
        return results

    def __call__(self, frames_bgr_nhwc):
        x = self.preprocess_device(torch.from_numpy(frames_bgr_nhwc).to(self.device))
        return self.postprocess(self.decode(self.heads_in_order(self.model(x))))

    def reset_counts(self):
        self.candidates = self.detections = self.images = 0


class TunedYoloPipeline(YoloPipeline):
    """Tuned, the SSD script's TunedSsdPipeline pattern: pinned staging, non_blocking H2D, then everything with static
    shapes (pre, the model in channels_last, the dense decode of all 2535 boxes and the [N, 2535, 80] candidate mask
    sigmoid(obj) > 0.25 and conf > 0.25) replayed as one CUDA graph; only the data-dependent part runs eagerly after it:
    per image nonzero, batched_nms and the best 300, and one device->host copy of every image's [box | score | label]
    per call. Off CUDA the same function is called directly (check_interpreter.py compares it with the eager pipeline
    on the CPU)."""

    def __init__(self, model, device, dtype, batch, height, width, size=416):
        super().__init__(model, device, dtype, size)
        self.batch = batch
        self.dev_in = torch.empty((batch, height, width, 3), dtype=torch.uint8, device=device)
        if device.type == "cuda":
            self.host_in = torch.empty((batch, height, width, 3), dtype=torch.uint8).pin_memory()
            graph, (self.boxes, self.scores, self.mask) = spw.capture_graph(self._dense)
            self._replay = graph.replay
        else:
            self.host_in = self.dev_in

            def run_dense():
                self.boxes, self.scores, self.mask = self._dense()
            self._replay = run_dense

    def _dense(self):
        pred = self.decode(self.heads_in_order(self.model(self.preprocess_device(self.dev_in, torch.channels_last))))
        obj = pred[..., 4:5]
        conf = pred[..., 5:] * obj                               # the same float32 product as the eager path
        # sigmoid(class) <= 1 makes conf <= sigmoid(obj), so the objectness test never changes the result; it is kept
        # so the mask states darknet's rule as the C# postprocessor applies it (one fused comparison, inside the graph).
        mask = (obj > self.conf) & (conf > self.conf)
        return pred[..., :4].contiguous(), conf, mask

    def __call__(self, frames):
        if isinstance(frames, (list, tuple)):
            np.stack(frames, out=self.host_in.numpy())
        else:
            np.copyto(self.host_in.numpy(), frames)
        if self.host_in is not self.dev_in:
            self.dev_in.copy_(self.host_in, non_blocking=True)
        self._replay()
        packed, counts = [], []
        for i in range(self.batch):
            box_idx, cls_idx = self.mask[i].nonzero(as_tuple=True)
            sc = self.scores[i, box_idx, cls_idx]
            bx = self.boxes[i, box_idx]
            keep = batched_nms(bx, sc, cls_idx, self.iou)[: self.max_det]
            packed.append(torch.cat([bx[keep], sc[keep, None], cls_idx[keep, None].float()], dim=1))
            counts.append(int(keep.shape[0]))
            self.candidates += int(box_idx.shape[0])
            self.detections += counts[-1]
            self.images += 1
        host = torch.cat(packed).cpu().numpy()                  # one device->host copy per call
        results = []
        for part in np.split(host, np.cumsum(counts)[:-1]):
            results.append((part[:, :4], part[:, 5].astype(np.int64), part[:, 4]))
        return results


def match_detections(a, b, box_tol, score_tol):
    """Detections of one image, (boxes, labels, scores) each: how many of a's have a partner in b with the same label,
    box within box_tol and score within score_tol (each partner used once), and the largest box / score difference of
    the matched pairs. Robust to the order of equal scores."""
    (ab, al, as_), (bb, bl, bs) = a, b
    used = np.zeros(len(bl), dtype=bool)
    matched, box_diff, score_diff = 0, 0.0, 0.0
    for box, lab, sc in zip(ab, al, as_):
        if len(bl) == 0:
            break
        d = np.abs(bb - box).max(axis=1)
        cand = np.nonzero((bl == lab) & (d <= box_tol) & (np.abs(bs - sc) <= score_tol) & ~used)[0]
        if cand.size:
            j = cand[np.argmin(d[cand])]
            used[j] = True
            matched += 1
            box_diff = max(box_diff, float(d[j]))
            score_diff = max(score_diff, float(abs(bs[j] - sc)))
    return matched, box_diff, score_diff


def compare_heads(reference, heads, reference_name):
    """Cosine and max |diff| of each head against the first precision's eager outputs (float64)."""
    out = {}
    for name, a, b in zip(("head_13x13", "head_26x26"), reference, heads):
        a64, b64 = a.double().flatten(), b.float().cpu().double().flatten()
        out[f"{name}_vs_{reference_name}_cosine"] = round(float(torch.dot(a64, b64) / (a64.norm() * b64.norm())), 7)
        out[f"{name}_vs_{reference_name}_max_abs"] = round(float((a64 - b64).abs().max()), 5)
    return out


def agreement(eager_results, tuned_results):
    """Tuned vs eager detections over a batch: counts and matched pairs (same label, box within 1e-3 of the input,
    score within 1e-3), for the report's validation block."""
    total = sum(len(r[1]) for r in eager_results)
    matched = 0
    for e, t in zip(eager_results, tuned_results):
        matched += match_detections(e, t, 1e-3, 1e-3)[0]
    return {"eager_detections": total, "tuned_detections": sum(len(r[1]) for r in tuned_results),
            "matched": matched}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    spw.add_common_arguments(
        ap, "EdgeBench's tiny-yolov3-fp32.onnx (generated or your own)", 2.0,
        precision_help="fp32 and/or fp16 (module and input .half(); decode in fp32)",
        cudnn_benchmark_help="eager mode: torch.backends.cudnn.benchmark = True (default off; tuned mode always turns "
                             "it on)")
    args = ap.parse_args(argv)
    batches, precisions, modes, device = spw.validated_common(
        args, "EdgeBench writes models/generated/tiny-yolov3-fp32.onnx on first use, or "
              "`dotnet run -c Release -- models export --out DIR`")

    t_start = time.perf_counter()
    base, proto, sha, opset, stamp = spw.load_model(args.model)
    dims = [d.dim_value or d.dim_param for d in proto.graph.input[0].type.tensor_type.shape.dim]
    out_dims = [[d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim] for o in proto.graph.output]
    if len(dims) != 4 or dims[1] != 3 or dims[2] != dims[3] or not isinstance(dims[2], int) or dims[2] % 32:
        sys.exit(f"error: expected one input [N,3,S,S] with S a multiple of 32; the model has {dims}")
    size = int(dims[2])
    heads_expected = sorted([[255, size // 32, size // 32], [255, size // 16, size // 16]])
    if sorted(d[1:] for d in out_dims) != heads_expected:
        sys.exit(f"error: expected two outputs [N,255,{size // 32},{size // 32}] and [N,255,{size // 16},{size // 16}] "
                 f"(YOLOv3-tiny's heads); the model has {base.output_names} {out_dims}")
    del proto

    frames = spw.SyntheticVideo(640, 480, seed=1).frames_bgr(args.frames)
    h, w = frames[0].shape[:2]
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)

    report = {
        "tool": "eng/gpu/pytorch/yolo_pytorch_way.py",
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "model": {"path": os.path.abspath(args.model), "sha256": sha, "stamp": stamp, "opset": opset,
                  "ops": base.op_types, "input": dims, "outputs": dict(zip(base.output_names, out_dims))},
        "device": str(device),
        "versions": spw.versions(device),
        "settings": {
            "modes": modes, "batches": batches, "precisions": precisions, "seconds": args.seconds, "warmup": args.warmup,
            "min_iters": args.min_iters, "frames": args.frames,
            "frame": "640x480 BGR24 uint8, synthetic (EdgeBench SyntheticVideo seed 1 port)", "inference_mode": True,
            **spw.precision_settings(),
            "decode": {"anchors": list(ANCHORS), "masks": [list(m) for m in MASKS], "conf_threshold": CONF_THRESHOLD,
                       "iou_threshold": IOU_THRESHOLD, "max_detections": MAX_DETECTIONS},
            "pipeline": "from_numpy(np.stack) -> .to(device) -> flip BGR->RGB -> permute NCHW -> float -> interpolate "
                        f"{size}x{size} bilinear align_corners=False -> x/255 -> [.half()] -> model -> .float() -> per head "
                        "[N,3,85,G,G] -> [N,3,G,G,85], x=(col+sig(tx))/G, w=exp(tw)*anchor/416, sigmoid obj/classes -> "
                        "per image: sig(obj)>0.25, conf=obj*cls>0.25 every class -> batched_nms IoU 0.45 -> top 300 -> "
                        ".cpu() x3",
            "tuned": "cudnn.benchmark on; model and input channels_last; frames via one pinned buffer, non_blocking H2D; "
                     "RGB/NCHW/float/resize/normalize + model + decode + conf + candidate mask captured as one CUDA "
                     "graph; per image eager: nonzero -> batched_nms IoU 0.45 -> top 300; one .cpu() of "
                     "[box|score|label] per call",
        },
        "results": [], "skipped": [], "validation": {},
    }
    print(f"model {args.model} (sha256 {sha[:12]}..., ops {', '.join(base.op_types)})")
    v = report["versions"]
    print(f"torch {v['torch']}, torchvision {v['torchvision']}, CUDA {v['torch_cuda']}, cuDNN {v['cudnn']}, "
          f"device {v.get('gpu', 'cpu')}, driver {v.get('driver', '-')}")
    write_report, add_row = spw.report_writer(report, args.out, t_start)

    def peak(row):
        if device.type == "cuda":
            row["peak_memory_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
        return row

    reference = None
    with torch.inference_mode():
        for prec in precisions:
            dtype = torch.float16 if prec == "fp16" else torch.float32
            if prec == "fp16" and device.type == "cpu":
                report["skipped"].append({"precision": "fp16", "reason": "fp16 convolutions on the CPU are not a "
                                          "PyTorch deployment path (unsupported or very slow on x86)"})
                print("fp16: skipped on the CPU")
                continue
            model = copy.deepcopy(base).to(device)   # base stays fp32 on the CPU for the next precision
            if prec == "fp16":
                model = model.half()
            eager = YoloPipeline(model, device, dtype, size)

            # Validation pass: frames 0..7 as one batch (what EdgeBench's detector calibration uses).
            x = eager.preprocess_device(torch.from_numpy(np.stack(frames[:8])).to(device))
            heads = eager.heads_in_order(model(x))
            eager_val = eager.postprocess(eager.decode(heads))
            val = {"frames": 8, "candidates_per_frame": eager.candidates / 8, "detections_per_frame": eager.detections / 8}
            if reference is None:
                reference = [t.float().cpu() for t in heads]
            else:
                val.update(compare_heads(reference, heads, precisions[0]))
            report["validation"][prec] = val
            print(f"{prec}: frames 0-7: {val['candidates_per_frame']:.1f} candidates/frame, "
                  f"{val['detections_per_frame']:.1f} detections/frame")
            del x, heads
            write_report()

            if "eager" in modes:
                torch.backends.cudnn.benchmark = bool(args.cudnn_benchmark)
                settings = {"cudnn_benchmark": torch.backends.cudnn.benchmark, "channels_last": False, "cuda_graph": False}
                for batch in batches:
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats(device)
                    eager.reset_counts()
                    nb = spw.ring_batches(frames, batch)
                    ms, _ = spw.measure(lambda: eager(nb()), sync, args.seconds, args.warmup, args.min_iters)
                    add_row(peak({"mode": "eager", "case": "end-to-end", "precision": prec, "batch": batch,
                                  **spw.summarize(ms, batch),
                                  "candidates_per_frame": round(eager.candidates / max(1, eager.images), 1),
                                  "detections_per_frame": round(eager.detections / max(1, eager.images), 1),
                                  "settings": settings}))
                    xin = eager.preprocess_device(torch.from_numpy(np.stack([frames[j % len(frames)] for j in range(batch)])).to(device))
                    sync()
                    ms, enq = spw.measure(lambda: model(xin), sync, args.seconds, args.warmup, args.min_iters)
                    # host_enqueue_ms: time for model(x) to return before the synchronize; close to median_ms when the
                    # forward is bound by the host (Python + kernel launches), not by the GPU.
                    add_row({"mode": "eager", "case": "detector-only", "precision": prec, "batch": batch,
                             **spw.summarize(ms, batch), "host_enqueue_ms": round(float(np.median(enq)), 4),
                             "settings": settings})
                    del xin
            if "tuned" in modes:
                torch.backends.cudnn.benchmark = True
                settings = {"cudnn_benchmark": True, "channels_last": True, "cuda_graph": True, "pinned_input": True}
                model_cl = copy.deepcopy(base).to(device)
                if prec == "fp16":
                    model_cl = model_cl.half()
                model_cl = model_cl.to(memory_format=torch.channels_last)
                tuned_val = TunedYoloPipeline(model_cl, device, dtype, 8, h, w, size)
                tuned_res = tuned_val(list(frames[:8]))
                report["validation"][f"tuned-{prec}"] = {
                    "frames": 8, "candidates_per_frame": tuned_val.candidates / 8,
                    "detections_per_frame": tuned_val.detections / 8, "vs_eager": agreement(eager_val, tuned_res)}
                print(f"tuned {prec}: frames 0-7: {tuned_val.candidates / 8:.1f} candidates/frame, "
                      f"{tuned_val.detections / 8:.1f} detections/frame, vs eager "
                      f"{report['validation'][f'tuned-{prec}']['vs_eager']}")
                del tuned_val
                write_report()
                for batch in batches:
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats(device)
                    pipe = TunedYoloPipeline(model_cl, device, dtype, batch, h, w, size)
                    nb = spw.ring_batches(frames, batch, stack=False)
                    ms, _ = spw.measure(lambda: pipe(nb()), sync, args.seconds, args.warmup, args.min_iters)
                    add_row(peak({"mode": "tuned", "case": "end-to-end", "precision": prec, "batch": batch,
                                  **spw.summarize(ms, batch),
                                  "candidates_per_frame": round(pipe.candidates / max(1, pipe.images), 1),
                                  "detections_per_frame": round(pipe.detections / max(1, pipe.images), 1),
                                  "settings": settings}))
                    for case, module, layout, case_settings in (
                            ("detector-only", model_cl, torch.channels_last, settings),
                            ("detector-only-nchw", model, torch.contiguous_format, settings | {"channels_last": False})):
                        x_static = pipe.preprocess_device(pipe.dev_in, layout).clone()
                        graph, _ = spw.capture_graph(lambda: module(x_static))
                        sync()
                        ms, enq = spw.measure(graph.replay, sync, args.seconds, args.warmup, args.min_iters)
                        add_row({"mode": "tuned", "case": case, "precision": prec, "batch": batch,
                                 **spw.summarize(ms, batch), "host_enqueue_ms": round(float(np.median(enq)), 4),
                                 "settings": case_settings})
                        del graph, x_static
                    del pipe
                del model_cl
            del model, eager
            if device.type == "cuda":
                torch.cuda.empty_cache()

    write_report()
    print()
    print_table(report["results"], v.get("gpu", "cpu"))
    print(f"\nwrote {args.out} ({report['wall_seconds']} s)")
    return 0


def print_table(rows, device_name):
    print(f"YOLOv3-tiny the PyTorch way on {device_name}; per call = one batch; FPS = batch / median")
    hdr = f"| mode  | {'case':<18} | prec | batch | median ms | p90 ms | frame ms | FPS | iterations |"
    print(hdr)
    print("|" + "|".join("-" * (len(c)) for c in hdr.split("|")[1:-1]) + "|")
    for r in rows:
        print(f"| {r['mode']:<5} | {r['case']:<18} | {r['precision']} | {r['batch']:>5} | {r['median_ms']:9.3f} | "
              f"{r['p90_ms']:6.3f} | {r['frame_ms']:8.3f} | {r['fps']:.1f} | {r['iterations']:>10} |")


if __name__ == "__main__":
    sys.exit(main())

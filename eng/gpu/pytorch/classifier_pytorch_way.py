#!/usr/bin/env python3
"""A classifier "the PyTorch way": EdgeBench's generated classifier ONNX file (MobileNetV2, ResNet-18/50) run as a
PyTorch module by ssd_pytorch_way.py's interpreter, with the preprocessing (H2D copy, BGR->RGB, NCHW, bilinear resize,
normalization) and the postprocessing (softmax, top-5, copied to the host) on the same device, in two modes:

  eager   the module as written, torchvision style: end-to-end (host uint8 BGR frames -> top-5 on the host) and
          detector-only (the forward on a prepared device tensor, then a synchronize; the name matches EdgeBench's
          baseline row)
  tuned   what a PyTorch expert deploys: cudnn.benchmark, channels_last, frames stacked into one page-locked buffer
          and copied non_blocking, pre + model + softmax + top-5 captured as one CUDA graph (every shape is static
          for a classifier), one copy of [N, 5] scores and classes to the host; detector-only as a graph in
          channels_last and in NCHW

Usage (on the GPU machine, the file EdgeBench generated):
  python3 eng/gpu/pytorch/classifier_pytorch_way.py --model /root/st/models/generated/mobilenetv2-fp32.onnx \
      --out $OUT/pytorch-mobilenetv2.json [--normalization imagenet] [--batch 1,8] [--precision fp32,fp16]

The frames are ssd_pytorch_way.py's port of EdgeBench's synthetic video (seed 1, 640x480 BGR). See README.md.
"""

import argparse
import copy
import datetime
import hashlib
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssd_pytorch_way as spw  # noqa: E402  (interpreter, frames, timing, versions)

torch, F = spw.torch, spw.F

# EdgeBench's Normalization presets (src/EdgeBench.Core/Models/Normalization.cs): mean and std in RGB order, x/255 first.
NORMALIZATIONS = {
    "imagenet": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    "minus-one-to-one": ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "zero-to-one": ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),
}
TOP_K = 5


class ClassifierPipeline:
    """Eager: each call stacks the frames, copies them to the device (pageable), preprocesses, runs the model,
    softmax + top-5, and copies scores and classes to the host, as a torchvision user writes it."""

    def __init__(self, model, device, dtype, size, mean, std):
        self.model, self.device, self.dtype = model, device, dtype
        self.height, self.width = size
        self.mean = torch.tensor(mean, device=device).view(1, 3, 1, 1) * 255.0
        self.std = torch.tensor(std, device=device).view(1, 3, 1, 1) * 255.0

    def preprocess_device(self, x_uint8_nhwc, memory_format=torch.contiguous_format):
        x = x_uint8_nhwc.flip(-1).permute(0, 3, 1, 2).float()
        x = F.interpolate(x, size=(self.height, self.width), mode="bilinear", align_corners=False)
        x = (x - self.mean) / self.std
        return x.to(self.dtype).contiguous(memory_format=memory_format)

    def head(self, logits):
        prob = F.softmax(logits.float(), dim=-1)
        return torch.topk(prob, TOP_K, dim=-1)

    def __call__(self, frames_bgr_nhwc):
        x = self.preprocess_device(torch.from_numpy(frames_bgr_nhwc).to(self.device))
        scores, classes = self.head(self.model(x)[0])
        return scores.cpu().numpy(), classes.cpu().numpy()


class TunedClassifierPipeline(ClassifierPipeline):
    """Tuned: pinned staging, non_blocking H2D, and everything after it (pre, model in channels_last, softmax, top-5)
    replayed as one CUDA graph; one device->host copy of [N, 2*5] per call. Off CUDA the same function is called
    directly (check_interpreter.py compares it with the eager pipeline on the CPU)."""

    def __init__(self, model, device, dtype, size, mean, std, batch, frame_hw):
        super().__init__(model, device, dtype, size, mean, std)
        h, w = frame_hw
        self.batch = batch
        self.dev_in = torch.empty((batch, h, w, 3), dtype=torch.uint8, device=device)
        if device.type == "cuda":
            self.host_in = torch.empty((batch, h, w, 3), dtype=torch.uint8).pin_memory()
            graph, self.packed = spw.capture_graph(self._dense)
            self._replay = graph.replay
        else:
            self.host_in = self.dev_in

            def run_dense():
                self.packed = self._dense()
            self._replay = run_dense

    def _dense(self):
        scores, classes = self.head(self.model(self.preprocess_device(self.dev_in, torch.channels_last))[0])
        return torch.cat([scores, classes.float()], dim=1)

    def __call__(self, frames):
        if isinstance(frames, (list, tuple)):
            np.stack(frames, out=self.host_in.numpy())
        else:
            np.copyto(self.host_in.numpy(), frames)
        if self.host_in is not self.dev_in:
            self.dev_in.copy_(self.host_in, non_blocking=True)
        self._replay()
        packed = self.packed.cpu().numpy()
        return packed[:, :TOP_K], packed[:, TOP_K:].astype(np.int64)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    spw.add_common_arguments(ap, "EdgeBench's <id>-fp32.onnx of a classifier", 2.0)
    ap.add_argument("--normalization", default="imagenet", choices=sorted(NORMALIZATIONS),
                    help="the model's input normalization, as its EdgeBench catalog entry says (default imagenet: "
                         "mobilenetv2, resnet18, resnet50)")
    args = ap.parse_args(argv)
    batches, precisions, modes, device = spw.validated_common(
        args, "EdgeBench writes models/generated/<id>-fp32.onnx on first use")

    t_start = time.perf_counter()
    with open(args.model, "rb") as f:
        blob = f.read()
    proto = spw.onnx.load_model_from_string(blob)
    try:
        base = spw.OnnxEagerModule(proto).eval()
    except spw.UnsupportedModel as e:
        sys.exit(f"error: {args.model}: {e}")
    dims = [d.dim_value or d.dim_param for d in proto.graph.input[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or dims[1] != 3 or len(base.output_names) != 1:
        sys.exit(f"error: expected one input [N,3,H,W] and one output [N,classes]; the model has {dims} -> {base.output_names}")
    size = (int(dims[2]), int(dims[3]))
    mean, std = NORMALIZATIONS[args.normalization]
    frames = spw.SyntheticVideo(640, 480, seed=1).frames_bgr(args.frames)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)

    report = {
        "tool": "eng/gpu/pytorch/classifier_pytorch_way.py",
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "model": {"path": os.path.abspath(args.model), "sha256": hashlib.sha256(blob).hexdigest(), "ops": base.op_types,
                  "input": dims, "normalization": args.normalization},
        "device": str(device), "versions": spw.versions(device),
        "settings": {"modes": modes, "batches": batches, "precisions": precisions, "seconds": args.seconds,
                     "warmup": args.warmup, "frames": args.frames, "top_k": TOP_K, **spw.precision_settings()},
        "results": [], "skipped": [], "validation": {},
    }
    del blob, proto
    write_report, add_row = spw.report_writer(report, args.out, t_start)

    reference = None
    with torch.inference_mode():
        for prec in precisions:
            dtype = torch.float16 if prec == "fp16" else torch.float32
            if prec == "fp16" and device.type == "cpu":
                report["skipped"].append({"precision": "fp16", "reason": "fp16 convolutions on the CPU are not a PyTorch deployment path"})
                continue
            model = copy.deepcopy(base).to(device)
            if prec == "fp16":
                model = model.half()
            eager = ClassifierPipeline(model, device, dtype, size, mean, std)
            scores, classes = eager(np.stack(frames[:8]))
            val = {"frames": 8, "top1": classes[:, 0].tolist(), "top1_score": [round(float(v), 5) for v in scores[:, 0]]}
            if reference is None:
                reference = classes
            else:
                val["top1_agreement_vs_first"] = float(np.mean(classes[:, 0] == reference[:, 0]))
            report["validation"][prec] = val

            if "eager" in modes:
                torch.backends.cudnn.benchmark = False
                for batch in batches:
                    nb = spw.ring_batches(frames, batch)
                    ms, _ = spw.measure(lambda: eager(nb()), sync, args.seconds, args.warmup, args.min_iters)
                    add_row({"mode": "eager", "case": "end-to-end", "precision": prec, "batch": batch, **spw.summarize(ms, batch)})
                    xin = eager.preprocess_device(torch.from_numpy(np.stack([frames[j % len(frames)] for j in range(batch)])).to(device))
                    ms, enq = spw.measure(lambda: model(xin), sync, args.seconds, args.warmup, args.min_iters)
                    add_row({"mode": "eager", "case": "detector-only", "precision": prec, "batch": batch, **spw.summarize(ms, batch),
                             "host_enqueue_ms": round(float(np.median(enq)), 4)})
            if "tuned" in modes:
                torch.backends.cudnn.benchmark = True
                model_cl = copy.deepcopy(base).to(device)
                if prec == "fp16":
                    model_cl = model_cl.half()
                model_cl = model_cl.to(memory_format=torch.channels_last)
                tuned_val = TunedClassifierPipeline(model_cl, device, dtype, size, mean, std, 8, frames[0].shape[:2])
                _, tuned_classes = tuned_val(list(frames[:8]))
                report["validation"][f"tuned-{prec}"] = {"top1_agreement_vs_eager": float(np.mean(tuned_classes[:, 0] == classes[:, 0]))}
                del tuned_val
                for batch in batches:
                    pipe = TunedClassifierPipeline(model_cl, device, dtype, size, mean, std, batch, frames[0].shape[:2])
                    nb = spw.ring_batches(frames, batch, stack=False)
                    ms, _ = spw.measure(lambda: pipe(nb()), sync, args.seconds, args.warmup, args.min_iters)
                    add_row({"mode": "tuned", "case": "end-to-end", "precision": prec, "batch": batch, **spw.summarize(ms, batch)})
                    for case, module, layout in (("detector-only", model_cl, torch.channels_last),
                                                 ("detector-only-nchw", model, torch.contiguous_format)):
                        x_static = pipe.preprocess_device(pipe.dev_in, layout).clone()
                        graph, _ = spw.capture_graph(lambda: module(x_static))
                        sync()
                        ms, enq = spw.measure(graph.replay, sync, args.seconds, args.warmup, args.min_iters)
                        add_row({"mode": "tuned", "case": case, "precision": prec, "batch": batch, **spw.summarize(ms, batch),
                                 "host_enqueue_ms": round(float(np.median(enq)), 4)})
                        del graph
                    del pipe
            del model, eager
            if device.type == "cuda":
                torch.cuda.empty_cache()

    write_report()
    print(f"\nwrote {args.out} ({report['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

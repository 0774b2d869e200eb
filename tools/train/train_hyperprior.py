#!/usr/bin/env python3
"""Train an nmc image model: CompressAI's mean-scale hyperprior (mbt2018-mean) at one rate point.

Usage:
  train_hyperprior.py --data DIR --out OUT --lmbda 0.0067 [--init SNAPSHOT]
                      [--arch mbt2018-mean|bmshj2018-hyperprior] [--N 128] [--M 192]
                      [--steps 200000] [--minutes M] [--batch 16] [--crop 256] [--lr 1e-4] [--lr-drop 0.9]
                      [--seed 1] [--threads 2] [--device cpu|cuda] [--resume CKPT] [--snapshot-every 2000]

Data: a folder of training images (*.png or *.jpg: the training set of tools/data/make_image_sets.py, or its
packed copy from pack_training_images.py; never the bench set). The images are decoded once and kept on the
training device as uint8. Each sample picks a random image, a random scale in [max(0.5, crop/short side), 1], cuts
the region that scales to crop x crop, resizes it with antialiased bilinear filtering and flips it horizontally
with probability 1/2 - all on the device, so a GPU is never starved by the host.
Loss (CompressAI's RateDistortionLoss, MSE): lambda * 255^2 * MSE + bpp, with bpp from the likelihoods;
the EntropyBottleneck's quantiles are trained by the auxiliary loss with its own optimizer. Gradients are
clipped to norm 1. The learning rate drops 10x after --lr-drop of the run (of --steps, or of --minutes when a
wall-clock budget is given; the run ends at whichever comes first).
Writes OUT/checkpoint.pth.tar every --snapshot-every steps and at the end (model, optimizers, step, rng),
OUT/snapshot.pt at the same times (model weights only, convolution weights in float16: small enough to move
around; entropy-model parameters stay float32), OUT/final.pth.tar at the end (float32 state dict after
update(force=True), with the CDF tables) and OUT/log.jsonl (step, loss, mse, psnr, bpp, aux, seconds).
Convert the result with tools/convert/compressai_to_safetensors.py (which also accepts snapshot.pt).
Fine-tuning: --init SNAPSHOT starts from a snapshot's weights (snapshot.pt, or a converted model.safetensors such as
models/nmc-image-q3/model.safetensors) with fresh optimizers and step 0.
Reproducible up to GPU non-determinism: the seed fixes model init and the crop sequence.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def build_model(arch, n, m):
    from compressai.models import MeanScaleHyperprior, ScaleHyperprior
    return (MeanScaleHyperprior if arch == "mbt2018-mean" else ScaleHyperprior)(n, m)


class Crops:
    """Random training crops cut on `device` from uint8 images held there."""

    def __init__(self, folder, crop, device, seed):
        paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        self.images = []
        for p in paths:
            im = np.asarray(Image.open(p).convert("RGB"))
            if min(im.shape[:2]) >= crop:
                self.images.append(torch.from_numpy(im.copy()).permute(2, 0, 1).to(device))
        if not self.images:
            raise SystemExit(f"no training images of at least {crop}x{crop} in {folder}")
        self.crop, self.device = crop, device
        self.gen = torch.Generator().manual_seed(seed)

    def _uniform(self):
        return torch.rand((), generator=self.gen).item()

    def batch(self, size):
        out = torch.empty((size, 3, self.crop, self.crop), device=self.device)
        for b in range(size):
            im = self.images[int(self._uniform() * len(self.images))]
            h, w = im.shape[1:]
            lo = max(0.5, self.crop / min(h, w))
            scale = lo + (1.0 - lo) * self._uniform()
            side = min(min(h, w), round(self.crop / scale))  # source region that becomes crop x crop
            y, x = int(self._uniform() * (h - side + 1)), int(self._uniform() * (w - side + 1))
            region = im[:, y:y + side, x:x + side].unsqueeze(0).float().div_(255)
            if side != self.crop:
                region = F.interpolate(region, size=(self.crop, self.crop), mode="bilinear", antialias=True,
                                       align_corners=False).clamp_(0, 1)
            out[b] = region[0].flip(-1) if self._uniform() < 0.5 else region[0]
        return out


def load_snapshot_weights(path):
    """Model weights from snapshot.pt ("model": float16/32 tensors), from a compact int8 pack ("model8":
    4-D weights as (int8 values, float32 per-output-channel scale), used to move snapshots between machines),
    or from a converted model's model.safetensors (e.g. a shipped models/nmc-image-qN; nmc's own nmc.* tensors
    are dropped)."""
    if str(path).endswith(".safetensors"):
        from safetensors.torch import load_file
        return {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()
                if not k.startswith("nmc.")}
    snap = torch.load(path, map_location="cpu")
    if "model8" in snap:
        return {k: (v[0].float() * v[1] if isinstance(v, tuple) else v) for k, v in snap["model8"].items()}
    return {k: v.float() if v.is_floating_point() else v for k, v in snap["model"].items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--lmbda", type=float, required=True)
    ap.add_argument("--arch", default="mbt2018-mean", choices=["mbt2018-mean", "bmshj2018-hyperprior"])
    ap.add_argument("--N", type=int, default=128)
    ap.add_argument("--M", type=int, default=192)
    ap.add_argument("--steps", type=int, default=200000)
    ap.add_argument("--minutes", type=float, default=0.0, help="wall-clock budget (0: none)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--lr-drop", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--snapshot-every", type=int, default=2000)
    ap.add_argument("--resume", type=Path)
    ap.add_argument("--init", type=Path, help="start from a snapshot's weights (fresh optimizers)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    data = Crops(args.data, args.crop, args.device, args.seed)
    model = build_model(args.arch, args.N, args.M).to(args.device)
    main_params = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
    aux_params = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
    opt = torch.optim.Adam(main_params, lr=args.lr)
    aux_opt = torch.optim.Adam(aux_params, lr=1e-3)
    step = 0
    if args.init:
        model.load_state_dict(load_snapshot_weights(args.init))
    if args.resume:
        ck = torch.load(args.resume, map_location=args.device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        aux_opt.load_state_dict(ck["aux_optimizer"])
        step = ck["step"]
        data.gen.set_state(ck["rng"])
    args.out.mkdir(parents=True, exist_ok=True)
    log = open(args.out / "log.jsonl", "a")
    start = time.time()
    budget = args.minutes * 60.0

    def progress():
        p = step / args.steps
        return max(p, (time.time() - start) / budget) if budget > 0 else p

    def save():
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "aux_optimizer": aux_opt.state_dict(),
                    "step": step, "rng": data.gen.get_state(),
                    "args": vars(args) | {"data": str(args.data), "out": str(args.out),
                                          "resume": str(args.resume)}}, args.out / "checkpoint.pth.tar")
        small = {k: (v.half() if v.is_floating_point() and k.endswith(".weight") and v.dim() == 4 else v).cpu()
                 for k, v in model.state_dict().items()}
        torch.save({"model": small, "step": step, "lmbda": args.lmbda, "arch": args.arch, "N": args.N, "M": args.M},
                   args.out / "snapshot.tmp")
        (args.out / "snapshot.tmp").replace(args.out / "snapshot.pt")

    model.train()
    lr_dropped = False
    while progress() < 1.0:
        if not lr_dropped and progress() >= args.lr_drop:
            for g in opt.param_groups:
                g["lr"] = args.lr * 0.1
            lr_dropped = True
        x = data.batch(args.batch)
        out = model(x)
        num_pixels = x.shape[0] * x.shape[2] * x.shape[3]
        bpp = sum(torch.log(l).sum() for l in out["likelihoods"].values()) / (-math.log(2) * num_pixels)
        mse = torch.mean((out["x_hat"] - x) ** 2)
        loss = args.lmbda * 255 ** 2 * mse + bpp
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(main_params, 1.0)
        opt.step()
        aux = model.aux_loss()
        aux_opt.zero_grad(set_to_none=True)
        aux.backward()
        aux_opt.step()
        step += 1
        if step % 100 == 0:
            rec = {"step": step, "loss": loss.item(), "mse": mse.item(),
                   "psnr": -10 * math.log10(max(mse.item(), 1e-10)), "bpp": bpp.item(), "aux": aux.item(),
                   "lr": opt.param_groups[0]["lr"], "seconds": round(time.time() - start, 1)}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(rec, flush=True)
        if step % args.snapshot_every == 0:
            save()
    save()
    model.eval()
    model.update(force=True)
    torch.save(model.state_dict(), args.out / "final.pth.tar")
    print(f"done: {step} steps in {time.time() - start:.0f} s -> {args.out / 'final.pth.tar'}", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train an nmc image model: CompressAI's mean-scale hyperprior (mbt2018-mean) at one rate point.

Usage:
  train_hyperprior.py --data build/data/images/train --out models/train/q3 --lmbda 0.0067
                      [--arch mbt2018-mean|bmshj2018-hyperprior] [--N 128] [--M 192] [--steps 200000]
                      [--batch 8] [--crop 256] [--lr 1e-4] [--seed 1] [--threads 2] [--device cpu|cuda]
                      [--resume CKPT]

Data: the training set made by tools/data/make_image_sets.py (never the bench set). Each step takes random
crops (random scale 0.5-1.0 of the image first, random flip) from random training images.
Loss (CompressAI's RateDistortionLoss, MSE): lambda * 255^2 * MSE + bpp, with bpp from the likelihoods;
the EntropyBottleneck's quantiles are trained by the auxiliary loss with its own optimizer.
Writes OUT/checkpoint.pth.tar every --save-every steps and at the end (model, optimizers, step) and
OUT/final.pth.tar (model state dict after update(force=True), with the CDF tables), plus OUT/log.jsonl
(step, loss, mse, bpp, aux, seconds). Convert the result with tools/convert/compressai_to_safetensors.py.
Reproducible: the seed fixes model init, crop sampling and data order (given the same torch version and
thread count).
"""
import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def build_model(arch, n, m):
    from compressai.models import MeanScaleHyperprior, ScaleHyperprior
    return (MeanScaleHyperprior if arch == "mbt2018-mean" else ScaleHyperprior)(n, m)


class Crops:
    """Random crops from a folder of PNG images, loaded once into memory (uint8)."""

    def __init__(self, folder, crop, rng):
        self.images = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(Path(folder).glob("*.png"))]
        self.images = [im for im in self.images if min(im.shape[:2]) >= crop]
        if not self.images:
            raise SystemExit(f"no training images of at least {crop}x{crop} in {folder}")
        self.crop, self.rng = crop, rng

    def batch(self, size):
        out = np.empty((size, self.crop, self.crop, 3), np.uint8)
        for b in range(size):
            im = self.images[self.rng.randrange(len(self.images))]
            h, w = im.shape[:2]
            scale = self.rng.uniform(max(0.5, self.crop / min(h, w)), 1.0)
            if scale < 0.999:
                im = np.asarray(Image.fromarray(im).resize((max(self.crop, round(w * scale)),
                                                            max(self.crop, round(h * scale))), Image.LANCZOS))
                h, w = im.shape[:2]
            y, x = self.rng.randrange(h - self.crop + 1), self.rng.randrange(w - self.crop + 1)
            c = im[y:y + self.crop, x:x + self.crop]
            out[b] = c[:, ::-1] if self.rng.random() < 0.5 else c
        return torch.from_numpy(out).permute(0, 3, 1, 2).float().div_(255)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--lmbda", type=float, required=True)
    ap.add_argument("--arch", default="mbt2018-mean", choices=["mbt2018-mean", "bmshj2018-hyperprior"])
    ap.add_argument("--N", type=int, default=128)
    ap.add_argument("--M", type=int, default=192)
    ap.add_argument("--steps", type=int, default=200000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--save-every", type=int, default=2000)
    ap.add_argument("--resume", type=Path)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    data = Crops(args.data, args.crop, rng)
    model = build_model(args.arch, args.N, args.M).to(args.device)
    main_params = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
    aux_params = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
    opt = torch.optim.Adam(main_params, lr=args.lr)
    aux_opt = torch.optim.Adam(aux_params, lr=1e-3)
    step = 0
    if args.resume:
        ck = torch.load(args.resume, map_location=args.device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        aux_opt.load_state_dict(ck["aux_optimizer"])
        step = ck["step"]
        rng.setstate(ck["rng"])
    args.out.mkdir(parents=True, exist_ok=True)
    log = open(args.out / "log.jsonl", "a")
    start = time.time()

    def save(path):
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "aux_optimizer": aux_opt.state_dict(),
                    "step": step, "rng": rng.getstate(), "args": vars(args) | {"data": str(args.data),
                                                                              "out": str(args.out)}}, path)

    model.train()
    while step < args.steps:
        x = data.batch(args.batch).to(args.device)
        out = model(x)
        num_pixels = x.shape[0] * x.shape[2] * x.shape[3]
        bpp = sum(torch.log(l).sum() for l in out["likelihoods"].values()) / (-math.log(2) * num_pixels)
        mse = torch.mean((out["x_hat"] - x) ** 2)
        loss = args.lmbda * 255 ** 2 * mse + bpp
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(main_params, 1.0)
        opt.step()
        aux = model.aux_loss()
        aux_opt.zero_grad()
        aux.backward()
        aux_opt.step()
        step += 1
        if step % 100 == 0 or step == args.steps:
            rec = {"step": step, "loss": loss.item(), "mse": mse.item(), "psnr": -10 * math.log10(max(mse.item(), 1e-10)),
                   "bpp": bpp.item(), "aux": aux.item(), "seconds": round(time.time() - start, 1)}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(rec, flush=True)
        if step % args.save_every == 0:
            save(args.out / "checkpoint.pth.tar")
    save(args.out / "checkpoint.pth.tar")
    model.eval()
    model.update(force=True)
    torch.save(model.state_dict(), args.out / "final.pth.tar")
    print(f"done: {step} steps in {time.time() - start:.0f} s -> {args.out / 'final.pth.tar'}")


if __name__ == "__main__":
    main()

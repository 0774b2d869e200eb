#!/usr/bin/env python3
"""Encode/decode speed of nmc's image codec vs CompressAI itself, same weights, same machine, one run.

Usage:
  speed_bench.py --lib build/release/lib/libnmc.so --model models/nmc-image-q3 --image samples/media/photo.png
                 [--threads 2] [--repeats 5]

Both sides use the model folder's weights (an mbt2018-mean / bmshj2018-hyperprior model.safetensors; float16
convolution weights are widened to float32 for CompressAI): nmc through its C ABI (ctypes: nmc_image_encode /
nmc_image_decode, model opened once), CompressAI through its MeanScaleHyperprior / ScaleHyperprior
compress() / decompress() with torch.set_num_threads(--threads) and torch.no_grad(). The image is padded to a
multiple of 64 for CompressAI as its examples/codec.py does (nmc pads internally); the times cover the whole
codec call (transforms, quantization, entropy coding; nmc also builds and parses its container), not image file
I/O. Each side runs once to warm up, then --repeats times alternating; medians and best times are reported with
the ratios CompressAI / nmc (the best times are the less disturbed by other load on a shared machine). Needs torch, compressai, safetensors, numpy and Pillow (tools/reference/setup_venv.sh).
"""
import argparse
import ctypes
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file


class Nmc:
    """The few C ABI calls the benchmark needs."""

    def __init__(self, lib, threads):
        self.lib = ctypes.CDLL(str(lib))
        L = self.lib
        vp, cp = ctypes.c_void_p, ctypes.c_char_p
        for name, args in {"nmc_context_create": [vp, ctypes.POINTER(vp)], "nmc_context_default_settings": [vp],
                           "nmc_image_codec_open": [vp, cp, ctypes.POINTER(vp)],
                           "nmc_image_create": [vp, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32,
                                                ctypes.POINTER(vp)],
                           "nmc_image_data_mutable": [vp], "nmc_image_encode": [vp, vp, vp, vp, ctypes.POINTER(vp)],
                           "nmc_image_decode": [vp, vp, vp, ctypes.c_size_t, vp, ctypes.POINTER(vp)],
                           "nmc_buffer_data": [vp], "nmc_buffer_size": [vp], "nmc_buffer_free": [vp],
                           "nmc_image_free": [vp], "nmc_context_last_error": [vp]}.items():
            getattr(L, name).argtypes = args
        L.nmc_image_data_mutable.restype = vp
        L.nmc_buffer_data.restype = vp
        L.nmc_buffer_size.restype = ctypes.c_size_t
        L.nmc_context_last_error.restype = cp
        settings = (ctypes.c_uint8 * 512)()
        L.nmc_context_default_settings(settings)
        # nmc_context_settings: size_t struct_size; int32 backend; int32 num_threads; ... (nmc/nmc.h)
        ctypes.c_int32.from_buffer(settings, 12).value = threads
        self.ctx = vp()
        self.check(L.nmc_context_create(settings, ctypes.byref(self.ctx)), "context")

    def check(self, status, what):
        if status != 0:
            msg = self.lib.nmc_context_last_error(self.ctx) if getattr(self, "ctx", None) else b""
            raise SystemExit(f"nmc {what}: status {status}: {msg.decode() if msg else ''}")

    def open(self, model):
        codec = ctypes.c_void_p()
        self.check(self.lib.nmc_image_codec_open(self.ctx, str(model).encode(), ctypes.byref(codec)), "open")
        return codec

    def image(self, rgb):
        h, w, c = rgb.shape
        im = ctypes.c_void_p()
        self.check(self.lib.nmc_image_create(self.ctx, w, h, c, ctypes.byref(im)), "image")
        ctypes.memmove(self.lib.nmc_image_data_mutable(im), rgb.tobytes(), rgb.nbytes)
        return im

    def encode(self, codec, im):
        buf = ctypes.c_void_p()
        self.check(self.lib.nmc_image_encode(self.ctx, codec, im, None, ctypes.byref(buf)), "encode")
        data = ctypes.string_at(self.lib.nmc_buffer_data(buf), self.lib.nmc_buffer_size(buf))
        self.lib.nmc_buffer_free(buf)
        return data

    def decode(self, codec, data):
        im = ctypes.c_void_p()
        self.check(self.lib.nmc_image_decode(self.ctx, codec, data, len(data), None, ctypes.byref(im)), "decode")
        self.lib.nmc_image_free(im)


def compressai_model(folder):
    from compressai.models import MeanScaleHyperprior, ScaleHyperprior
    cfg = json.loads((Path(folder) / "config.json").read_text())
    cls = MeanScaleHyperprior if cfg["architecture"] == "mbt2018-mean" else ScaleHyperprior
    model = cls(cfg["N"], cfg["M"])
    sd = {k: (v.float() if v.is_floating_point() else v) for k, v in load_file(str(Path(folder) / "model.safetensors")).items()
          if not k.startswith("nmc.")}
    model.load_state_dict(sd)
    model.update()  # keeps the loaded tables (force=False)
    return model.eval()


def median_ms(times):
    return 1e3 * statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rgb = np.asarray(Image.open(args.image).convert("RGB"))
    h, w = rgb.shape[:2]

    nmc = Nmc(args.lib, args.threads)
    codec = nmc.open(Path(args.model).resolve())
    im = nmc.image(np.ascontiguousarray(rgb))
    ref = compressai_model(args.model)
    x = torch.from_numpy(rgb).permute(2, 0, 1).float().div(255).unsqueeze(0)
    ph, pw = (64 - h % 64) % 64, (64 - w % 64) % 64
    x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))

    t = {"nmc_enc": [], "nmc_dec": [], "ref_enc": [], "ref_dec": []}
    with torch.no_grad():
        for rep in range(args.repeats + 1):
            t0 = time.perf_counter()
            stream = nmc.encode(codec, im)
            t1 = time.perf_counter()
            nmc.decode(codec, stream)
            t2 = time.perf_counter()
            out = ref.compress(x)
            t3 = time.perf_counter()
            ref.decompress(out["strings"], out["shape"])
            t4 = time.perf_counter()
            if rep:
                t["nmc_enc"].append(t1 - t0)
                t["nmc_dec"].append(t2 - t1)
                t["ref_enc"].append(t3 - t2)
                t["ref_dec"].append(t4 - t3)
    ref_bytes = sum(len(s[0]) for s in out["strings"])
    m = {k: median_ms(v) for k, v in t.items()}
    b = {k: 1e3 * min(v) for k, v in t.items()}
    print(f"image {args.image} {w}x{h}, model {args.model}, {args.threads} threads, {args.repeats} runs each")
    print(f"{'':8}{'median: nmc ms':>16}{'CompressAI ms':>15}{'speed-up':>10}"
          f"{'best: nmc ms':>15}{'CompressAI ms':>15}{'speed-up':>10}")
    for name, key in (("encode", "enc"), ("decode", "dec")):
        n, r = f"nmc_{key}", f"ref_{key}"
        print(f"{name:8}{m[n]:16.1f}{m[r]:15.1f}{m[r] / m[n]:9.2f}x{b[n]:15.1f}{b[r]:15.1f}{b[r] / b[n]:9.2f}x")
    print(f"stream bytes: nmc {len(stream)} (container included), CompressAI strings {ref_bytes}")


if __name__ == "__main__":
    main()

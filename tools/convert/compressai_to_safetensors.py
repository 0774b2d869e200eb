#!/usr/bin/env python3
"""Convert a CompressAI hyperprior checkpoint to an nmc model folder.

Usage:
  compressai_to_safetensors.py CHECKPOINT OUT_DIR [--arch mbt2018-mean|bmshj2018-hyperprior]
                                [--name NAME] [--quality Q] [--half] [--unsafe-pickle]

CHECKPOINT is what CompressAI's training script or model zoo saves (`.pth.tar` / `.pth`): a state dict, or a
dict with a "state_dict" entry. OUT_DIR receives
  model.safetensors  the state dict in CompressAI's modern tensor names (float32 parameters and buffers,
                     int32 CDF buffers `_quantized_cdf`, `_offset`, `_cdf_length`)
  config.json        {"model_type": "image-hyperprior", "architecture": ..., "N": ..., "M": ..., ...}
model.safetensors also receives the integer hyper-synthesis `nmc.int_h_s.*` (quantize_hyper_synthesis.py, data-free
calibration unless --calibration-images DIR names PNG images to calibrate on as well).

Names are normalised as CompressAI does when it loads a checkpoint: a DataParallel `module.` prefix is dropped
and the EntropyBottleneck's legacy parameter names (`_matrices.K`, `_matrixK`, `_biases.K`, `_biasK`,
`_factors.K`, `_factorK`) become `matrices.K`, `biases.K`, `factors.K`. The architecture and N/M are read from
the weight shapes unless --arch is given.

--half stores the 4-D convolution weights as float16 (half the file; nmc widens them to float32 exactly at load);
use it only for weights that are float16-exact or where that rounding is acceptable (nmc's shipped models are
trained snapshots whose convolution weights are float16 already).

The entropy coder's CDF tables must be in the checkpoint (CompressAI writes them after `model.update()`): nmc
never rebuilds them from floats. If they are missing or empty, the converter builds them with CompressAI
itself (`update(force=True)`; needs the `compressai` package) and says so.

Checkpoints are loaded with torch.load(weights_only=True), which refuses pickled code; --unsafe-pickle lifts
that for checkpoints that need it (only for files you trust).
"""
import argparse
import json
import re
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quantize_hyper_synthesis  # noqa: E402

CDF_BUFFERS = ("_quantized_cdf", "_offset", "_cdf_length")
ARCHITECTURES = ("mbt2018-mean", "bmshj2018-hyperprior")


def normalise_key(key: str) -> str:
    if key.startswith("module."):
        key = key[len("module."):]
    m = re.fullmatch(r"entropy_bottleneck\.(?:_(matrices|biases|factors)\.(\d+)|_(matrix|bias|factor)(\d+))", key)
    if m:
        plural = {"matrix": "matrices", "bias": "biases", "factor": "factors"}
        name = m.group(1) or plural[m.group(3)]
        index = m.group(2) or m.group(4)
        return f"entropy_bottleneck.{name}.{index}"
    return key


def load_state_dict(path: Path, unsafe: bool):
    obj = torch.load(path, map_location="cpu", weights_only=not unsafe)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise SystemExit(f"{path}: not a state dict (or a dict with a 'state_dict' entry) of tensors")
    out = {}
    for k, v in obj.items():
        nk = normalise_key(k)
        if nk in out:
            raise SystemExit(f"{path}: two tensors map to {nk}")
        out[nk] = v
    return out


def detect(sd, arch=None):
    for key in ("g_a.0.weight", "g_a.6.weight", "h_s.4.weight"):
        if key not in sd:
            raise SystemExit(f"missing tensor {key}: not a CompressAI hyperprior checkpoint")
    n = sd["g_a.0.weight"].shape[0]
    m = sd["g_a.6.weight"].shape[0]
    hs_out = sd["h_s.4.weight"].shape[0]
    found = "mbt2018-mean" if hs_out == 2 * m else "bmshj2018-hyperprior" if hs_out == m else None
    if found is None:
        raise SystemExit(f"h_s.4.weight has {hs_out} output channels; expected M={m} or 2M={2 * m}")
    if arch and arch != found:
        raise SystemExit(f"--arch {arch} given but the weights are {found}")
    return found, int(n), int(m)


def tables_present(sd):
    for module in ("entropy_bottleneck", "gaussian_conditional"):
        for b in CDF_BUFFERS:
            t = sd.get(f"{module}.{b}")
            if t is None or t.numel() == 0:
                return False
    return True


def build_tables(sd, arch, n, m):
    try:
        from compressai.models import MeanScaleHyperprior, ScaleHyperprior
    except ImportError:
        raise SystemExit("the checkpoint has no CDF tables and the compressai package is not installed to build them")
    cls = MeanScaleHyperprior if arch == "mbt2018-mean" else ScaleHyperprior
    model = cls(n, m)
    # CompressAI's load_state_dict wants the CDF buffers present: take the new model's (empty) ones.
    state = dict(model.state_dict())
    state.update({k: v for k, v in sd.items() if not any(k.endswith(b) for b in CDF_BUFFERS)})
    model.load_state_dict(state)
    model.update(force=True)
    print("note: CDF tables were missing; built with CompressAI's update(force=True)", file=sys.stderr)
    return dict(model.state_dict())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--arch", choices=ARCHITECTURES)
    ap.add_argument("--name", help="model name recorded in config.json (default: the checkpoint's file name)")
    ap.add_argument("--quality", type=int, help="quality index recorded in config.json")
    ap.add_argument("--half", action="store_true", help="store 4-D convolution weights as float16")
    ap.add_argument("--unsafe-pickle", action="store_true")
    ap.add_argument("--calibration-images", type=Path, help="PNG images for the integer h_s calibration")
    args = ap.parse_args()

    sd = load_state_dict(args.checkpoint, args.unsafe_pickle)
    arch, n, m = detect(sd, args.arch)
    if not tables_present(sd):
        sd = build_tables(sd, arch, n, m)
    tensors = {}
    for k, v in sd.items():
        v = v.detach().cpu().contiguous()
        if any(k.endswith(b) for b in CDF_BUFFERS):
            v = v.to(torch.int32)
        elif v.is_floating_point():
            v = v.to(torch.float16 if args.half and v.dim() == 4 and k.endswith(".weight") else torch.float32)
        tensors[k] = v
    args.out_dir.mkdir(parents=True, exist_ok=True)
    name = args.name or args.checkpoint.name
    save_file(tensors, str(args.out_dir / "model.safetensors"),
              metadata={"model_type": "image-hyperprior", "architecture": arch, "N": str(n), "M": str(m)})
    quantize_hyper_synthesis.add_to_model(args.out_dir / "model.safetensors", arch, args.calibration_images)
    config = {"model_type": "image-hyperprior", "architecture": arch, "N": n, "M": m, "name": name,
              "source": "CompressAI checkpoint " + args.checkpoint.name}
    if args.quality is not None:
        config["quality"] = args.quality
    (args.out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(f"{args.checkpoint} -> {args.out_dir}: {arch}, N={n}, M={m}, {len(tensors)} tensors")


if __name__ == "__main__":
    main()

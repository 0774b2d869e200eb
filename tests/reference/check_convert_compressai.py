#!/usr/bin/env python3
"""Reference check of tools/convert/compressai_to_safetensors.py with the real CompressAI.

Usage: check_convert_compressai.py WORK_DIR

For both architectures, builds a random-weight CompressAI model (small N/M), runs update(force=True), and saves
it as CompressAI checkpoints in three forms: the plain modern state dict; a training-script style
{"state_dict": ...} with a DataParallel `module.` prefix and legacy EntropyBottleneck names; and one without
CDF tables. Each is converted; the output must hold exactly the model's state dict (names, dtypes, values,
CDF tables equal to CompressAI's) and a config.json with the right architecture and N/M. Exit status 0 on
success; any mismatch raises.
"""
import json
import subprocess
import sys
from pathlib import Path

import torch
from compressai.models import MeanScaleHyperprior, ScaleHyperprior
from safetensors.torch import load_file

CONVERTER = Path(__file__).resolve().parents[2] / "tools" / "convert" / "compressai_to_safetensors.py"


def legacy(sd):
    out = {}
    for k, v in sd.items():
        for plural, single in (("matrices", "_matrix"), ("biases", "_bias"), ("factors", "_factor")):
            prefix = f"entropy_bottleneck.{plural}."
            if k.startswith(prefix):
                idx = k[len(prefix):]
                k = f"entropy_bottleneck.{single}{idx}" if int(idx) % 2 else f"entropy_bottleneck._{plural}.{idx}"
        out["module." + k] = v
    return {"epoch": 3, "state_dict": out}


def convert(ckpt, out):
    subprocess.run([sys.executable, "-W", "ignore", str(CONVERTER), str(ckpt), str(out)], check=True)
    return load_file(str(out / "model.safetensors")), json.loads((out / "config.json").read_text())


def main():
    work = Path(sys.argv[1])
    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(7)
    for arch, cls, n, m in (("mbt2018-mean", MeanScaleHyperprior, 16, 24),
                            ("bmshj2018-hyperprior", ScaleHyperprior, 16, 20)):
        model = cls(n, m)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.01 * torch.randn_like(p))
        model.update(force=True)
        sd = {k: v.clone() for k, v in model.state_dict().items()}
        no_tables = {k: v for k, v in sd.items() if not k.endswith(("_quantized_cdf", "_offset", "_cdf_length"))}
        forms = {"modern.pth": sd, "legacy.pth.tar": legacy(sd), "no_tables.pth": no_tables}
        for name, obj in forms.items():
            ckpt = work / f"{arch}-{name}"
            torch.save(obj, ckpt)
            tensors, config = convert(ckpt, work / f"{arch}-{name}.out")
            assert config["architecture"] == arch and config["N"] == n and config["M"] == m, config
            # The converter adds the integer hyper-synthesis (nmc.int_h_s.*, checked by the image tests).
            assert any(k.startswith("nmc.int_h_s.") for k in tensors), name
            tensors = {k: v for k, v in tensors.items() if not k.startswith("nmc.")}
            assert set(tensors) == set(sd), (name, set(tensors) ^ set(sd))
            for k, v in sd.items():
                want = v.to(torch.int32) if k.endswith(("_quantized_cdf", "_offset", "_cdf_length")) else v.float()
                assert tensors[k].dtype == want.dtype and torch.equal(tensors[k], want), (name, k)
            print(f"ok: {arch} {name}: {len(tensors)} tensors identical")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference-in-the-loop check of nmc's LLaVA-OneVision runtime against Hugging Face transformers.

Usage: check_llava.py --driver nmc_vlm_driver WORK_DIR

For each configuration below a random tiny LlavaOnevisionForConditionalGeneration is built with transformers
(seeded; weights scaled up so greedy margins are decisive), saved as a checkpoint folder (f32 or bf16), and two
prompts run through both transformers (float32, from the saved folder) and nmc (nmc_vlm_driver, through the
C ABI): an image prompt (a synthetic 8-bit image of an odd size, PNG, through LlavaOnevisionImageProcessor)
and a video prompt (synthetic frames through the processor's video resize). Checks: nmc's feature-token count
equals the number transformers packs; the first-step logits agree within 2e-4 * max|logit| + 1e-4; the greedy
tokens agree up to the first step whose reference top-2 margin is below 1e-3 (none expected).
Exit status 0 when every case passes.
"""
import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image
from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, LlavaOnevisionImageProcessor

CONFIGS = [
    # name, vision (hidden, layers, heads, image, patch), text (hidden, layers, heads, kv, inter), extra
    dict(name="gqa2_untied", vision=(64, 2, 4, 64, 8), text=(64, 2, 4, 2, 128), tie=False, layer=-1,
         theta=10000.0, budget=9, dtype="f32", image=(166, 416)),
    dict(name="mha_tied_layer-2", vision=(48, 3, 3, 48, 8), text=(96, 2, 6, 6, 160), tie=True, layer=-2,
         theta=1e6, budget=9, dtype="f32", image=(300, 77)),
    dict(name="gqa4_grid3_budget4", vision=(32, 2, 2, 48, 16), text=(64, 3, 8, 2, 96), tie=False, layer=-1,
         theta=5e5, budget=4, dtype="f32", image=(97, 131)),
    dict(name="bf16_weights", vision=(64, 2, 4, 64, 8), text=(64, 2, 4, 2, 128), tie=True, layer=-1,
         theta=10000.0, budget=9, dtype="bf16", image=(512, 384)),
]
VOCAB = 300


def build(c, folder):
    vh, vl, vheads, img, patch = c["vision"]
    th, tl, theads, kv, inter = c["text"]
    pins = [[img * i, img * j] for i in range(1, 7) for j in range(1, 7)]
    cfg = LlavaOnevisionConfig(
        vision_config=dict(model_type="siglip_vision_model", hidden_size=vh, intermediate_size=2 * vh,
                           num_hidden_layers=vl, num_attention_heads=vheads, image_size=img, patch_size=patch,
                           vision_use_head=False),
        text_config=dict(model_type="qwen2", vocab_size=VOCAB, hidden_size=th, intermediate_size=inter,
                         num_hidden_layers=tl, num_attention_heads=theads, num_key_value_heads=kv,
                         rope_theta=c["theta"], tie_word_embeddings=c["tie"], initializer_range=0.2),
        image_token_index=VOCAB - 2, video_token_index=VOCAB - 1, image_grid_pinpoints=pins,
        vision_feature_layer=c["layer"], vision_feature_select_strategy="full",
        vision_aspect_ratio=f"anyres_max_{c['budget']}", tie_word_embeddings=c["tie"])
    torch.manual_seed(1000 + CONFIGS.index(c))
    model = LlavaOnevisionForConditionalGeneration(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(4.0)
            if c["dtype"] == "bf16":
                p.copy_(p.to(torch.bfloat16).to(torch.float32))
    model.to(torch.bfloat16 if c["dtype"] == "bf16" else torch.float32).save_pretrained(folder,
                                                                                     safe_serialization=True)
    proc = LlavaOnevisionImageProcessor(size={"height": img, "width": img}, image_grid_pinpoints=pins,
                                        image_mean=[0.5] * 3, image_std=[0.5] * 3, do_pad=True)
    proc.save_pretrained(folder)
    return LlavaOnevisionForConditionalGeneration.from_pretrained(folder, torch_dtype=torch.float32).eval(), proc


def smooth_image(rng, h, w):
    y, x = np.mgrid[0:h, 0:w]
    chans = [127 + 120 * np.sin(x / (3 + 7 * rng.random()) + y / (5 + 9 * rng.random()) + rng.random() * 6)
             for _ in range(3)]
    img = np.stack(chans, -1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def image_tokens(model, pv, sizes):
    with torch.no_grad():
        b, n = pv.shape[:2]
        hid = model.vision_tower(pv.view(b * n, *pv.shape[2:]), output_hidden_states=True).hidden_states
        proj = model.multi_modal_projector(hid[model.config.vision_feature_layer])
        packed, _ = model.pack_image_features(torch.split(proj, [n], dim=0), sizes, image_newline=model.image_newline,
                                              vision_aspect_ratio=model.config.vision_aspect_ratio)
        return int(packed.shape[0])


def reference_run(model, ids, extra, steps=8):
    with torch.no_grad():
        out = model.generate(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             max_new_tokens=steps, do_sample=False, output_scores=True, return_dict_in_generate=True,
                             pad_token_id=0, eos_token_id=None, **extra)
    scores = [s[0].float() for s in out.scores]
    margins = [float(torch.topk(s, 2).values[0] - torch.topk(s, 2).values[1]) for s in scores]
    return out.sequences[0, len(ids):].tolist(), scores[0].numpy(), margins


def nmc_run(driver, work, job):
    jp, op = f"{work}/job.json", f"{work}/out.json"
    with open(jp, "w") as f:
        json.dump(job, f)
    subprocess.run([driver, jp, op], check=True)
    return json.load(open(op))


def compare(name, ref, got, expected_tokens):
    gen, logits, margins = ref
    ok = True
    if got["vision_tokens"] != expected_tokens:
        print(f"  {name}: vision tokens nmc {got['vision_tokens']} vs transformers {expected_tokens}")
        ok = False
    g_logits = np.array(got["logits"], dtype=np.float64)
    err = float(np.max(np.abs(g_logits - logits)))
    tol = 2e-4 * float(np.max(np.abs(logits))) + 1e-4
    if not err <= tol:
        ok = False
    upto = next((i for i, m in enumerate(margins) if m < 1e-3), len(margins))
    same = got["generated"][:upto] == gen[:upto]
    ok = ok and same
    print(f"  {name}: first-logit max error {err:.2e} (tol {tol:.1e}), tokens {'equal' if same else 'DIFFER'} "
          f"({upto} compared, min margin {min(margins):.3g}) -> {'ok' if ok else 'FAIL'}")
    if not same:
        print(f"    nmc {got['generated']}\n    ref {gen}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("work")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(7)
    all_ok = True
    for c in CONFIGS:
        folder = f"{a.work}/{c['name']}"
        model, proc = build(c, folder)
        print(f"{c['name']}:")
        pre, post = [5, 17, 33], [40, 41, 42, 43]
        # Image prompt.
        h, w = c["image"]
        img = smooth_image(rng, h, w)
        Image.fromarray(img).save(f"{folder}/image.png")
        inp = proc(images=[Image.fromarray(img)], return_tensors="pt")
        n = image_tokens(model, inp["pixel_values"], inp["image_sizes"])
        ids = pre + [VOCAB - 2] * n + post
        ref = reference_run(model, ids, dict(pixel_values=inp["pixel_values"], image_sizes=inp["image_sizes"]))
        got = nmc_run(a.driver, folder, dict(model=folder, precision="f32", pre_ids=pre, post_ids=post,
                                             image=f"{folder}/image.png", max_new_tokens=8))
        all_ok &= compare("image", ref, got, n)
        # Video prompt: 5 frames squashed to one tile each (PIL bicubic, as the video processor does).
        tile = c["vision"][3]
        frames = [smooth_image(rng, 72, 96) for _ in range(5)]
        paths = []
        for i, f in enumerate(frames):
            paths.append(f"{folder}/frame{i}.png")
            Image.fromarray(f).save(paths[-1])
        pv = np.stack([np.asarray(Image.fromarray(f).resize((tile, tile), Image.BICUBIC), dtype=np.float32)
                       for f in frames])
        pv = ((pv / 255.0).astype(np.float32) - 0.5) / 0.5
        pv = torch.from_numpy(pv.transpose(0, 3, 1, 2).copy())[None]
        g = tile // c["vision"][4]
        nv = 5 * math.ceil(g / 2) ** 2 + 1
        ids = pre + [VOCAB - 1] * nv + post
        ref = reference_run(model, ids, dict(pixel_values_videos=pv))
        got = nmc_run(a.driver, folder, dict(model=folder, precision="f32", pre_ids=pre, post_ids=post, frames=paths,
                                             max_new_tokens=8))
        all_ok &= compare("video", ref, got, nv)
    print("all cases pass" if all_ok else "FAILURES")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())

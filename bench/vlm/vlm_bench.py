#!/usr/bin/env python3
"""VLM runtime benchmark: nmc next to Hugging Face transformers and llama.cpp, same weights, same run.

Usage:
  python3 bench/vlm/vlm_bench.py --work DIR --bench-vlm build/release/bench/bench_vlm \
      --bench-dense build/release/bench/bench_dense [--threads 2] [--precisions f32,bf16] \
      [--contexts 1024,8192] [--prefill 1024] [--peers transformers,llamacpp] [--out bench/vlm/results.json]

DIR/llava-ov-0.5b-random holds a LLaVA-OneVision checkpoint at the real llava-onevision-qwen2-0.5b-ov shapes
(SigLIP-so400m 384 px / patch 14 / 26 layers; Qwen2-0.5B: 24 layers, 896 wide, 14 heads, 2 KV heads, vocab
151936, tied lm_head) with random weights, written once by transformers in bf16; every runtime reads that
file: nmc and transformers with bf16 or f32 compute, llama.cpp from GGUF files written from the same tensors with
the `gguf` package (text decoder only: llama.cpp has no SigLIP here). Measures prefill tokens/s at --prefill
tokens, decode tokens/s at each context length (median step), and vision ms for one 384x384 image, and prints
ratios. The machine ceilings (read bandwidth, bf16 / fp32 peak) come from bench_dense.
Needs: torch, transformers (4.46), safetensors, numpy, gguf, llama-cpp-python.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def make_model(folder):
    if os.path.exists(f"{folder}/config.json"):
        return
    import torch
    from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration
    log(f"writing a random LLaVA-OneVision 0.5B-shaped checkpoint to {folder}")
    pins = [[384 * i, 384 * j] for i in range(1, 7) for j in range(1, 7)]
    cfg = LlavaOnevisionConfig(
        vision_config=dict(model_type="siglip_vision_model", hidden_size=1152, intermediate_size=4304,
                           num_hidden_layers=26, num_attention_heads=16, image_size=384, patch_size=14,
                           vision_use_head=False),
        text_config=dict(model_type="qwen2", vocab_size=151936, hidden_size=896, intermediate_size=4864,
                         num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2, rope_theta=1e6,
                         max_position_embeddings=32768, tie_word_embeddings=True),
        image_token_index=151646, video_token_index=151647, image_grid_pinpoints=pins, vision_feature_layer=-1,
        vision_feature_select_strategy="full", vision_aspect_ratio="anyres_max_9", tie_word_embeddings=True)
    torch.manual_seed(0)
    model = LlavaOnevisionForConditionalGeneration(cfg).to(torch.bfloat16)
    model.save_pretrained(folder, safe_serialization=True, max_shard_size="20GB")


def measure_ceilings(bench_dense, threads):
    out = subprocess.run([bench_dense, "--benchmark_filter=BM_ReadBandwidth|BM_Peak|BM_MatmulF32|BM_MatmulBf16W",
                          "--benchmark_format=json"],
                         capture_output=True, text=True, check=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        name, arg = b["name"].split("/")[0], int(b["name"].split("/")[1])
        if arg != threads:
            continue
        if name == "BM_ReadBandwidth":
            res["read_gb_s"] = b.get("GB/s")
        elif name == "BM_PeakFp32":
            res["fp32_gflops"] = b.get("GFLOP/s")
        elif name == "BM_PeakBf16":
            res["bf16_gflops"] = b.get("GFLOP/s")
        elif name == "BM_MatmulF32":
            res["matmul_f32_gflops"] = b.get("GFLOP/s")
        elif name == "BM_MatmulBf16W":
            res["matmul_bf16_gflops"] = b.get("GFLOP/s")
    return res


def run_nmc(bench_vlm, folder, precision, threads, prefill, contexts, steps):
    cmd = [bench_vlm, "--model", folder, "--precision", precision, "--threads", str(threads), "--prefill",
           str(prefill), "--contexts", ",".join(map(str, contexts)), "--decode-steps", str(steps)]
    log("nmc:", " ".join(cmd))
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def run_transformers(folder, precision, threads, prefill, contexts, steps):
    import torch
    from transformers import LlavaOnevisionForConditionalGeneration
    torch.set_num_threads(threads)
    dtype = torch.float32 if precision == "f32" else torch.bfloat16
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(folder, torch_dtype=dtype).eval()
    lm = model.language_model
    res = {"precision": precision}
    rng = np.random.default_rng(1)
    with torch.inference_mode():
        best = 1e300
        for _ in range(2):
            ids = torch.tensor(rng.integers(0, 100000, size=(1, prefill)))
            t0 = time.perf_counter()
            lm(input_ids=ids, use_cache=True)
            best = min(best, time.perf_counter() - t0)
        res["prefill_tokens_per_s"] = prefill / best
        res["decode"] = []
        for c in contexts:
            ids = torch.tensor(rng.integers(0, 100000, size=(1, c)))
            out = lm(input_ids=ids, use_cache=True)
            past, tok = out.past_key_values, out.logits[:, -1:].argmax(-1)
            times = []
            for k in range(steps):
                t0 = time.perf_counter()
                out = lm(input_ids=tok, past_key_values=past, use_cache=True)
                times.append(time.perf_counter() - t0)
                past, tok = out.past_key_values, out.logits[:, -1:].argmax(-1)
            res["decode"].append({"context": c, "tokens_per_s": 1.0 / statistics.median(times)})
        # Vision: the 2 tiles of a 384x384 image (base + one canvas tile) through SigLIP and the projector.
        pv = torch.randn(2, 3, 384, 384, dtype=dtype)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            hs = model.vision_tower(pv, output_hidden_states=True).hidden_states[-1]
            model.multi_modal_projector(hs)
            times.append(time.perf_counter() - t0)
        res["vision_ms"] = 1000 * statistics.median(times)
    return res


def write_gguf(folder, path, precision):
    if os.path.exists(path):
        return
    import gguf
    from safetensors.numpy import load_file
    import glob
    log(f"writing {path}")
    cfg = json.load(open(f"{folder}/config.json"))["text_config"]
    tensors = {}
    for f in sorted(glob.glob(f"{folder}/*.safetensors")):
        from safetensors import safe_open
        with safe_open(f, "pt") as st:
            for k in st.keys():
                if "language_model" in k:
                    tensors[k] = st.get_tensor(k).float().numpy()
    pre = "language_model.model."
    w = gguf.GGUFWriter(path, "qwen2")
    w.add_context_length(cfg.get("max_position_embeddings", 32768))
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg.get("rope_theta", 1e6))
    w.add_layer_norm_rms_eps(cfg.get("rms_norm_eps", 1e-6))
    w.add_file_type(gguf.LlamaFileType.ALL_F32 if precision == "f32" else gguf.LlamaFileType.MOSTLY_BF16)
    vocab = cfg.get("vocab_size", 151936)  # Qwen2Config default (config.json is in diff form)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list([f"<t{i}>" for i in range(vocab)])
    w.add_token_types([1] * vocab)
    w.add_token_merges(["<t1 >t2"])
    w.add_eos_token_id(vocab - 1)

    def put(name, arr, matrix):
        if matrix and precision == "bf16":
            w.add_tensor(name, gguf.quants.quantize(arr, gguf.GGMLQuantizationType.BF16),
                         raw_dtype=gguf.GGMLQuantizationType.BF16)
        else:
            w.add_tensor(name, arr.astype(np.float32))

    put("token_embd.weight", tensors[pre + "embed_tokens.weight"], True)
    put("output_norm.weight", tensors[pre + "norm.weight"], False)
    for i in range(cfg["num_hidden_layers"]):
        p = f"{pre}layers.{i}."
        b = f"blk.{i}."
        put(b + "attn_norm.weight", tensors[p + "input_layernorm.weight"], False)
        for x in "qkv":
            put(b + f"attn_{x}.weight", tensors[p + f"self_attn.{x}_proj.weight"], True)
            put(b + f"attn_{x}.bias", tensors[p + f"self_attn.{x}_proj.bias"], False)
        put(b + "attn_output.weight", tensors[p + "self_attn.o_proj.weight"], True)
        put(b + "ffn_norm.weight", tensors[p + "post_attention_layernorm.weight"], False)
        put(b + "ffn_gate.weight", tensors[p + "mlp.gate_proj.weight"], True)
        put(b + "ffn_up.weight", tensors[p + "mlp.up_proj.weight"], True)
        put(b + "ffn_down.weight", tensors[p + "mlp.down_proj.weight"], True)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def run_llamacpp(gguf_path, precision, threads, prefill, contexts, steps):
    import llama_cpp
    n_ctx = max(contexts + [prefill]) + steps + 16
    kv_type = 0 if precision == "f32" else 1  # GGML_TYPE_F32 / GGML_TYPE_F16 (llama.cpp's KV cache types)
    llm = llama_cpp.Llama(gguf_path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, n_batch=512,
                          n_ubatch=512, type_k=kv_type, type_v=kv_type, verbose=False)
    rng = np.random.default_rng(1)
    res = {"precision": precision, "kv_cache": "f32" if precision == "f32" else "f16"}
    best = 1e300
    for _ in range(2):
        llm.reset()
        llm._ctx.kv_cache_clear()
        ids = rng.integers(0, 100000, size=prefill).tolist()
        t0 = time.perf_counter()
        llm.eval(ids)
        best = min(best, time.perf_counter() - t0)
    res["prefill_tokens_per_s"] = prefill / best
    res["decode"] = []
    for c in contexts:
        llm.reset()
        llm._ctx.kv_cache_clear()
        llm.eval(rng.integers(0, 100000, size=c).tolist())
        times = []
        for _ in range(steps):
            tok = int(rng.integers(0, 100000))  # the token does not change the cost of a step
            t0 = time.perf_counter()
            llm.eval([tok])
            times.append(time.perf_counter() - t0)
        res["decode"].append({"context": c, "tokens_per_s": 1.0 / statistics.median(times)})
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work")
    ap.add_argument("--bench-vlm")
    ap.add_argument("--bench-dense")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precisions", default="f32,bf16")
    ap.add_argument("--contexts", default="1024,8192")
    ap.add_argument("--prefill", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--peers", default="transformers,llamacpp")
    ap.add_argument("--out", default="")
    ap.add_argument("--report", default="", help="only print the report of a results JSON written by --out")
    a = ap.parse_args()
    if a.report:
        report(json.load(open(a.report)))
        return
    contexts = [int(c) for c in a.contexts.split(",")]
    folder = f"{a.work}/llava-ov-0.5b-random"
    os.makedirs(a.work, exist_ok=True)
    make_model(folder)
    ceilings = measure_ceilings(a.bench_dense, a.threads)
    log("ceilings:", ceilings)
    results = {"threads": a.threads, "ceilings": ceilings, "runs": []}
    for prec in a.precisions.split(","):
        run = {"precision": prec, "nmc": run_nmc(a.bench_vlm, folder, prec, a.threads, a.prefill, contexts, a.steps)}
        log(json.dumps(run["nmc"]))
        if "transformers" in a.peers:
            run["transformers"] = run_transformers(folder, prec, a.threads, a.prefill, contexts, a.steps)
            log(json.dumps(run["transformers"]))
        if "llamacpp" in a.peers:
            path = f"{a.work}/qwen2-0.5b-random-{prec}.gguf"
            write_gguf(folder, path, prec)
            run["llamacpp"] = run_llamacpp(path, prec, a.threads, a.prefill, contexts, a.steps)
            log(json.dumps(run["llamacpp"]))
        results["runs"].append(run)
    report(results)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)


def report(r):
    c = r["ceilings"]
    bw = c.get("read_gb_s") or 0
    print(f"threads {r['threads']}; read bandwidth {bw:.1f} GB/s; oneDNN matmul 4096x896x4864: f32 "
          f"{c.get('matmul_f32_gflops') or 0:.0f} GFLOP/s, bf16 {c.get('matmul_bf16_gflops') or 0:.0f} GFLOP/s")
    for run in r["runs"]:
        n = run["nmc"]
        print(f"\n== {run['precision']} weights and compute (speedup = how many times faster nmc is)")
        print(f"{'':28s}{'nmc':>10s}{'transformers':>14s}{'llama.cpp':>11s}{'vs tf':>8s}{'vs llama':>10s}")

        def row(label, key, fmt, higher_better=True):
            vals = [key(run.get(k)) if run.get(k) else None for k in ("nmc", "transformers", "llamacpp")]
            cells = [fmt.format(v) if v is not None else "-" for v in vals]

            def speedup(v):
                if not v or vals[0] is None:
                    return "-"
                return f"{(vals[0] / v if higher_better else v / vals[0]):.2f}x"
            print(f"{label:28s}{cells[0]:>10s}{cells[1]:>14s}{cells[2]:>11s}{speedup(vals[1]):>8s}{speedup(vals[2]):>10s}")

        row(f"prefill tok/s @{n['prefill_tokens']}", lambda x: x["prefill_tokens_per_s"], "{:.1f}")
        for i, d in enumerate(n["decode"]):
            row(f"decode tok/s @{d['context']}", lambda x, i=i: x["decode"][i]["tokens_per_s"], "{:.2f}")
        row("vision ms / 384px image", lambda x: x.get("vision_ms"), "{:.0f}", higher_better=False)
        for d in n["decode"]:
            bytes_per_step = n["weight_bytes"] + d["kv_bytes"]
            bound = bw * 1e9 / bytes_per_step if bw else 0
            print(f"decode @{d['context']}: {bytes_per_step / 1e6:.0f} MB/token (weights + KV held) -> bandwidth bound "
                  f"{bound:.2f} tok/s; nmc reaches {100 * d['tokens_per_s'] / bound if bound else 0:.0f}%")
        # Decoder-layer matmul flops of the prefill (lm_head runs for the last token only).
        elem = 2 if run["precision"] == "bf16" else 4
        layer_params = n["weight_bytes"] / elem - 151936 * 896
        flops = 2 * layer_params * n["prefill_tokens"]
        rate = flops / (n["prefill_ms"] / 1000) / 1e9
        ceiling = c.get("matmul_bf16_gflops" if run["precision"] == "bf16" else "matmul_f32_gflops") or 0
        print(f"prefill: {rate:.0f} GFLOP/s of decoder matmul work per second of prefill = "
              f"{100 * rate / ceiling if ceiling else 0:.0f}% of the {run['precision']} matmul ceiling (attention, "
              f"norms and the rest included in the time)")


if __name__ == "__main__":
    main()

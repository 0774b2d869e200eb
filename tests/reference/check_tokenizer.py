#!/usr/bin/env python3
"""nmc's BpeTokenizer against the real Hugging Face `tokenizers` library (ctest reference_tokenizer).

Usage: check_tokenizer.py --driver NMC_TOKENIZE_DRIVER WORK_DIR [--strings N]

Trains byte-level BPE tokenizers with `tokenizers` in three layouts (Qwen2: NFC + Split(Qwen2 regex) +
ByteLevel; the same with a larger vocabulary and ignore_merges; GPT-2: ByteLevel with its own regex, no
normalizer), each with special tokens, then tokenizes random strings (words, whitespace of every kind, digits of
several scripts, punctuation, CJK, Hangul as precomposed syllables and as conjoining jamo, combining accents,
emoji with ZWJ and skin tones, special tokens glued to text) with both and requires the same ids and decoded text
(with and without special tokens). NMC_REFERENCE_SEED picks other strings (default 5).
"""
import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                 r"\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]

WORDS = ["the", "The", "video", "frame", "camera", "Straße", "naïve", "café", "über", "ÉCOLE", "xylophone",
         "don't", "I'm", "we'll", "THEY'VE", "it's", "你好", "视频", "世界", "日本語", "カタカナ", "한국어",
         "Привет", "мир", "Ελληνικά", "עברית", "العربية", "हिन्दी", "ไทย"]
PIECES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u200b", "\u2009", "0", "7",
          "42", "2026", "3.14", "１２", "٣٤", "५", "Ⅻ", "½", "!", "?", ".", ",", ";", "...", "--", "—", "“", "”",
          "(", ")", "[", "]", "{", "}", "<", ">", "|", "'", "\"", "#", "@", "$", "%", "&", "*", "+", "=", "/",
          "\\", "e\u0301", "a\u0308", "\u1100\u1161\u11a8", "\u212b", "\ufb01", "🙂", "🎬", "👍🏽",
          "👩\u200d👩\u200d👧", "🇩🇪", "\x00", "\x07", "\x7f"] + SPECIALS + ["<|im_start", "im_end|>"]


def corpus(seed):
    rng = random.Random(seed)
    lines = []
    lic = Path("/usr/share/common-licenses")
    for name in ("GPL-3", "Apache-2.0", "LGPL-2.1"):
        if (lic / name).exists():
            lines += (lic / name).read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(3000):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) + rng.choice([".", "!", "\n", ""]))
    return lines


def build(layout, vocab_size, seed):
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False,
                               ignore_merges=layout == "qwen2_ignore_merges"))
    if layout == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(seed), trainer=trainer)
    tok.add_special_tokens(SPECIALS)
    return tok


def random_strings(rng, n):
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 24)):
            r = rng.random()
            if r < 0.4:
                w = rng.choice(WORDS)
                parts.append(w.upper() if rng.random() < 0.1 else w)
            elif r < 0.9:
                parts.append(rng.choice(PIECES))
            else:
                parts.append(chr(rng.choice([rng.randint(0x20, 0x7e), rng.randint(0xa0, 0x2fff),
                                             rng.randint(0x4e00, 0x9fff), rng.randint(0x1f300, 0x1faff)])))
        out.append("".join(parts))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", required=True)
    ap.add_argument("work", type=Path)
    ap.add_argument("--strings", type=int, default=1500)
    args = ap.parse_args()
    seed = int(os.environ.get("NMC_REFERENCE_SEED", "5"))
    args.work.mkdir(parents=True, exist_ok=True)
    failures = 0
    for layout, vocab in (("qwen2", 800), ("qwen2_ignore_merges", 4000), ("gpt2", 1500)):
        tok = build(layout, vocab, seed)
        path = args.work / f"{layout}.json"
        tok.save(str(path))
        tok = Tokenizer.from_file(str(path))
        texts = random_strings(random.Random(seed * 1000 + vocab), args.strings)
        (args.work / f"{layout}_in.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        out = args.work / f"{layout}_out.json"
        subprocess.run([args.driver, str(path), str(args.work / f"{layout}_in.json"), str(out)], check=True)
        got = json.loads(out.read_text(encoding="utf-8"))
        bad = 0
        for i, t in enumerate(texts):
            want = tok.encode(t, add_special_tokens=False).ids
            expect = (want, tok.decode(want, skip_special_tokens=False), tok.decode(want, skip_special_tokens=True))
            have = (got["ids"][i], got["decoded"][i], got["decoded_skip_special"][i])
            if have != expect:
                bad += 1
                if bad <= 5:
                    print(f"  {layout}: mismatch for {t!r}:\n    nmc {have}\n    hf  {expect}")
        print(f"{layout}: vocab {tok.get_vocab_size()}, {len(texts)} strings, {bad} mismatches")
        failures += bad
    print("PASS" if failures == 0 else f"FAIL: {failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

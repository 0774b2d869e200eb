#!/usr/bin/env python3
"""Build the image bench and training sets from Debian packages, reproducibly.

Usage: make_image_sets.py [--cache DIR] [--out DIR]   (defaults: build/data-cache, build/data/images)

Needs `apt-get` (run `apt-get update` first), `dpkg`, and Pillow (Debian python3-pil or the venv's).
Packages are fetched with `apt-get download` (no install) into CACHE/debs and unpacked with `dpkg -x` into
CACHE/x/PKG. Writes:
  OUT/bench/NAME.png   the bench set: 15 photographs (12 plasma-workspace-wallpapers + 3 lomiri-wallpapers-20.04),
                       RGB, Lanczos-resized so the image covers 768x512 (512x768 if portrait), centre-cropped.
                       Use only for reporting, never for training or tuning.
  OUT/train/*.png      the training set: every photograph-type image of the training packages that is not a
                       bench source, RGB; sources whose shorter side is >= 1024 are Lanczos-downscaled 2x (which
                       removes their JPEG artifacts). Training crops are taken at training time.
  OUT/manifest.json    for every output: source package and version, path in the package, sha256 of the
                       source file and of the output.
"""
import argparse
import hashlib
import json
import subprocess
from pathlib import Path

from PIL import Image

BENCH_PLASMA = ["BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Grey",
                "Kite", "OneStandsOut", "Path", "Volna", "summer_1am"]
BENCH_LOMIRI = ["Fossa_by_Jasper_Roks", "Infinite-Sea_by_Aury88", "Kleiber_by_Lukas_Baubkus"]
# skimage/data files that are photographs (the rest are synthetic or microscopy test patterns).
SKIMAGE_PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png",
                  "motorcycle_right.png", "hubble_deep_field.jpg", "camera.png", "grass.png", "gravel.png",
                  "brick.png", "color.png"]
TRAIN_PACKAGES = ["opencv-doc", "ukui-wallpapers", "gnome-backgrounds", "sway-backgrounds", "lomiri-wallpapers",
                  "plasma-workspace-wallpapers", "python3-skimage"]
BENCH_PACKAGES = ["plasma-workspace-wallpapers", "lomiri-wallpapers-20.04"]
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fetch(pkg, cache):
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{pkg}_*.deb"))
    if not found:
        subprocess.run(["apt-get", "download", pkg], cwd=debs, check=True)
        found = sorted(debs.glob(f"{pkg}_*.deb"))
    deb = found[-1]
    root = cache / "x" / pkg
    if not root.exists():  # unpack into a temporary folder first, so an interrupted run leaves no half tree
        tmp = cache / "x" / f".{pkg}.tmp"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["rm", "-rf", str(tmp)], check=True)
        subprocess.run(["dpkg", "-x", str(deb), str(tmp)], check=True)
        tmp.rename(root)
    version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    return root, version


def cover_crop(img, w, h):
    if img.height > img.width:
        w, h = h, w
    s = max(w / img.width, h / img.height)
    rw, rh = max(w, round(img.width * s)), max(h, round(img.height * s))
    img = img.resize((rw, rh), Image.LANCZOS)
    left, top = (rw - w) // 2, (rh - h) // 2
    return img.crop((left, top, left + w, top + h))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path("build/data-cache"))
    ap.add_argument("--out", type=Path, default=Path("build/data/images"))
    args = ap.parse_args()
    manifest = {"bench": [], "train": []}
    roots = {p: fetch(p, args.cache) for p in sorted(set(TRAIN_PACKAGES + BENCH_PACKAGES))}

    bench_sources = []
    plasma, _ = roots["plasma-workspace-wallpapers"]
    for name in BENCH_PLASMA:
        files = sorted((plasma / "usr/share/wallpapers" / name / "contents/images").glob("*"),
                       key=lambda p: p.stat().st_size)
        bench_sources.append(("plasma-workspace-wallpapers", name, files[-1]))
    lomiri20, _ = roots["lomiri-wallpapers-20.04"]
    for name in BENCH_LOMIRI:
        bench_sources.append(("lomiri-wallpapers-20.04", name, lomiri20 / "usr/share/backgrounds" / f"{name}.jpg"))
    (args.out / "bench").mkdir(parents=True, exist_ok=True)
    for pkg, name, src in bench_sources:
        out = args.out / "bench" / f"{name}.png"
        cover_crop(Image.open(src).convert("RGB"), 768, 512).save(out)
        manifest["bench"].append({"package": pkg, "version": roots[pkg][1], "file": str(src.relative_to(roots[pkg][0])),
                                  "source_sha256": sha256(src), "output": out.name, "output_sha256": sha256(out)})

    bench_names = set(BENCH_PLASMA)
    train_sources = []
    for pkg in TRAIN_PACKAGES:
        root, _ = roots[pkg]
        for src in sorted(root.rglob("*")):
            rel = str(src.relative_to(root))
            if not src.is_file() or src.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if pkg == "opencv-doc" and not (rel.startswith("usr/share/doc/opencv-doc/examples/")
                                            and src.suffix.lower() in (".jpg", ".jpeg") and src.stat().st_size > 60000):
                continue
            if pkg == "python3-skimage" and not (rel.startswith("usr/lib/python3/dist-packages/skimage/data/")
                                                 and src.name in SKIMAGE_PHOTOS):
                continue
            if pkg == "plasma-workspace-wallpapers":
                parts = rel.split("/")
                if len(parts) < 4 or parts[3] in bench_names or "contents/images" not in rel:
                    continue
            train_sources.append((pkg, src, rel))
    (args.out / "train").mkdir(parents=True, exist_ok=True)
    for i, (pkg, src, rel) in enumerate(train_sources):
        img = Image.open(src).convert("RGB")
        if min(img.size) >= 1024:
            img = img.resize((img.width // 2, img.height // 2), Image.LANCZOS)
        if min(img.size) < 256:
            continue
        out = args.out / "train" / f"{i:04d}_{pkg}_{src.stem}.png"
        img.save(out)
        manifest["train"].append({"package": pkg, "version": roots[pkg][1], "file": rel, "source_sha256": sha256(src),
                                  "output": out.name, "size": list(img.size)})
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"bench: {len(manifest['bench'])} images, train: {len(manifest['train'])} images -> {args.out}")


if __name__ == "__main__":
    main()

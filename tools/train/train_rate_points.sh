#!/usr/bin/env bash
# Train nmc's shipped image models: one mbt2018-mean (N=128, M=192) per rate point, all at once on one device.
#
# Usage: tools/train/train_rate_points.sh DATA_DIR OUT_DIR MINUTES [DEVICE [INIT_DIR [LR_DROP [QUALITIES]]]]
#   DATA_DIR  training images (tools/train/pack_training_images.py output; never the bench set)
#   OUT_DIR   gets qN/ (train_hyperprior.py outputs) and qN.log for each trained rate point
#   MINUTES   wall-clock budget per model (the runs share the device, so they end together)
#   DEVICE    cuda (default) or cpu
#   INIT_DIR  continue from INIT_DIR/q1..q4.{pt,i8} snapshots or INIT_DIR/nmc-image-q1..q4 (e.g. models/)
#             with fresh optimizers (pass '' to start from scratch); LR_DROP default 0.85
#   QUALITIES comma list of the rate points to train, default 1,2,3,4 (e.g. 3,4)
# The lambdas are CompressAI's MSE lambdas for its qualities 1, 3, 5 and 6, spanning ~0.1 to ~1 bpp.
# Waits for all runs; exits non-zero if any failed.
set -euo pipefail
data=$1 out=$2 minutes=$3 device=${4:-cuda} init=${5:-} drop=${6:-0.85} qualities=${7:-1,2,3,4}
lambdas=(0.0018 0.0067 0.0250 0.0483)
IFS=, read -r -a qlist <<<"$qualities"
for q in "${qlist[@]}"; do
  [[ $q =~ ^[1-4]$ ]] || { echo "QUALITIES must be a comma list of 1..4, got '$qualities'" >&2; exit 2; }
done
mkdir -p "$out"
pids=()
for q in "${qlist[@]}"; do
  i=$((q - 1))
  init_arg=()
  for f in "$init/q$q.pt" "$init/q$q.i8" "$init/nmc-image-q$q/model.safetensors"; do
    if [[ -n $init && -f $f ]]; then init_arg=(--init "$f"); break; fi
  done
  python3 "$(dirname "$0")/train_hyperprior.py" --data "$data" --out "$out/q$q" --lmbda "${lambdas[$i]}" \
      --N 128 --M 192 --batch 16 --crop 256 --lr 1e-4 --lr-drop "$drop" --seed "$q" --device "$device" \
      --minutes "$minutes" --snapshot-every 1000 "${init_arg[@]}" >"$out/q$q.log" 2>&1 &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status

#!/usr/bin/env bash
# GPU checks of a rendered project, for a machine with a CUDA GPU and no network.
# Usage: bash gpu_check.sh RENDERED_PROJECT [WHEEL_DIR]
#   RENDERED_PROJECT  a `copier copy` of templates/default (package name `demo`)
#   WHEEL_DIR         wheels of packages missing there (e.g. omegaconf), installed to /tmp/site
# Writes sklearn's digits next to the project, links them as data/digits, then runs the
# project's pytest (its gpu-marked tests included), AMP bf16/fp16, DataLoader workers with
# pin_memory, torch.compile, resume, infer and a one-process torchrun.
set -u
cd "$1" || exit 3
if [ -n "${2:-}" ]; then
  python3 -m pip install -q --no-index --no-deps --target /tmp/site "$2"/*.whl || exit 4
fi
export PYTHONPATH=$PWD/src:/tmp/site PYTHONUNBUFFERED=1
nvidia-smi -L
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
python3 - <<'PY'
from pathlib import Path
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
d = load_digits(); root = Path("../rawdata/digits")
for i, (img, t) in enumerate(zip(d.images, d.target)):
    p = root / str(t) / f"{i:04d}.png"; p.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((img.astype(int) * 255 // 16).astype(np.uint8), mode="L").save(p)
PY
ln -sfn ../../rawdata/digits data/digits
step() {
  echo "=== $*"; local s; s=$(date +%s.%N)
  "$@" 2>&1 | tail -"${TAILN:-4}"
  echo "--- rc=${PIPESTATUS[0]} $(echo "$(date +%s.%N) - $s" | bc) s"
}
TAILN=12 step python3 -m pytest -q -p no:cacheprovider -rs
step python3 -m demo train trainer.progress=false
step python3 -m demo train trainer.progress=false trainer.precision=bf16
step python3 -m demo train trainer.progress=false trainer.precision=fp16 trainer.grad_clip_norm=1.0
step python3 -m demo train trainer.progress=false trainer.epochs=3 \
  data.num_workers=2 data.pin_memory=true data.persistent_workers=true
TAILN=6 step python3 -m demo train trainer.progress=false trainer.compile=true trainer.epochs=3
step python3 -m demo train --resume last trainer.epochs=5 trainer.progress=false
step python3 -m demo infer --checkpoint "models/$(basename "$(readlink logs/latest)")/best.pt" data/digits/8
TAILN=6 step torchrun --standalone --nproc-per-node 1 -m demo train trainer.epochs=2 trainer.progress=false

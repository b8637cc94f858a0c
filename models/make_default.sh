#!/usr/bin/env bash
# Rebuilds models/birdscan-default.pt on a CPU (seeded): generated BirdVox-70k-layout data with
# real night backgrounds and real insect/frog/rain recordings, then training with the same real
# recordings as varied negatives and beds under calls.
#
# Real material (from ../shared/data/real; see models/MODEL_CARD.md for licences and credits):
# - backgrounds: the Jura night snippets recorded on the hour and half hour, 21:30-04:30 (those at
#   :15 and :45 stay unseen for the false-alarm check);
# - negatives: night-noise-blanket, insect-frog-choruses and insectset32-night-insects. A fixed
#   quarter of each folder (chosen by a hash of the file names) is never used, neither by synth
#   nor by train, and the checkpoint lists which files trained it. insects-xeno-canto-nc is
#   non-commercial: it is for testing only and never used here.
# About 10 minutes for the data and 1 hour for training on 2 cores.
set -euo pipefail
SHARED=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
WORK=${WORK:-/tmp/birdscan-default}
REAL="$SHARED/data/real"
NEGATIVES=(--negatives "$REAL/night-noise-blanket" --negatives "$REAL/insect-frog-choruses"
           --negatives "$REAL/insectset32-night-insects")
mkdir -p "$WORK/backgrounds"
for f in "$REAL"/scikit-maad-jura-24h-snippets/S4A03895_20190522_*.wav; do
  hhmm=$(basename "$f" .wav | sed -E 's/.*_([0-9]{4})00$/\1/')
  h=$((10#${hhmm:0:2})); m=${hhmm:2:2}; t=$((h * 60 + 10#$m))
  if { [ $t -le 270 ] || [ $t -ge 1290 ]; } && { [ "$m" = 00 ] || [ "$m" = 30 ]; }; then ln -sf "$f" "$WORK/backgrounds/"; fi
done
birdscan synth "$WORK/birdvox70k" --clips-per-unit 3000 --backgrounds "$WORK/backgrounds" --seed 0 --workers 2 --overwrite \
    "${NEGATIVES[@]}"
birdscan train --data "$WORK/birdvox70k" --out "$WORK/birdscan-default.pt" --epochs 10 --patience 3 --cache --seed 0 \
    --bg-stats "${NEGATIVES[@]}" --negative-windows 10000 --overwrite
cp "$WORK/birdscan-default.pt" "$(dirname "$0")/birdscan-default.pt"
# The recommended threshold is chosen by training itself: the lowest at which no real-noise
# validation window (the last 20% of each training noise file) reaches it, and at least the one
# reaching 90% precision on the validation clips. Check it on real audio with:
#   python benchmarks/quality.py --model models/birdscan-default.pt --sweep

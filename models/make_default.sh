#!/usr/bin/env bash
# Rebuilds models/birdscan-default.pt on a CPU (seeded), in two rounds. Bit for bit only on the kind
# of CPU it was made on (an AMD EPYC VM): elsewhere the training arithmetic rounds differently and
# the weights differ (models/MODEL_CARD.md, RSb).
#  1. generated BirdVox-70k-layout data with real night backgrounds and real insect/frog/rain
#     recordings; a first model trained on it with the same real recordings as varied negatives
#     and as beds under calls;
#  2. hard-negative mining: the first model scans the real noise recordings it trained on, every
#     window scoring 0.3 or more is cut into a not_call clip, and the model is trained again from
#     scratch with those clips added (--extra), twice the real-noise windows (32,000; also
#     16,000 validation windows for the threshold instead of 8,000), generated steady tones that
#     fill the window and clips shifted in time by up to 25 ms, for 16 epochs instead of 12.
# Both rounds hear from 500 Hz (--fmin 500; the default is 1 kHz), so that an owl's or a frog's
# fundamental under its harmonics in the thrush band is in view (models/MODEL_CARD.md, LFn).
#
# Real material (from ../shared/data/real; see models/MODEL_CARD.md for licences and credits):
# - backgrounds: the Jura night snippets recorded on the hour and half hour, 21:30-04:30 (those at
#   :15 and :45 stay unseen for the false-alarm check);
# - negatives: night-noise-blanket, insect-frog-choruses and insectset32-night-insects. A fixed
#   quarter of each folder (chosen by a hash of the file names) is never used, neither by synth
#   nor by train nor by mining; another 15% (whole files) only validates, and the recommended
#   threshold is chosen on them. The checkpoint lists which files trained and validated it.
#   insects-xeno-canto-nc is non-commercial: it is for testing only and never used here.
# - models/not_noise.csv lists spans of the noise recordings that may hold birds: synth, both
#   trainings and the mining leave them out (--not-noise; mined events inside them are dropped),
#   and no validation window is cut across one.
# A quarter of the generated calls are short high (tseep) calls, twice their share in real
# nights, so that the model learns this rarer type as well as the thrush-type strokes; a quarter
# of those are near-steady notes (most wander by vibrato over 150-700 Hz, like real tseeps at
# 7 kHz), the rest steep sweeps.
# Both rounds train every epoch (--patience 0: no early stopping) and keep the one with the best
# validation AUPRC. Training never depends on the validation clips, but with early stopping the
# number of epochs did: a span added to not_noise.csv changes only the validation windows, and
# with --patience 3 that stopped round 2 at epoch 11 (best 8, recall on validation calls 0.749
# instead of 0.826).
# Training's own defaults do the rest: real-noise windows at -65 to -20 dBFS (the levels of the
# generated clips, so loudness tells nothing) and a low-pass on 15% of the clips (16 kHz recorders).
# On 2 quiet cores: about 5 minutes for the data, 13 for round 1, 1 for the tones and 30 for round 2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${SHARED:-$(cd "$HERE/../.." && pwd)/shared}
WORK=${WORK:-/tmp/birdscan-default}
REAL="$SHARED/data/real"
NOT_NOISE="$HERE/not_noise.csv"
FOLDERS=("$REAL/night-noise-blanket" "$REAL/insect-frog-choruses" "$REAL/insectset32-night-insects")
NEGATIVES=()
for f in "${FOLDERS[@]}"; do NEGATIVES+=(--negatives "$f"); done
mkdir -p "$WORK/backgrounds"
for f in "$REAL"/scikit-maad-jura-24h-snippets/S4A03895_20190522_*.wav; do
  hhmm=$(basename "$f" .wav | sed -E 's/.*_([0-9]{4})00$/\1/')
  h=$((10#${hhmm:0:2})); m=${hhmm:2:2}; t=$((h * 60 + 10#$m))
  if { [ $t -le 270 ] || [ $t -ge 1290 ]; } && { [ "$m" = 00 ] || [ "$m" = 30 ]; }; then ln -sf "$f" "$WORK/backgrounds/"; fi
done
birdscan synth "$WORK/birdvox70k" --clips-per-unit 3000 --backgrounds "$WORK/backgrounds" --seed 0 --workers 2 --overwrite \
    --tseep-fraction 0.25 "${NEGATIVES[@]}" --not-noise "$NOT_NOISE"

# round 1
birdscan train --data "$WORK/birdvox70k" --out "$WORK/round1/birdscan-default.pt" --epochs 12 --patience 0 --cache --seed 0 \
    --bg-stats --fmin 500 "${NEGATIVES[@]}" --negative-windows 16000 --not-noise "$NOT_NOISE" --overwrite

# mining: scan the training part of the noise folders (never the validation or held-out files);
# events inside the not_noise.csv spans are dropped (they may be birds)
python - "$WORK" "$NOT_NOISE" "${FOLDERS[@]}" <<'PY'
import sys
import pandas as pd
import birdscan
from birdscan.realsounds import noise_recordings, read_spans
work, not_noise, folders = sys.argv[1], sys.argv[2], sys.argv[3:]
files = noise_recordings(folders)["train"]
res = birdscan.scan([str(p) for p in files], out=f"{work}/mining/detections.csv", model=f"{work}/round1/birdscan-default.pt",
                    threshold=0.3, overwrite=True)
spans = read_spans(not_noise, folders)
path = {str(f.rec.rel): f.rec.path.resolve() for f in res.files}
det = pd.read_csv(f"{work}/mining/detections.csv")
bird = [any(a < end and start < b for a, b in spans.get(path[f], [])) for f, start, end in zip(det.file, det.start_s, det.end_s)]
det[[not x for x in bird]].to_csv(f"{work}/mining/detections.csv", index=False)
print(f"mining: {len(det) - sum(bird)} events kept, {sum(bird)} inside not_noise.csv spans dropped")
PY
birdscan clips "$WORK/mining/detections.csv" --out "$WORK/mined/not_call" --pad 0.25 --overwrite

# round 2, with three more things than round 1 (which only has to find false alarms):
# - 4,000 half-second windows filled by a steady tone or harmonic stack in the call bands (a third
#   with a call over the tone), so that a tone in the thrush band is not taken for a flat call;
# - --time-shift 600: each clip moved by up to 25 ms (half the 50 ms hop) either way, so that a call
#   between two window centres scores as high as a centred one;
# - 16 epochs: with 12 (LFn) the best epoch was the last and validation was still improving.
# Generated owl hoots (birdscan.synth.write_tone_clips(..., kind="hoot")) are not used: they cost
# loud calls (LF, FTO2 and FTO3 in the model card). The lower floor alone keeps the real tawny owl
# here quiet, but not generated tawny-like hoots (the card's known limitations).
# Round 2 runs with seed 1, as RS (the default before this one) did: with RS's generator, seed 1
# kept more of the validation calls than seed 0 (R) at the threshold the noise-validation windows
# allow. See the model card, "What was tried".
python -c "import sys; from birdscan.synth import write_tone_clips; write_tone_clips(sys.argv[1], 4000, seed=0, overwrite=True)" \
    "$WORK/tones"
birdscan train --data "$WORK/birdvox70k" --out "$WORK/birdscan-default.pt" --epochs 16 --time-shift 600 --patience 0 \
    --cache --seed 1 --bg-stats --fmin 500 "${NEGATIVES[@]}" --negative-windows 32000 --extra "$WORK/mined" --extra "$WORK/tones" \
    --not-noise "$NOT_NOISE" --overwrite
cp "$WORK/birdscan-default.pt" "$HERE/birdscan-default.pt"
# The recommended threshold is chosen by training itself: the lowest that at most 0.021% of the
# real-noise validation windows reach (cut from the validation files, which training never
# hears), and at least the one reaching 90% precision on the validation clips. Check the model
# on real audio with:
#   python benchmarks/quality.py --model models/birdscan-default.pt --sweep --not-noise models/not_noise.csv

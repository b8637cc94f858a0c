#!/usr/bin/env bash
# The README's first command, then a look at the results with pandas and matplotlib.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e . && birdscan run examples/ --out results/detections.csv --windows results/windows.csv.gz --raven results/raven --overwrite
# score against the example's ground truth (call centres within 0.25 s)
birdscan evaluate results/detections.csv --reference examples/night_example.truth.csv --windows results/windows.csv.gz
python examples/explore.py results/

#!/usr/bin/env bash
# Adaptive batch sizing accuracy (issue 20): a grid of 30 constraint sets
# (6 per-batch latency budgets x 4 memory limits, 6 time-to-first-token
# budgets); each suggestion, made from a calibration sweep of batch sizes
# 1, 2, 4, 8, 16, is re-measured live and compared with the best batch size
# found by measuring every size from 1 to 16. Prints every case and the
# distribution; exit 0 when >= 90 % of the cases reach >= 90 % of the best
# throughput and >= 95 % meet their constraints, 1 otherwise, 2 on error.
#
# Timing: run it on an otherwise idle machine. About 1-3 minutes after the
# release build on a 2-vCPU VM. Extra arguments go to the example, e.g.
#   ci/batch-accuracy.sh --model tiny --max-batch 8 --reps 3   (a quick check)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2
cargo run --release -q -p inference --example batch_accuracy -- "$@"

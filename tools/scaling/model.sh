#!/bin/sh
# tools/scaling/model.sh -- the data-parallel step-time model of docs/SCALING.md, as a Markdown
# table: expected step time and efficiency on N = 2..64 nodes at 10, 25 and 100 Gb/s.
#   tools/scaling/model.sh SECONDS_PER_IMAGE GRADIENT_MB BATCH_PER_NODE [BUCKET_MB] [LATENCY_US]
# SECONDS_PER_IMAGE: one node's training step time per image (rmn-bench --model M --mode train);
# GRADIENT_MB: the gradient bytes per step in MiB (rmn-bench --allreduce: gradient_mb).
# The model (assumptions in docs/SCALING.md): compute Tc = batch x seconds per image; a ring
# allreduce of S bytes over N nodes sends 2 (N-1)/N S per node, at link speed, plus 2 (N-1)
# latencies per bucket; backward (2/3 of compute) hides the communication of every bucket but
# the last, which starts when backward ends:
#   Tcomm = 2 (N-1)/N S / bw + 2 (N-1) buckets latency
#   Tlast = 2 (N-1)/N (S - (buckets-1) bucket) / bw + 2 (N-1) latency  (the first layers' bucket)
#   T = Tc + max(Tlast, Tcomm - 2/3 Tc),  efficiency = Tc / T.
set -e
[ $# -ge 3 ] || { echo "usage: $0 SECONDS_PER_IMAGE GRADIENT_MB BATCH_PER_NODE [BUCKET_MB] [LATENCY_US]" >&2; exit 2; }
awk -v t="$1" -v mb="$2" -v b="$3" -v bucket="${4:-25}" -v lat="${5:-25}" 'BEGIN {
    S = mb * 1048576; B = bucket * 1048576; L = lat * 1e-6; Tc = b * t
    k = int((S + B - 1) / B); last = S - (k - 1) * B  # the last bucket started: the first layers
    printf "| nodes | %s |\n", "10 Gb/s: step s (comm s), efficiency | 25 Gb/s | 100 Gb/s"
    printf "|---|---|---|---|\n"
    n_list = "2 4 8 16 32 64"; split(n_list, ns, " ")
    split("10 25 100", gbs, " ")
    for (i = 1; i <= 6; ++i) {
        N = ns[i]; line = sprintf("| %d |", N)
        for (j = 1; j <= 3; ++j) {
            bw = gbs[j] * 1e9 / 8
            comm = 2 * (N - 1) / N * S / bw + 2 * (N - 1) * k * L
            tail = 2 * (N - 1) / N * last / bw + 2 * (N - 1) * L
            hidden = comm - 2 / 3 * Tc
            T = Tc + (tail > hidden ? tail : hidden)
            line = line sprintf(" %.3f (%.3f), %.1f%% |", T, comm, 100 * Tc / T)
        }
        print line
    }
    printf "\ncompute %.3f s per step (%d images x %.4f s), gradients %.1f MiB in %d bucket(s) of %g MiB, latency %g us\n", Tc, b, t, mb, k, bucket, lat
}'

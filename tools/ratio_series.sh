#!/usr/bin/env bash
# tools/ratio_series.sh: the capacity-0 ping-pong against the spin floor, sampled over time.
# Opt-in; make check never runs it.
#
# The channel issue's target for ping-pong is a ratio to the spin round trip measured in the
# same run. On this VM the floor itself moves between windows (40-85 ns, 110-170 ns and
# 450-510 ns have all been seen, for minutes at a time), and the ratio with it, so one run
# tells little. This samples both rows every few seconds (channel_bench, one process per
# sample, the floor first) and prints each sample, then the median ratio, its 10th and 90th
# percentiles and how many samples were under 4x: overall and by the floor's band. The samples
# stay in build/ratio_series.txt.
#
#   CSP_SERIES_MINUTES  how long to sample (default 10)
#   CSP_SERIES_PAUSE    seconds between samples (default 5)
#   CSP_SERIES_MIN_MS   each row runs at least this long, in ms (default 150)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
minutes=${CSP_SERIES_MINUTES:-10}
pause=${CSP_SERIES_PAUSE:-5}
min_ms=${CSP_SERIES_MIN_MS:-150}

cmake --preset release >/dev/null
cmake --build --preset release -j "${JOBS:-$(nproc)}" --target channel_bench >/dev/null
bench=build/release/bench/channel_bench
samples=build/ratio_series.txt # one line per sample, kept for a later look

end=$(awk -v now="$(date +%s)" -v m="$minutes" 'BEGIN { printf "%d", now + 60 * m }')
echo "time      floor_ns  ping_pong_ns  ratio"
while (($(date +%s) < end)); do
  "$bench" --benchmark_filter='^(floor/spin_round_trip|ping_pong/cap:0/lock_free)' \
    --benchmark_min_time="$(awk -v ms="$min_ms" 'BEGIN { print ms / 1000 }')" 2>/dev/null |
    awk -v t="$(date +%T)" '/^floor\/spin/ { f = $2 } /^ping_pong/ { p = $2 }
      END { if (f > 0 && p > 0) printf "%s  %8.1f  %12.1f  %5.2f\n", t, f, p, p / f }'
  sleep "$pause"
done | tee "$samples"
awk '
  function summary(name, n, r,   i, j, t, under, p90) {
    if (n == 0) return
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
    under = 0
    for (i = 1; i <= n; ++i) if (r[i] < 4) ++under
    p90 = int(9 * n / 10)
    if (p90 < 1) p90 = 1
    printf "%-22s %4d samples  median %.2f  p10 %.2f  p90 %.2f  under 4x: %d of %d\n", name, n,
      r[int((n + 1) / 2)], r[int(n / 10) + 1], r[p90], under, n
  }
  NF == 4 && $1 != "time" {
    all[++na] = $4
    if ($2 < 100) fast[++nf] = $4; else if ($2 < 250) mid[++nm] = $4; else slow[++ns] = $4
  }
  END {
    print ""
    summary("all", na, all)
    summary("floor under 100 ns", nf, fast)
    summary("floor 100-250 ns", nm, mid)
    summary("floor 250 ns or more", ns, slow)
  }' "$samples"

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
#   CSP_SERIES_PROTOCOL 1: also sample handoff/record_with_operations, the channel's hand-off
#                       protocol with its atomic operations and no other code
#                       (bench/handoff_emulation.hpp), and report its ratio to the floor beside
#                       the channel's: how much of the channel's ratio the protocol accounts for
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
minutes=${CSP_SERIES_MINUTES:-10}
pause=${CSP_SERIES_PAUSE:-5}
min_ms=${CSP_SERIES_MIN_MS:-150}
rows='floor/spin_round_trip|ping_pong/cap:0/lock_free'
if [[ ${CSP_SERIES_PROTOCOL:-0} == 1 ]]; then rows+='|handoff/record_with_operations'; fi

cmake --preset release >/dev/null
cmake --build --preset release -j "${JOBS:-$(nproc)}" --target channel_bench >/dev/null
bench=build/release/bench/channel_bench
samples=build/ratio_series.txt # one line per sample, kept for a later look

end=$(awk -v now="$(date +%s)" -v m="$minutes" 'BEGIN { printf "%d", now + 60 * m }')
echo "time      floor_ns  ping_pong_ns  ratio  [protocol_ns  protocol_ratio]"
while (($(date +%s) < end)); do
  "$bench" --benchmark_filter="^($rows)" \
    --benchmark_min_time="$(awk -v ms="$min_ms" 'BEGIN { print ms / 1000 }')" 2>/dev/null |
    awk -v t="$(date +%T)" '/^floor\/spin/ { f = $2 } /^ping_pong/ { p = $2 } /^handoff/ { h = $2 }
      END {
        if (f > 0 && p > 0) printf "%s  %8.1f  %12.1f  %5.2f", t, f, p, p / f
        if (f > 0 && p > 0 && h > 0) printf "  %11.1f  %14.2f", h, h / f
        if (f > 0 && p > 0) printf "\n"
      }'
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
  NF >= 4 && $1 != "time" {
    all[++na] = $4
    if ($2 < 100) fast[++nf] = $4; else if ($2 < 250) mid[++nm] = $4; else slow[++ns] = $4
    if (NF == 6) {
      pall[++pa] = $6
      if ($2 < 100) pfast[++pf] = $6; else if ($2 < 250) pmid[++pm] = $6; else pslow[++ps] = $6
    }
  }
  END {
    print ""
    summary("all", na, all)
    summary("floor under 100 ns", nf, fast)
    summary("floor 100-250 ns", nm, mid)
    summary("floor 250 ns or more", ns, slow)
    if (pa > 0) {
      print "\nthe protocol alone (handoff/record_with_operations), same samples:"
      summary("all", pa, pall)
      summary("floor under 100 ns", pf, pfast)
      summary("floor 100-250 ns", pm, pmid)
      summary("floor 250 ns or more", ps, pslow)
    }
  }' "$samples"

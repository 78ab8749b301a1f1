#!/bin/sh
# bench.sh: one epoch of the default network (784-60-10 tanh, full batch of
# the 10,000 MNIST test images) in Go, tracing off and on, both layouts,
# beside the NumPy peer (numpy_train.py) measured in the same run, and the
# ratio of each Go figure to NumPy's. Then both end to end: `backstep train`
# with defaults (100 epochs) against the NumPy script, process start to exit.
#
#   testdata/peers/bench.sh              # from the repository root
#   EPOCHS=30 ROUNDS=3 testdata/peers/bench.sh    # defaults: 20 epochs, 5 rounds
#
# Each side runs ROUNDS times, alternating, and the best round counts: on a
# shared machine the best is the least disturbed (the median is shown too).
# Tracing on / off is the median over rounds of the ratio within a round,
# where both ran a moment apart. NumPy runs with
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, so OpenBLAS picks its kernel
# for this CPU; threadpoolctl's report of that kernel is printed.
set -eu
cd "$(dirname "$0")/../.."
EPOCHS=${EPOCHS:-20}
ROUNDS=${ROUNDS:-5}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/net.test" ./net
go build -o "$tmp/backstep" ./cmd/backstep

r=1
while [ "$r" -le "$ROUNDS" ]; do
	"$tmp/net.test" -test.run '^$' -test.bench '^BenchmarkEpoch$' -test.benchtime "${EPOCHS}x" >"$tmp/go.$r"
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" testdata/peers/numpy_train.py --json --epochs "$EPOCHS" >"$tmp/np.$r"
	r=$((r + 1))
done

# End to end, defaults (100 epochs), wall clock from start to exit.
now() { date +%s.%N; }
t0=$(now)
"$tmp/backstep" train >/dev/null
t1=$(now)
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" testdata/peers/numpy_train.py >/dev/null
t2=$(now)

"$PY" - "$tmp" "$ROUNDS" "$EPOCHS" "$t0" "$t1" "$t2" <<'EOF'
import json, re, sys
tmp, rounds, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0, t1, t2 = map(float, sys.argv[4:7])
go, np_runs = {}, []
for r in range(1, rounds + 1):
    for line in open("%s/go.%d" % (tmp, r)):
        m = re.match(r"BenchmarkEpoch/(\S+?)-\d+\s.*?([\d.]+) ms/epoch", line)
        if m:
            go.setdefault(m.group(1), []).append(float(m.group(2)))
    np_runs.append(json.load(open("%s/np.%d" % (tmp, r))))
best_np = min(np_runs, key=lambda j: j["ms_per_epoch"])
npms = best_np["ms_per_epoch"]
b = best_np["blas"]
med = lambda xs: sorted(xs)[len(xs) // 2]
print("one epoch, best (median) of %d rounds of %d epochs each" % (rounds, epochs))
print("  NumPy %s peer (cols)   %7.2f ms (%.2f)   BLAS: %s %s, %s threads, kernel %s (via %s)"
      % (best_np["numpy_version"], npms, med([j["ms_per_epoch"] for j in np_runs]),
         b.get("internal_api"), b.get("version"), b.get("num_threads"), b.get("architecture"),
         b.get("source")))
for name in ("rows/tracing=off", "rows/tracing=on", "cols/tracing=off", "cols/tracing=on"):
    if name in go:
        ms = min(go[name])
        print("  Go %-22s %7.2f ms (%.2f)   %.2f x NumPy" % (name, ms, med(go[name]), ms / npms))
for layout in ("rows", "cols"):
    off, on = go.get(layout + "/tracing=off"), go.get(layout + "/tracing=on")
    if off and on and len(off) == len(on):
        print("  tracing on / off, %s: %.2f" % (layout, med([a / b for a, b in zip(on, off)])))
print("end to end, defaults (100 epochs), start to exit")
print("  backstep train        %6.2f s" % (t1 - t0))
print("  numpy_train.py        %6.2f s   (backstep / NumPy %.2f)" % (t2 - t1, (t1 - t0) / (t2 - t1)))
EOF

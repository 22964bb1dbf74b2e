#!/usr/bin/env bash
# Runs the peers and NetGen back to back on this machine and prints one ratio table per workload:
#   1. PyTorch (../shared/bench/pytorch_peer.py) for the thread splits (1,1) (1,2) (2,1) (2,2), best per workload;
#   2. ONNX Runtime's C# API and PyTorch eager inference (../shared/bench/onnxruntime/run.sh, run from a copy in
#      ${TMPDIR:-/tmp}/netgen-ort-peer because it builds and exports models beside itself);
#   3. this benchmark app (arguments of this script go to it, e.g. --workload b1 or --quick).
# The two vCPUs sometimes sit far apart (see the round trips printed at the end): compare figures of one run only.
# Needs /usr/bin/python3 with Debian's python3-torch on OpenBLAS (apt-get install -y python3-torch libopenblas0-pthread) and NuGet for the ORT peer.
# The raw JSON lines stay in the folder printed at the end.
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
bench="$root/../shared/bench"
python=/usr/bin/python3
out=$(mktemp -d "${TMPDIR:-/tmp}/netgen-compare.XXXXXX")

blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
case "$blas" in
    *openblas*) ;;
    *) echo "# WARNING: libblas.so.3 is '$blas', not OpenBLAS: PyTorch's figures will be far too slow" >&2 ;;
esac

echo "# building NetGen.Benchmarks" >&2
dotnet build "$root/tests/NetGen.Benchmarks" -c Release -nologo -v q >&2

echo "# PyTorch: pytorch_peer.py, 4 thread splits" >&2
for split in "1 1" "1 2" "2 1" "2 2"; do
    # shellcheck disable=SC2086
    "$python" "$bench/pytorch_peer.py" $split >> "$out/pytorch.jsonl"
done

echo "# ONNX Runtime and PyTorch inference: onnxruntime/run.sh" >&2
ort="${TMPDIR:-/tmp}/netgen-ort-peer"
mkdir -p "$ort"
cp -r "$bench/onnxruntime/." "$ort/"
chmod -R u+w "$ort"
bash "$ort/run.sh" > "$out/onnxruntime.jsonl" 2> "$out/onnxruntime.log"

echo "# NetGen" >&2
dotnet "$root/tests/NetGen.Benchmarks/bin/Release/net10.0/NetGen.Benchmarks.dll" "$@" > "$out/netgen.jsonl"

"$python" - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def lines(name):
    path = os.path.join(out, name)
    return [json.loads(l) for l in open(path) if l.startswith("{")] if os.path.exists(path) else []
netgen, torch, ort = {}, {}, {}
peak = None
for r in lines("netgen.jsonl"):
    if r["workload"] == "fp32_fma_peak": peak = r["gflops"]
    elif "us_per_step" in r: netgen[r["workload"]] = r
    else: print("NetGen:", json.dumps(r))
for r in lines("pytorch.jsonl") + lines("onnxruntime.jsonl"):
    best = ort if r["peer"].startswith("onnxruntime") else torch
    w = r["workload"]
    if w not in best or r["us_per_step"] < best[w]["us_per_step"]: best[w] = r
def us(r): return f"{r['us_per_step']:.2f}" if r else "n/a"
def ratio(peer, ours): return f"{peer['us_per_step'] / ours['us_per_step']:.2f}x" if peer and ours else "n/a"
print(f"FP32 FMA peak measured by NetGen.Benchmarks: {peak} GFLOP/s")
print("ratio = peer time / NetGen time (above 1: NetGen is faster)")
print("| workload | NetGen us | PyTorch us | ORT us | vs PyTorch | vs ORT | % of peak | alloc B/step | round trip ns |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for w, r in netgen.items():
    t, o = torch.get(w), ort.get(w)
    print(f"| {w} | {us(r)} | {us(t)} | {us(o)} | {ratio(t, r)} | {ratio(o, r)} | {r.get('pct_of_peak', 'n/a')} | {r.get('alloc_bytes_per_step', 'n/a')} | {r.get('round_trip_ns', 'n/a')} |")
PY
grep "round trip" "$out/onnxruntime.log" >&2 || true
echo "# raw lines: $out" >&2

import argparse
import json

from benchmarks import run_all

ap = argparse.ArgumentParser(prog="python -m benchmarks")
ap.add_argument("--quick", action="store_true")
ap.add_argument("--out", default="benchmarks/results.json")
args = ap.parse_args()
res = run_all(args.quick)
with open(args.out, "w") as f:
    json.dump(res, f, indent=2)
print(json.dumps(res, indent=2))

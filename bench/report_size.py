"""Tagging time against report size: one report of about 0.2, 2 and 20 MB (a sample report repeated).

    python bench/report_size.py [--sizes 0.2 2 20] [--model default]

Linear time means seconds per MB stays flat as the report grows. Each size runs ``nlp tag`` in a
fresh process (start-up included) on one file, with ``--max-size`` raised to fit.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpora" / "samples" / "000_dab85e2dbbd9bf66.txt"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.2, 2, 20])
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    text = SAMPLE.read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix="bench-size-"))
    print(f"{'MB':>6} {'segments':>9} {'seconds':>8} {'s per MB':>9}")
    for mb in args.sizes:
        path = folder / f"report_{mb}MB.txt"
        copies = max(1, round(mb * 2**20 / len(text.encode("utf-8"))))
        path.write_text("\n".join([text] * copies), encoding="utf-8")
        size = path.stat().st_size / 2**20
        out = folder / f"tags_{mb}.jsonl"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nlp", "tag", str(path), "--model", args.model, "--out", str(out),
                        "--max-size", str(size + 1), "--no-progress"], cwd=ROOT, check=True, capture_output=True)
        seconds = time.perf_counter() - t0
        n = sum(1 for _ in open(out, encoding="utf-8"))
        print(f"{size:6.2f} {n:9d} {seconds:8.1f} {seconds / size:9.1f}")


if __name__ == "__main__":
    main()

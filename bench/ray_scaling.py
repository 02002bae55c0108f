"""`nlp tag --engine ray` against the local engine, 1 and 2 workers, same corpus, same run (issue #13).

    python bench/ray_scaling.py [--copies 8] [--workers 1 2] [--model models/default]
                                [--bert MODEL_DIR --bert-copies 1 --bert-reports 200]

Every configuration runs the real command twice: on the corpus and on a small probe (the first --probe reports),
so that start-up (Ray, actors, model loading) and the marginal rate of a long run can be told apart:
marginal rate = (reports - probe reports) / (seconds - probe seconds). The Ray engine's row count is checked
against the local engine's. The last lines estimate a national ten-year corpus at the measured marginal rates.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus_files import ROOT, write_corpus_files

NATIONAL = {"reports": 100_000 * 10, "segments_per_report": 30}


def run(engine: str, folder: Path, model: str, workers: int) -> tuple[float, int]:
    """Seconds of one `nlp tag` run (a fresh process: start-up included) and the rows it wrote."""
    import pyarrow.parquet as pq

    tmp = Path(tempfile.mkdtemp(prefix="ray-scaling-"))
    out = tmp / ("tags" if engine == "ray" else "tags.parquet")
    cmd = [sys.executable, "-m", "nlp", "tag", str(folder), "--model", model, "--out", str(out),
           "--workers", str(workers), "--no-progress", "--engine", engine]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    rows = pq.read_table(out / "rows" if engine == "ray" else out).num_rows
    shutil.rmtree(tmp)
    return seconds, rows


def probe_folder(folder: Path, n: int) -> Path:
    small = Path(tempfile.mkdtemp(prefix="ray-scaling-probe-"))
    for path in sorted(folder.iterdir())[:n]:
        shutil.copy(path, small / path.name)
    return small


def measure(name: str, model: str, folder: Path, workers: list[int], probe: int) -> list[dict]:
    n = sum(1 for _ in folder.iterdir())
    small = probe_folder(folder, probe)
    results = []
    print(f"\n{name}: {model}, {n} reports")
    print(f"{'engine':6} {'workers':>7} {'seconds':>8} {'reports/s':>9} {'rows':>7} {'start-up s':>10} "
          f"{'marginal reports/s':>18} {'segments/s':>10}")
    for w in workers:
        rows_by_engine = {}
        for engine in ("local", "ray"):
            seconds, rows = run(engine, folder, model, w)
            probe_seconds, probe_rows = run(engine, small, model, w)
            marginal = (n - probe) / (seconds - probe_seconds)
            seg_rate = (rows - probe_rows) / (seconds - probe_seconds)
            rows_by_engine[engine] = rows
            results.append({"model": name, "engine": engine, "workers": w, "reports": n, "seconds": round(seconds, 2),
                            "rows": rows, "probe_seconds": round(probe_seconds, 2),
                            "marginal_reports_per_s": round(marginal, 2), "marginal_segments_per_s": round(seg_rate, 1)})
            print(f"{engine:6} {w:7d} {seconds:8.1f} {n / seconds:9.1f} {rows:7d} {probe_seconds:10.1f} "
                  f"{marginal:18.1f} {seg_rate:10.1f}", flush=True)
        if rows_by_engine["ray"] != rows_by_engine["local"]:
            raise SystemExit(f"row counts differ: {rows_by_engine}")
    shutil.rmtree(small)
    return results


def national(results: list[dict]) -> None:
    segments = NATIONAL["reports"] * NATIONAL["segments_per_report"]
    print(f"\nnational ten-year corpus: {NATIONAL['reports']:,} reports x {NATIONAL['segments_per_report']} segments "
          f"= {segments:,} segments, at the Ray engine's measured marginal rate per worker:")
    for r in results:
        if r["engine"] != "ray":
            continue
        per_worker = r["marginal_segments_per_s"] / r["workers"]
        hours = segments / per_worker / 3600
        print(f"  {r['model']:7} ray, {r['workers']} worker(s): {per_worker:8.1f} segments/s per worker -> "
              f"{hours:8.1f} worker-hours; {hours / 64:6.2f} h on 64 workers")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=8, help="the shared corpus written this many times")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--probe", type=int, default=16, help="reports in the start-up probe")
    parser.add_argument("--bert", help="also time this bert model directory")
    parser.add_argument("--bert-copies", type=int, default=1)
    parser.add_argument("--bert-reports", type=int, default=0, help="bert: only the first N reports (0: all)")
    args = parser.parse_args()
    folder = write_corpus_files(copies=args.copies)
    results = measure("linear", args.model, folder, args.workers, args.probe)
    if args.bert:
        bert_folder = write_corpus_files(copies=args.bert_copies)
        if args.bert_reports:
            bert_folder = probe_folder(bert_folder, args.bert_reports)
        results += measure("bert", args.bert, bert_folder, args.workers, args.probe)
    national(results)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

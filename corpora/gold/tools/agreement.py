"""Agreement between the first labelling pass and the blind second pass over gold test.

    python corpora/gold/tools/agreement.py      # writes corpora/gold/agreement/agreement.json
"""

import json
from pathlib import Path

from nlp.labels.agreement import agreement
from nlp.labels.labelset import load_labelset

DIR = Path(__file__).resolve().parents[1] / "agreement"


def read(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


def main() -> None:
    for suffix in ("", "_v2"):  # gold v1's test segments; the new test segments of gold v2
        if (DIR / f"second_pass{suffix}.jsonl").exists():
            report(suffix)


def report(suffix: str) -> None:
    result = agreement(read(DIR / f"first_pass{suffix}.jsonl"), read(DIR / f"second_pass{suffix}.jsonl"),
                       load_labelset("gov-disclosure-v1").ids)
    (DIR / f"agreement{suffix}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n{suffix or '_v1'}: {result['n_segments']} segments; exact theme-set agreement "
          f"{result['exact_theme_set_agreement']:.3f}; "
          f"mean κ {result['mean_kappa']:.3f}\n")
    print("| label | κ | % agreement | positives (1st / 2nd) |\n|---|---|---|---|")
    for label, v in list(result["per_label"].items()) + [("boilerplate", result["boilerplate"])]:
        kappa = "n/a" if v["kappa"] is None else f"{v['kappa']:.3f}"
        print(f"| {label} | {kappa} | {100 * v['percent_agreement']:.1f} | {v['positives_first']} / {v['positives_second']} |")


if __name__ == "__main__":
    main()

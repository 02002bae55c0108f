"""Agreement between the first labelling pass and the blind second pass (gold v1/v2: test; later rounds: every segment).

    python corpora/gold/tools/agreement.py      # writes corpora/gold/agreement/agreement.json
"""

import json
import re
from pathlib import Path

from rounds import ROUNDS  # sibling script: its folder is on the path when this one runs

from nlp.labels.agreement import agreement
from nlp.labels.labelset import load_labelset

DIR = Path(__file__).resolve().parents[1] / "agreement"


def read(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


def main() -> None:
    blocks = []
    rounds = [(f"_{name}", f"gold {name}, every segment (all splits)") for name in ROUNDS]
    for suffix, title in [("", "gold v1 test"), ("_v2", "gold v2's new test segments")] + rounds:
        if (DIR / f"second_pass{suffix}.jsonl").exists():
            blocks.append(report(suffix, title))
    readme = DIR.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    begin, end = "<!-- agreement:begin -->", "<!-- agreement:end -->"
    if begin in text:
        block = "\n\n".join(blocks)
        readme.write_text(re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n{block}\n{end}",
                                 text, flags=re.S), encoding="utf-8")


def report(suffix: str, title: str) -> str:
    result = agreement(read(DIR / f"first_pass{suffix}.jsonl"), read(DIR / f"second_pass{suffix}.jsonl"),
                       load_labelset("gov-disclosure-v1").ids)
    (DIR / f"agreement{suffix}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = [f"**{title}**: {result['n_segments']} segments; exact theme-set agreement "
             f"{result['exact_theme_set_agreement']:.3f}; mean κ over themes {result['mean_kappa']:.3f}.", "",
             "| label | κ | % agreement | positives (1st / 2nd) |", "|---|---|---|---|"]
    for label, v in list(result["per_label"].items()) + [("boilerplate", result["boilerplate"])]:
        kappa = "n/a" if v["kappa"] is None else f"{v['kappa']:.3f}"
        lines.append(f"| {label} | {kappa} | {100 * v['percent_agreement']:.1f} | "
                     f"{v['positives_first']} / {v['positives_second']} |")
    print("\n".join(lines) + "\n")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

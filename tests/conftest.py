import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpora" / "samples"
SHARED = ROOT.parent / "shared" / "corpus"
GOLD = ROOT / "corpora" / "gold"


def need_shared():
    if not (SHARED / "excerpts.jsonl").exists():
        pytest.skip(f"shared corpus not found at {SHARED}")


@pytest.fixture(scope="session")
def excerpts() -> dict[str, dict]:
    need_shared()
    with open(SHARED / "excerpts.jsonl", encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))

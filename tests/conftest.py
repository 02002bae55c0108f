import inspect
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


def copy_samples(folder: Path) -> Path:
    """A folder holding a copy of the five sample reports (batch runs write beside their inputs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in sorted(SAMPLES.glob("*.txt")):
        (folder / p.name).write_bytes(p.read_bytes())
    return folder


@pytest.fixture(scope="session")
def small_gold(tmp_path_factory) -> Path:
    """A gold directory of gold v1's rows only (818 train, 195 dev, 191 test segments), for tests that fine-tune
    or run models over whole splits: the full gold grows with every round, and these tests check mechanics."""
    out = tmp_path_factory.mktemp("gold-v1")
    kept = set()
    for split in ("train", "dev", "test"):
        rows = [line for line in open(GOLD / f"{split}.jsonl", encoding="utf-8")
                if json.loads(line).get("gold_version") == "v1"]
        kept |= {json.loads(line)["doc_id"] for line in rows}
        (out / f"{split}.jsonl").write_text("".join(rows), encoding="utf-8")
    with open(GOLD / "documents.jsonl", encoding="utf-8") as f:
        docs = [line for line in f if json.loads(line)["doc_id"] in kept]
    (out / "documents.jsonl").write_text("".join(docs), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """A tiny randomly initialised Chinese BERT with a character vocabulary from the seed reports (no hub)."""
    torch = pytest.importorskip("torch", reason="torch not installed (pip install -e '.[bert]')")
    from transformers import BertConfig, BertTokenizerFast
    from transformers import BertModel as HFBert

    from nlp.text.document import Document

    root = tmp_path_factory.mktemp("tiny-bert")
    chars = sorted({c for p in sorted(SAMPLES.glob("*.txt")) for c in Document.from_path(p).text if not c.isspace()})
    vocab = SPECIAL + chars + [f"##{c}" for c in chars if c.isascii() and c.isalnum()]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    options = {"do_lower_case": False, "tokenize_chinese_chars": True}
    if "vocab" in inspect.signature(BertTokenizerFast.__init__).parameters:  # transformers 5
        tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, **options)
    else:  # transformers 4
        tokenizer = BertTokenizerFast(vocab_file=str(root / "vocab.txt"), **options)
    assert len(tokenizer) == len(vocab)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=128, type_vocab_size=2)
    HFBert(config, add_pooling_layer=False).save_pretrained(root)
    tokenizer.save_pretrained(root)
    return root

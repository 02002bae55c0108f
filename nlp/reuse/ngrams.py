"""Number-masked n-grams and their document frequency across a reference corpus of reports.

Stock text is text whose long n-grams recur across many bodies' reports (Lang &
Stice-Lawrence 2015). Numbers are masked first, so 受理申请15件 and 受理申请20件
are the same n-gram. N-grams are stored as 64-bit hashes with their document
frequency, sorted, so a reference of a whole corpus is a few MB and loads
without running code (safetensors).

Two key schemes: ``blake2b`` hashes each n-gram string (references saved before
2026-12-05), ``poly64`` computes the keys of a whole batch in numpy from code points
(characters) or per-word hashes (words), without building n-gram strings: what new
references use. A reference records its scheme; segments are keyed to match it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

_DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_CN_COUNT = re.compile(r"[一二三四五六七八九十百千万两]+(?=[件条个次项人名份期场篇])")
NUMBER = "#"
_SEPARATOR = "\x1f"
_SPACES = re.compile(r"\s+")


def mask_numbers(text: str) -> str:
    """Replace every number (Arabic, and Chinese numerals before a counter word) by ``#``."""
    return _CN_COUNT.sub(NUMBER, _DIGITS.sub(NUMBER, text))


def _mask_each(tokens: Sequence[str]) -> list[str]:
    """``mask_numbers`` of every token, in one pass over the tokens joined by a separator none of them holds
    (no number pattern crosses it, so each token is masked as on its own)."""
    joined = _SEPARATOR.join(tokens)
    if joined.count(_SEPARATOR) != max(len(tokens) - 1, 0):
        return [mask_numbers(t) for t in tokens]
    return mask_numbers(joined).split(_SEPARATOR) if tokens else []


def char_ngrams(text: str, n: int = 8, mask: bool = True) -> list[str]:
    text = _SPACES.sub("", mask_numbers(text) if mask else text)
    return [text[i:i + n] for i in range(len(text) - n + 1)]


def word_ngrams(tokens: Sequence[str], n: int = 4, mask: bool = True) -> list[str]:
    words = _mask_each(tokens) if mask else list(tokens)
    return ["\x1f".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def hash_ngrams(grams: Iterable[str]) -> np.ndarray:
    """Stable 64-bit hashes (blake2b), unique and sorted."""
    keys = {int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams}
    return np.array(sorted(keys), dtype=np.uint64)


_MULT = np.uint64(0x9E3779B97F4A7C15)
SCHEMES = ("blake2b", "poly64")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads polynomial keys over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _distinct(rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) pairs without repeats, sorted by row then key."""
    order = np.lexsort((keys, rows))
    rows, keys = rows[order], keys[order]
    keep = np.ones(len(rows), dtype=bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (keys[1:] != keys[:-1])
    return rows[keep], keys[keep]


def _window_keys(symbols: np.ndarray, row_of: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A key for every run of ``n`` consecutive symbols inside one row: distinct (row, key) pairs."""
    m = len(symbols) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    key = np.zeros(m, dtype=np.uint64)
    for k in range(n):
        key = key * _MULT + symbols[k:k + m]
    inside = row_of[:m] == row_of[n - 1:]
    return _distinct(row_of[:m][inside], _mix(key[inside]))


def char_ngram_keys(texts: Sequence[str], n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """``poly64`` keys of the distinct number-masked character n-grams of each text (spaces dropped, as
    :func:`char_ngrams`): (text index, key) pairs."""
    cleaned = [_SPACES.sub("", mask_numbers(t)) for t in texts]
    lengths = np.fromiter(map(len, cleaned), dtype=np.int64, count=len(cleaned))
    points = np.frombuffer("".join(cleaned).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _window_keys(points.astype(np.uint64) + np.uint64(1), np.repeat(np.arange(len(texts)), lengths), n)


def word_ngram_keys(token_lists: Sequence[Sequence[str]], n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``poly64`` keys of the distinct number-masked word n-grams of each token list (as :func:`word_ngrams`):
    (list index, key) pairs. Each distinct word is hashed once (blake2b), then n-grams in numpy."""
    words = [_mask_each(tokens) for tokens in token_lists]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    hashes = _word_hashes({w for ws in words for w in ws})
    symbols = np.fromiter((hashes[w] for ws in words for w in ws), dtype=np.uint64, count=int(lengths.sum()))
    return _window_keys(symbols, np.repeat(np.arange(len(words)), lengths), n)


_WORD_HASHES: dict[str, int] = {}  # kept across batches: a corpus's vocabulary is small next to its tokens


def _word_hashes(words: set[str]) -> dict[str, int]:
    """``text_fingerprint`` of each word, hashing only words no earlier batch had."""
    missing = words - _WORD_HASHES.keys()
    if len(_WORD_HASHES) + len(missing) > 1_000_000:  # bounded: memory stays flat over any corpus
        _WORD_HASHES.clear()
        missing = words
    _WORD_HASHES.update((w, text_fingerprint(w)) for w in missing)
    return _WORD_HASHES


def ngram_keys(kind: str, items: Sequence, n: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct n-gram keys of each item (texts for ``char``, token lists for ``word``) under ``scheme``."""
    if scheme == "poly64":
        return char_ngram_keys(items, n) if kind == "char" else word_ngram_keys(items, n)
    hashed = [hash_ngrams(char_ngrams(x, n) if kind == "char" else word_ngrams(x, n)) for x in items]
    rows = np.repeat(np.arange(len(items)), [len(h) for h in hashed])
    return rows, np.concatenate(hashed) if hashed else np.zeros(0, dtype=np.uint64)


def text_fingerprint(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


class SortedHashes:
    """Positions of 64-bit hashes in a sorted array of them, for a whole batch in a few numpy passes.

    Hashes are spread evenly over their top bits, so those bits pick a bucket of about four keys, and
    each pass compares every query still open with the next key of its bucket. Built in about 0.05 s and
    8 MB for the default model's 2.3 M character 8-grams; ``pandas.Index.get_indexer`` took about 1 µs a
    key there as uint64 (a tenth of this speed), and as int64 first built a 63 MB hash table in 0.35 s.
    """

    def __init__(self, keys: np.ndarray):
        if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
            raise ValueError("SortedHashes needs distinct keys in increasing order")
        self.keys = keys
        bits = max(len(keys).bit_length() - 2, 1)
        self.shift = np.uint64(64 - bits)
        per_bucket = np.bincount((keys >> self.shift).astype(np.int64), minlength=1 << bits)
        self.starts = np.concatenate([[0], np.cumsum(per_bucket)])
        self.walk = per_bucket.max(initial=0) <= 64  # else (keys not spread like hashes) binary search

    def positions(self, queries: np.ndarray) -> np.ndarray:
        """Each query's index in the keys, or -1."""
        found = np.full(len(queries), -1, dtype=np.int64)
        if not len(self.keys):
            return found
        if not self.walk:
            at = np.minimum(np.searchsorted(self.keys, queries), len(self.keys) - 1)
            return np.where(self.keys[at] == queries, at, -1)
        todo = np.arange(len(queries))
        bucket = (queries >> self.shift).astype(np.int64)
        slot, end = self.starts[bucket], self.starts[bucket + 1]
        while len(todo):
            open_ = slot < end
            todo, slot, end = todo[open_], slot[open_], end[open_]
            key, query = self.keys[slot], queries[todo]
            hit = key == query
            found[todo[hit]] = slot[hit]
            on = key < query  # a bucket is sorted: past the query, it is not there
            todo, slot, end = todo[on], slot[on] + 1, end[on]
        return found


@dataclass
class NgramReference:
    """Document frequencies of hashed n-grams over ``n_docs`` reference reports.

    ``docs`` holds fingerprints of the reference documents, so that a document
    which is itself in the reference can discount its own occurrence.
    """

    keys: np.ndarray
    df: np.ndarray
    docs: np.ndarray
    n_docs: int
    scheme: str = "blake2b"
    _index: object = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, documents: Iterable[tuple[str, np.ndarray]], scheme: str = "poly64") -> "NgramReference":
        """``documents``: (normalised text, keys of that document's n-grams under ``scheme``) pairs."""
        fingerprints, per_doc = [], []
        for text, keys in documents:
            fingerprints.append(text_fingerprint(text))
            per_doc.append(np.unique(np.asarray(keys, dtype=np.uint64)))
        keys, df = np.unique(np.concatenate(per_doc) if per_doc else np.zeros(0, dtype=np.uint64), return_counts=True)
        return cls(keys.astype(np.uint64), df.astype(np.int32), np.array(sorted(set(fingerprints)), dtype=np.uint64),
                   len(fingerprints), scheme)

    def frequencies(self, hashed: np.ndarray) -> np.ndarray:
        """Document frequency of each hashed n-gram (0 when unseen), in one lookup for the batch."""
        if not len(hashed) or not len(self.keys):
            return np.zeros(len(hashed), dtype=np.int32)
        if self._index is None:
            self._index = SortedHashes(np.asarray(self.keys, dtype=np.uint64))
        pos = self._index.positions(np.asarray(hashed, dtype=np.uint64))
        return np.where(pos >= 0, self.df[pos], 0).astype(np.int32)

    def contains(self, fingerprint: int) -> bool:
        fp = np.uint64(fingerprint)
        i = np.searchsorted(self.docs, fp)
        return bool(i < len(self.docs) and self.docs[i] == fp)

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.keys": self.keys, f"{prefix}.df": self.df, f"{prefix}.docs": self.docs,
                f"{prefix}.n_docs": np.array([self.n_docs], dtype=np.int64),
                f"{prefix}.scheme": np.array([SCHEMES.index(self.scheme)], dtype=np.int64)}

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str) -> "NgramReference":
        scheme = tensors.get(f"{prefix}.scheme")  # absent: saved before poly64 keys existed
        return cls(tensors[f"{prefix}.keys"], tensors[f"{prefix}.df"], tensors[f"{prefix}.docs"],
                   int(tensors[f"{prefix}.n_docs"][0]), SCHEMES[int(scheme[0])] if scheme is not None else "blake2b")


def build_references(texts: Iterable[str], tokenize: Callable[[str], list[str]]) -> dict[str, "NgramReference"]:
    """Word 4-gram and character 8-gram references from report texts; table rows are left out."""
    from nlp.text.segments import is_table_cell

    word_docs, char_docs = [], []
    for text in texts:
        lines = [line for line in text.split("\n") if line.strip() and not is_table_cell(line.strip())]
        word_docs.append((text, word_ngram_keys([tokenize(line) for line in lines], 4)[1]))
        char_docs.append((text, char_ngram_keys(lines, 8)[1]))
    return {"word4": NgramReference.build(word_docs), "char8": NgramReference.build(char_docs)}


def save_references(path: Path, references: dict[str, NgramReference]) -> None:
    from safetensors.numpy import save_file

    tensors: dict[str, np.ndarray] = {}
    for name, ref in references.items():
        tensors.update(ref.tensors(name))
    save_file(tensors, str(path))


def load_references(path: Path, names: Sequence[str]) -> dict[str, NgramReference]:
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    return {name: NgramReference.from_tensors(tensors, name) for name in names}

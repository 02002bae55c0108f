"""Number-masked n-grams and their document frequency across a reference corpus of reports.

Stock text is text whose long n-grams recur across many bodies' reports (Lang &
Stice-Lawrence 2015). Numbers are masked first, so 受理申请15件 and 受理申请20件
are the same n-gram. N-grams are stored as 64-bit hashes with their document
frequency, sorted, so a reference of a whole corpus is a few MB and loads
without running code (safetensors).
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
    text = re.sub(r"\s+", "", mask_numbers(text) if mask else text)
    return [text[i:i + n] for i in range(len(text) - n + 1)]


def word_ngrams(tokens: Sequence[str], n: int = 4, mask: bool = True) -> list[str]:
    words = _mask_each(tokens) if mask else list(tokens)
    return ["\x1f".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def hash_ngrams(grams: Iterable[str]) -> np.ndarray:
    """Stable 64-bit hashes (blake2b), unique and sorted."""
    keys = {int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams}
    return np.array(sorted(keys), dtype=np.uint64)


def text_fingerprint(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


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
    _index: object = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, documents: Iterable[tuple[str, Iterable[str]]]) -> "NgramReference":
        """``documents``: (normalised text, n-grams of that document) pairs."""
        counts: dict[int, int] = {}
        fingerprints = []
        for text, grams in documents:
            fingerprints.append(text_fingerprint(text))
            for key in hash_ngrams(grams).tolist():
                counts[key] = counts.get(key, 0) + 1
        keys = np.array(sorted(counts), dtype=np.uint64)
        df = np.array([counts[k] for k in keys.tolist()], dtype=np.int32)
        return cls(keys, df, np.array(sorted(set(fingerprints)), dtype=np.uint64), len(fingerprints))

    def lookup(self, grams: Iterable[str], own_doc: int | None = None) -> np.ndarray:
        """Document frequency of each distinct n-gram, discounting the report whose :func:`text_fingerprint`
        is ``own_doc`` if it is a reference document (computed once per report by the caller)."""
        df = self.frequencies(hash_ngrams(grams))
        if own_doc is not None and self.contains(own_doc):
            df = np.maximum(df - 1, 0)
        return df

    def frequencies(self, hashed: np.ndarray) -> np.ndarray:
        """Document frequency of each hashed n-gram (0 when unseen), in one lookup for the batch."""
        if not len(hashed) or not len(self.keys):
            return np.zeros(len(hashed), dtype=np.int32)
        if self._index is None:  # a hash table over the keys, built on first use: several times faster than
            import pandas as pd  # np.searchsorted into a few hundred thousand keys

            self._index = pd.Index(self.keys)
        pos = self._index.get_indexer(np.asarray(hashed, dtype=np.uint64))
        return np.where(pos >= 0, self.df[pos], 0).astype(np.int32)

    def contains(self, fingerprint: int) -> bool:
        fp = np.uint64(fingerprint)
        i = np.searchsorted(self.docs, fp)
        return bool(i < len(self.docs) and self.docs[i] == fp)

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.keys": self.keys, f"{prefix}.df": self.df, f"{prefix}.docs": self.docs,
                f"{prefix}.n_docs": np.array([self.n_docs], dtype=np.int64)}

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str) -> "NgramReference":
        return cls(tensors[f"{prefix}.keys"], tensors[f"{prefix}.df"], tensors[f"{prefix}.docs"],
                   int(tensors[f"{prefix}.n_docs"][0]))


def build_references(texts: Iterable[str], tokenize: Callable[[str], list[str]]) -> dict[str, "NgramReference"]:
    """Word 4-gram and character 8-gram references from report texts; table rows are left out."""
    from nlp.text.segments import is_table_cell

    word_docs, char_docs = [], []
    for text in texts:
        lines = [line for line in text.split("\n") if line.strip() and not is_table_cell(line.strip())]
        word_docs.append((text, [g for line in lines for g in word_ngrams(tokenize(line), 4)]))
        char_docs.append((text, [g for line in lines for g in char_ngrams(line, 8)]))
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

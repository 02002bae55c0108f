"""Fixed-vocabulary n-gram counts for a whole batch in numpy: the TF-IDF views of the linear models.

scikit-learn's ``TfidfVectorizer.transform`` builds every n-gram of every segment as a Python string and
looks it up in a dict: about half of tagging time. With the vocabulary fixed (a saved model), the same
counts come from integer codes instead: characters become code points and character n-grams one 63-bit
integer each; words become vocabulary ids and word bigrams a pair of ids; all codes of a batch are
looked up at once in a hash table (``pandas.Index.get_indexer``). The count matrix is exactly scikit-learn's (tested on real
report text), so the TF-IDF weighting, and the predictions, do not change.

Only the analysers the linear recipe uses are covered (characters, lower-cased, n <= 3; whitespace-split
words, n <= 2, case kept); :meth:`NgramCounter.from_vectorizer` returns ``None`` for anything else, and
the caller keeps scikit-learn's own transform.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

_BITS = 21  # a Unicode code point fits in 21 bits, so three of them fit in one int64
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's own normalisation before character n-grams


def _lookup(codes: np.ndarray, table: tuple[pd.Index, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``codes`` found in the table's keys (a hash lookup in pandas), and their vocabulary columns."""
    keys, columns = table
    if not len(keys) or not len(codes):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pos = keys.get_indexer(codes)
    found = np.flatnonzero(pos >= 0)
    return found, columns[pos[found]]


def _table(codes: list[int], columns: list[int]) -> tuple[pd.Index, np.ndarray]:
    return pd.Index(np.array(codes, dtype=np.int64)), np.array(columns, dtype=np.int64)


class NgramCounter:
    """``counts(texts)``: the count matrix ``TfidfVectorizer`` weights (float64, sorted indices), fixed vocabulary."""

    def __init__(self, analyzer: str, max_n: int, vocabulary: dict[str, int], lowercase: bool):
        self.analyzer, self.max_n, self.lowercase = analyzer, max_n, lowercase
        self.n_features = len(vocabulary)
        if analyzer == "char":
            by_n: dict[int, tuple[list[int], list[int]]] = {n: ([], []) for n in range(1, max_n + 1)}
            for term, column in vocabulary.items():
                if 1 <= len(term) <= max_n:
                    by_n[len(term)][0].append(self._char_code(term))
                    by_n[len(term)][1].append(column)
            self.tables = {n: _table(*pair) for n, pair in by_n.items()}
        else:
            # Words get ids: a unigram's id is its column; words seen only inside bigrams get ids after those.
            self.word_ids = {t: c for t, c in vocabulary.items() if " " not in t}
            pairs, columns = [], []
            for term, column in vocabulary.items():
                if term.count(" ") == 1:
                    a, b = term.split(" ")
                    pairs.append((self._word_id(a), self._word_id(b)))
                    columns.append(column)
            self.id_space = self.n_features + len(self.word_ids) + 1
            self.bigrams = _table([a * self.id_space + b for a, b in pairs], columns)

    def _word_id(self, word: str) -> int:
        if word not in self.word_ids:
            self.word_ids[word] = self.n_features + len(self.word_ids)
        return self.word_ids[word]

    @staticmethod
    def _char_code(gram: str) -> int:
        code = 0
        for ch in gram:
            code = (code << _BITS) | ord(ch)
        return code

    @classmethod
    def from_vectorizer(cls, vectorizer) -> "NgramCounter | None":
        """A counter reproducing ``vectorizer`` (fitted), or ``None`` if its analyser is not one covered here."""
        if not hasattr(vectorizer, "vocabulary_"):
            return None
        return cls.from_params(vectorizer.get_params(), vectorizer.vocabulary_)

    @classmethod
    def from_params(cls, params: dict, vocabulary: dict[str, int]) -> "NgramCounter | None":
        """A counter for a vectoriser of ``params`` (``TfidfVectorizer.get_params()``, or the subset a saved
        pipeline keeps; absent ones take scikit-learn's defaults) fitted to ``vocabulary``, or ``None``."""
        p = {"preprocessor": None, "tokenizer": None, "stop_words": None, "input": "content", "binary": False,
             "strip_accents": None, "lowercase": True, **params}
        min_n, max_n = p["ngram_range"]
        plain = (p["preprocessor"] is None and p["tokenizer"] is None and p["strip_accents"] is None
                 and p["stop_words"] is None and not p["binary"] and p["input"] == "content" and min_n == 1)
        if not plain:
            return None
        if p["analyzer"] == "char" and max_n <= 3:
            return cls("char", max_n, vocabulary, p["lowercase"])
        if p["analyzer"] == "word" and p["token_pattern"] == r"\S+" and max_n <= 2:
            return cls("word", max_n, vocabulary, p["lowercase"])
        return None

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        texts = [t.lower() for t in texts] if self.lowercase else list(texts)
        rows, columns = self._char_hits(texts) if self.analyzer == "char" else self._word_hits(texts)
        matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, columns)),
                               shape=(len(texts), self.n_features))
        matrix.sum_duplicates()
        return matrix

    def _char_hits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        texts = [_WHITE_SPACES.sub(" ", t) for t in texts]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        row_of = np.repeat(np.arange(len(texts)), lengths)
        rows, columns = [], []
        code = points.copy()
        for n in range(1, self.max_n + 1):
            if n > 1:  # code of the n-gram starting at i, for every i with n characters left in its text
                code = (code[:-1] << _BITS) | points[n - 1:]
                start_rows = row_of[:len(code)]
                same = start_rows == row_of[n - 1:]
            else:
                start_rows, same = row_of, np.ones(len(code), dtype=bool)
            found, cols = _lookup(code, self.tables[n])
            keep = same[found]
            rows.append(start_rows[found[keep]])
            columns.append(cols[keep])
        return np.concatenate(rows), np.concatenate(columns)

    def _word_hits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        words = [t.split() for t in texts]
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        get = self.word_ids.get
        ids = np.fromiter((get(w, -1) for ws in words for w in ws), dtype=np.int64, count=int(lengths.sum()))
        row_of = np.repeat(np.arange(len(texts)), lengths)
        unigram = np.flatnonzero((ids >= 0) & (ids < self.n_features))
        rows, columns = [row_of[unigram]], [ids[unigram]]
        if self.max_n == 2 and len(ids) > 1:
            pair = (ids[:-1] >= 0) & (ids[1:] >= 0) & (row_of[:-1] == row_of[1:])
            starts = np.flatnonzero(pair)
            found, cols = _lookup(ids[starts] * self.id_space + ids[starts + 1], self.bigrams)
            rows.append(row_of[starts[found]])
            columns.append(cols)
        return np.concatenate(rows), np.concatenate(columns)

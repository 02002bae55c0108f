"""Word tokenisation (jieba, or its Rust port rjieba) with the package's domain dictionary and stopwords.

The tokenizer is a small value object: it pickles as its settings and rebuilds
its jieba instance on first use, so scikit-learn pipelines and worker
processes can carry it. Its ``hash`` names the dictionary and stopword list
that produced a set of tokens.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from importlib import resources
from pathlib import Path

import jieba

DATA = resources.files("nlp") / "data"
DEFAULT_USERDICT = Path(str(DATA / "userdict.txt"))
DEFAULT_STOPWORDS = Path(str(DATA / "stopwords.txt"))

jieba.setLogLevel(logging.WARNING)


class DictionaryError(ValueError):
    """A user dictionary or stopword file that jieba would misread."""


def validate_userdict(path: Path) -> list[tuple[str, int, str | None]]:
    """Parse a jieba user dictionary strictly: ``word freq [tag]`` per line, UTF-8, no BOM, LF."""
    data = Path(path).read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise DictionaryError(f"{path}: line 1: starts with a UTF-8 byte-order mark; save the file without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DictionaryError(f"{path}: line {line}: not valid UTF-8") from None
    entries = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            raise DictionaryError(f"{path}: line {number}: Windows line ending (CRLF); use LF line endings")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            raise DictionaryError(f"{path}: line {number}: {line!r} has no frequency; expected 'word freq [tag]'")
        if len(parts) > 3:
            raise DictionaryError(f"{path}: line {number}: {line!r} has extra fields; expected 'word freq [tag]'")
        entries.append((parts[0], int(parts[1]), parts[2] if len(parts) == 3 else None))
    return entries


def read_stopwords(path: Path) -> frozenset[str]:
    """One stopword per line; ``#`` starts a comment line."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#"))


BACKENDS = ("jieba", "rjieba")


class Tokenizer:
    """Callable tokenizer: text → list of words, stopwords and spaces removed.

    ``backend``: ``jieba`` (the reference implementation) or ``rjieba`` (jieba-rs, the same dictionary
    and algorithm in Rust, about 16x faster; agreement measured in docs/performance.md).
    """

    def __init__(self, userdict: str | Path | None = DEFAULT_USERDICT,
                 stopwords: str | Path | None = DEFAULT_STOPWORDS, hmm: bool = True, backend: str = "jieba"):
        if backend not in BACKENDS:
            raise ValueError(f"unknown tokenizer backend {backend!r}; expected one of {', '.join(BACKENDS)}")
        self.userdict = Path(userdict) if userdict else None
        self.stopwords_path = Path(stopwords) if stopwords else None
        self.hmm = hmm
        self.backend = backend
        self._entries = validate_userdict(self.userdict) if self.userdict else []
        self.stopwords = read_stopwords(self.stopwords_path) if self.stopwords_path else frozenset()
        self._jieba: jieba.Tokenizer | None = None

    @property
    def hash(self) -> str:
        """Short digest of the dictionary, stopwords, HMM flag and jieba version."""
        version = jieba.__version__ if self.backend == "jieba" else _rjieba_version()
        h = hashlib.sha256(f"{self.backend}={version};hmm={self.hmm}".encode())
        for path in (self.userdict, self.stopwords_path):
            h.update(path.read_bytes() if path else b"-")
        return h.hexdigest()[:12]

    def _engine(self):
        if self._jieba is None:
            if self.backend == "rjieba":
                import rjieba

                engine = rjieba.Jieba()
                for word, freq, tag in self._entries:
                    engine.add_word(word, freq, tag)
                self._cut = lambda text: engine.cut(text, self.hmm)
            else:
                engine = jieba.Tokenizer()
                engine.initialize()
                for word, freq, tag in self._entries:
                    engine.add_word(word, freq, tag)
                self._cut = lambda text: engine.lcut(text, HMM=self.hmm)
            self._jieba = engine
        return self._jieba

    def cut(self, text: str) -> list[str]:
        """All words, stopwords included (whitespace dropped)."""
        self._engine()
        return [w for w in self._cut(text) if w.strip()]

    def __call__(self, text: str) -> list[str]:
        return [w for w in self.cut(text) if w not in self.stopwords]

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_jieba"] = None
        state.pop("_cut", None)
        return state

    def __repr__(self) -> str:
        return (f"Tokenizer(backend={self.backend!r}, userdict={str(self.userdict)!r}, "
                f"stopwords={str(self.stopwords_path)!r}, hash={self.hash!r})")


def _rjieba_version() -> str:
    from importlib.metadata import version

    return version("rjieba")


@functools.lru_cache(maxsize=None)
def default_tokenizer(backend: str = "jieba") -> Tokenizer:
    """The package's tokenizer for ``backend`` (shipped dictionary and stopwords), built once per process."""
    return Tokenizer(backend=backend)

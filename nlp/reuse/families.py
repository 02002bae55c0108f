"""Near-duplicate sentence families across a corpus: MinHash LSH over number-masked character shingles.

Two segments are near duplicates when the Jaccard similarity of their sets of
character k-shingles reaches a threshold, after numbers are masked
(:func:`nlp.reuse.ngrams.mask_numbers`, so 受理申请15件 and 受理申请20件 are one text)
and spaces, punctuation and a leading item number (一、 (二) 3. 一是) dropped. MinHash LSH (datasketch) only proposes
candidate pairs; every pair is checked on the exact Jaccard of the shingle sets,
so LSH saves time and never adds a false pair. The LSH index is built for a
lower Jaccard (``lsh_threshold``) than the verification threshold: with
datasketch's banding for 0.7 itself, a pair at exactly 0.7 would be proposed
only 44 % of the time; at 0.5 (25 bands of 5 rows) 99 %.

A segment too short to have a meaningful shingle set (fewer than ``min_chars``
characters after masking: headings, "无", "一是加强领导") is matched by exact
equality of its masked text instead: one shared 5-shingle would otherwise make
two short, different items "similar". A family is a connected component of the
near-duplicate graph (single linkage).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from nlp.reuse.ngrams import hash_ngrams, mask_numbers, text_fingerprint

# datasketch >= 2 permutation scheme; sketches of different schemes must never meet in one index.
MINHASH_SCHEME = "affine32"
_DROP = re.compile(r"[^\w#]+|_+")
_CN = "一二三四五六七八九十"
# A leading item number is layout, not wording: (二)积极推动… and (一)积极推动… are one sentence.
_ENUMERATOR = re.compile(
    rf"^\s*(?:[(（](?:[{_CN}]{{1,3}}|\d{{1,2}})[)）]|[{_CN}]{{1,3}}\s*[、.．]|\d{{1,2}}\s*[、.．](?!\d)"
    rf"|第[{_CN}]{{1,3}}[、，,：:]|[{_CN}]{{1,3}}是|[①②③④⑤⑥⑦⑧⑨⑩])\s*")


@dataclass(frozen=True)
class FamilyConfig:
    """How near duplicates are found (recorded in every output's metadata)."""

    shingle: int = 5           # characters per shingle (about two Chinese words)
    threshold: float = 0.7     # exact Jaccard of shingle sets at or above which two segments are near duplicates
    lsh_threshold: float = 0.5  # LSH candidate threshold: below ``threshold`` so that a pair at the threshold is
    #                            proposed with probability ~0.99 (128 permutations: 25 bands of 5); all are verified
    num_perm: int = 128        # MinHash permutations
    min_chars: int = 12        # masked texts shorter than this are matched exactly, not by shingles
    mask_numbers: bool = True
    seed: int = 1

    def to_dict(self) -> dict:
        return asdict(self) | {"minhash_scheme": MINHASH_SCHEME}


def family_text(text: str, mask: bool = True) -> str:
    """The text segments are compared on: leading item number dropped, numbers masked as ``#``,
    spaces and punctuation dropped."""
    text = _ENUMERATOR.sub("", text)
    return _DROP.sub("", mask_numbers(text) if mask else text)


def shingles(text: str, k: int = 5, mask: bool = True) -> frozenset[str]:
    """Character k-shingles of :func:`family_text` (the whole text if shorter than ``k``)."""
    key = family_text(text, mask)
    if len(key) <= k:
        return frozenset([key]) if key else frozenset()
    return frozenset(key[i:i + k] for i in range(len(key) - k + 1))


@dataclass(frozen=True)
class Fingerprint:
    """What a segment is compared by: its masked text, and its shingles unless it is short."""

    key: str
    shingles: frozenset[str]

    @property
    def short(self) -> bool:
        return not self.shingles


def fingerprint(text: str, config: FamilyConfig = FamilyConfig()) -> Fingerprint:
    key = family_text(text, config.mask_numbers)
    if len(key) < config.min_chars:
        return Fingerprint(key, frozenset())
    return Fingerprint(key, shingles(text, config.shingle, config.mask_numbers))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def near_duplicate(a: Fingerprint, b: Fingerprint, threshold: float) -> bool:
    """Short segments: same masked text. Others: shingle Jaccard >= ``threshold``. Never short with long."""
    if a.short or b.short:
        return a.short and b.short and bool(a.key) and a.key == b.key
    return a.key == b.key or jaccard(a.shingles, b.shingles) >= threshold


def minhashes(fingerprints: Sequence[Fingerprint], config: FamilyConfig) -> list[MinHash]:
    return MinHash.bulk([[s.encode("utf-8") for s in sorted(fp.shingles)] for fp in fingerprints],
                        num_perm=config.num_perm, seed=config.seed, scheme=MINHASH_SCHEME)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class FamilyAssignment:
    """The family of every segment; families are numbered by size, 0 the largest."""

    family: np.ndarray      # family id of each segment
    size: np.ndarray        # segments in the segment's family
    n_docs: np.ndarray      # distinct reports in the segment's family
    n_bodies: np.ndarray    # distinct issuing bodies in the segment's family
    short: np.ndarray       # True where the segment was matched by exact masked text
    keys: list[str]         # masked text of each segment
    stats: dict = field(default_factory=dict)


def find_families(texts: Sequence[str], docs: Sequence[str], bodies: Sequence[str],
                  config: FamilyConfig = FamilyConfig()) -> FamilyAssignment:
    """Families of ``texts`` (one per segment); ``docs`` and ``bodies`` name each segment's report and issuer."""
    n = len(texts)
    fps = [fingerprint(t, config) for t in texts]
    uf = _UnionFind(n)
    # Identical masked texts are one family whatever their length; LSH then runs over distinct long texts only.
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, fp in enumerate(fps):
        if fp.key:
            by_key[fp.key].append(i)
    for members in by_key.values():
        for i in members[1:]:
            uf.union(members[0], i)
    reps = [members[0] for members in by_key.values() if not fps[members[0]].short]
    candidates = verified = 0
    if reps:
        lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=config.num_perm)
        sketches = minhashes([fps[i] for i in reps], config)
        with lsh.insertion_session() as session:
            for j, m in enumerate(sketches):
                session.insert(j, m)
        for j, m in enumerate(sketches):
            for c in lsh.query(m):
                if c <= j:
                    continue
                candidates += 1
                if jaccard(fps[reps[j]].shingles, fps[reps[c]].shingles) >= config.threshold:
                    verified += 1
                    uf.union(reps[j], reps[c])
    roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    members: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(roots.tolist()):
        members[r].append(i)
    order = sorted(members, key=lambda r: (-len(members[r]), members[r][0]))
    family = np.empty(n, dtype=np.int64)
    size, n_docs, n_bodies = (np.empty(n, dtype=np.int64) for _ in range(3))
    for fid, r in enumerate(order):
        idx = members[r]
        family[idx] = fid
        size[idx] = len(idx)
        n_docs[idx] = len({docs[i] for i in idx})
        n_bodies[idx] = len({bodies[i] for i in idx})
    stats = {"segments": n, "short_segments": int(sum(fp.short for fp in fps)),
             "distinct_long_texts": len(reps), "lsh_candidate_pairs": candidates, "verified_pairs": verified,
             "families": len(order), "families_of_2_or_more": int(sum(len(members[r]) > 1 for r in order))}
    return FamilyAssignment(family, size, n_docs, n_bodies, np.array([fp.short for fp in fps], dtype=bool),
                            [fp.key for fp in fps], stats)


def family_rows(assignment: FamilyAssignment, texts: Sequence[str], docs: Sequence[str],
                min_size: int = 2, top: int | None = None) -> list[dict]:
    """One row per family of at least ``min_size`` segments, largest first, with its most common wording as example."""
    by_family: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(assignment.family.tolist()):
        by_family[f].append(i)
    rows = []
    for fid in sorted(by_family):
        idx = by_family[fid]
        if len(idx) < min_size:
            break  # families are numbered by size
        wording: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            wording[assignment.keys[i]].append(i)
        example = max(wording.values(), key=len)[0]
        rows.append({"family": fid, "size": len(idx), "n_docs": int(assignment.n_docs[idx[0]]),
                     "n_bodies": int(assignment.n_bodies[idx[0]]), "n_wordings": len(wording),
                     "short": bool(assignment.short[idx[0]]), "example": texts[example],
                     "example_doc_id": docs[example]})
        if top and len(rows) >= top:
            break
    return rows


class FamilyIndex:
    """The segments of a reference corpus, to look up a new segment's near duplicates (a detector feature).

    A lookup counts the reference segments that are near duplicates of the query
    directly (not the transitive family) in reports other than the query's own,
    so a report that is itself in the reference never finds itself, not even
    through a chain of its own sentences.
    """

    def __init__(self, config: FamilyConfig, keys: np.ndarray, ptr: np.ndarray, shingle_hashes: np.ndarray,
                 signatures: np.ndarray, long_rows: np.ndarray, doc: np.ndarray, body: np.ndarray,
                 doc_fps: np.ndarray):
        self.config = config
        self.keys, self.ptr, self.shingle_hashes = keys, ptr, shingle_hashes
        self.signatures, self.long_rows = signatures, long_rows
        self.doc, self.body, self.doc_fps = doc, body, doc_fps
        self._lsh: MinHashLSH | None = None
        self._by_key: dict[int, list[int]] | None = None
        self._doc_index = {int(fp): i for i, fp in enumerate(doc_fps.tolist())}

    @classmethod
    def build(cls, segments: Sequence[tuple[str, str, str]], config: FamilyConfig = FamilyConfig()) -> "FamilyIndex":
        """``segments``: (segment text, its report's full text, its issuing body) triples."""
        fps = [fingerprint(t, config) for t, _, _ in segments]
        doc_ids: dict[int, int] = {}
        body_ids: dict[str, int] = {}
        doc = np.array([doc_ids.setdefault(text_fingerprint(d), len(doc_ids)) for _, d, _ in segments], dtype=np.int32)
        body = np.array([body_ids.setdefault(b, len(body_ids)) for _, _, b in segments], dtype=np.int32)
        hashed = [hash_ngrams(fp.shingles) for fp in fps]
        ptr = np.zeros(len(fps) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(h) for h in hashed])
        long_rows = np.array([i for i, fp in enumerate(fps) if not fp.short], dtype=np.int64)
        sketches = minhashes([fps[i] for i in long_rows.tolist()], config)
        signatures = (np.stack([m.hashvalues for m in sketches]).astype(np.uint32) if sketches
                      else np.zeros((0, config.num_perm), dtype=np.uint32))
        keys = np.array([text_fingerprint(fp.key) if fp.key else 0 for fp in fps], dtype=np.uint64)
        return cls(config, keys, ptr, np.concatenate(hashed) if hashed else np.zeros(0, np.uint64), signatures,
                   long_rows, doc, body, np.array(list(doc_ids), dtype=np.uint64))

    def _index(self) -> MinHashLSH:
        if self._lsh is None:
            self._lsh = MinHashLSH(threshold=self.config.lsh_threshold, num_perm=self.config.num_perm)
            with self._lsh.insertion_session() as session:
                for j, values in enumerate(self.signatures):
                    session.insert(j, LeanMinHash(seed=self.config.seed, hashvalues=values, scheme=MINHASH_SCHEME))
            by_key: dict[int, list[int]] = defaultdict(list)
            for i, k in enumerate(self.keys.tolist()):
                if k and self.ptr[i + 1] == self.ptr[i]:
                    by_key[k].append(i)
            self._by_key = by_key
        return self._lsh

    def lookup(self, text: str, own_doc: int | None = None) -> tuple[int, int, int]:
        """(segments, reports, bodies) of the reference near duplicates of ``text`` outside its own report
        (``own_doc``: the report's :func:`text_fingerprint`)."""
        lsh = self._index()
        own = self._doc_index.get(own_doc, -1) if own_doc is not None else -1
        fp = fingerprint(text, self.config)
        if fp.short:
            rows = self._by_key.get(text_fingerprint(fp.key), []) if fp.key else []
        else:
            query = hash_ngrams(fp.shingles)
            rows = []
            for j in lsh.query(minhashes([fp], self.config)[0]):
                row = int(self.long_rows[j])
                ref = self.shingle_hashes[self.ptr[row]:self.ptr[row + 1]]
                inter = len(np.intersect1d(query, ref, assume_unique=True))
                if inter / (len(query) + len(ref) - inter) >= self.config.threshold:
                    rows.append(row)
        rows = [r for r in rows if self.doc[r] != own]
        return len(rows), len({int(self.doc[r]) for r in rows}), len({int(self.body[r]) for r in rows})

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.{name}": getattr(self, name) for name in
                ("keys", "ptr", "shingle_hashes", "signatures", "long_rows", "doc", "body", "doc_fps")}

    def metadata(self) -> str:
        return json.dumps(asdict(self.config))

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str, metadata: str) -> "FamilyIndex":
        config = FamilyConfig(**json.loads(metadata))
        return cls(config, *(tensors[f"{prefix}.{name}"] for name in
                             ("keys", "ptr", "shingle_hashes", "signatures", "long_rows", "doc", "body", "doc_fps")))

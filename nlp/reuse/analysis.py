"""Corpus reuse analytics: how much of a report is stock language, and how much is last year's.

>>> from nlp.reuse.analysis import analyse, read_reports
>>> docs, failed = read_reports(corpus="../shared/corpus")
>>> result = analyse(docs)
>>> result.reports          # one row per report and scope (all, overall, problems)
>>> result.write("reuse.parquet")

Three measures from the accounting-disclosure literature, on the narrative
segments (``overall`` and ``problems``) that :class:`~nlp.text.document.Document`
cuts, a segment standing for a sentence:

* sentence families — near-duplicate segments across the corpus
  (:mod:`nlp.reuse.families`), with each segment's family size and the number of
  distinct issuing bodies using it;
* the boilerplate index (Lang & Stice-Lawrence 2015) and redundancy (Dyer, Lang
  & Stice-Lawrence 2017) per report and section (:mod:`nlp.reuse.boilerplate_index`);
* stickiness and length-adjusted similarity between a body's reports of
  consecutive years (:mod:`nlp.reuse.stickiness`; Brown & Tucker 2011).

The reference set for document frequencies is the analysed reports themselves.
Every threshold, the n-gram units, number masking and the tokenizer hash are
recorded in :attr:`ReuseResult.metadata`, written beside every output.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from nlp.reuse.boilerplate_index import (BoilerplateConfig, PhraseTable, hash_each, redundancy, segment_ngrams, share,
                                unit_length)
from nlp.text.document import Document
from nlp.reuse.families import FamilyConfig, family_rows, find_families, fingerprint
from nlp.reuse.issuer import ReportIdentity, identify
from nlp.reuse.ngrams import text_fingerprint
from nlp.text.segments import Segment
from nlp.reuse.stickiness import (StickinessConfig, consecutive_pairs, cosine, length_adjusted, ngram_stickiness,
                         sticky_flags)
from nlp.io.corpus import iter_reports
from nlp.io.workers import map_in_workers
from nlp.text.tokenizer import Tokenizer, default_tokenizer

SCOPES = ("all", "overall", "problems")
META_KEY = b"nlp.reuse"


@dataclass(frozen=True)
class ReuseConfig:
    """All settings of one analysis; :meth:`to_dict` is what outputs record."""

    families: FamilyConfig = FamilyConfig()
    boilerplate: BoilerplateConfig = BoilerplateConfig()
    stickiness: StickinessConfig = StickinessConfig()
    redundancy_unit: str = "word10"
    top_families: int = 50

    def to_dict(self) -> dict:
        return {"families": self.families.to_dict(), "boilerplate": self.boilerplate.to_dict(),
                "stickiness": self.stickiness.to_dict(), "redundancy_unit": self.redundancy_unit,
                "top_families": self.top_families}


@dataclass
class ReuseResult:
    """Tables of one analysis and the metadata that says how they were made."""

    reports: pd.DataFrame    # one row per report and scope
    segments: pd.DataFrame   # one row per segment
    families: pd.DataFrame   # families of two or more segments, largest first
    metadata: dict = field(default_factory=dict)

    def paths(self, out: str | Path) -> dict[str, Path]:
        """Where :meth:`write` puts each table: ``out`` holds the reports; the others sit beside it."""
        out = Path(out)
        return {"reports": out, "segments": out.with_name(f"{out.stem}.segments{out.suffix}"),
                "families": out.with_name(f"{out.stem}.families{out.suffix}"),
                "metadata": out.with_name(f"{out.stem}.meta.json")}

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write the three tables (.parquet, .jsonl or .csv, by ``out``'s suffix) and the sidecar JSON."""
        from nlp.io.sinks import output_format

        fmt = output_format(out)
        paths = self.paths(out)
        paths["reports"].parent.mkdir(parents=True, exist_ok=True)
        meta_json = json.dumps(self.metadata, ensure_ascii=False, indent=1, default=_json_default)
        for name in ("reports", "segments", "families"):
            _write_table(getattr(self, name), paths[name], fmt, meta_json)
        paths["metadata"].write_text(meta_json + "\n", encoding="utf-8")
        return paths


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _write_table(df: pd.DataFrame, path: Path, fmt: str, meta_json: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: meta_json.encode()})
        pq.write_table(table, tmp)
    elif fmt == "csv":
        df.to_csv(tmp, index=False)
    else:
        df.to_json(tmp, orient="records", lines=True, force_ascii=False)
    tmp.replace(path)


def read_reports(paths: Iterable[str | Path] = (), corpus: str | Path | None = None
                 ) -> tuple[list[Document], list[dict]]:
    """Documents of report files (paths, directories, globs) and/or a corpus (``shared/corpus`` layout or
    a JSONL of reports).

    Corpus reports keep their metadata (``agency``, ``level``, ``year``); unreadable files are returned
    as ``{"path", "reason"}`` and left out.
    """
    failed: list[dict] = []
    sources = ([corpus] if corpus is not None else []) + list(paths)
    reports = iter_reports(sources, on_error=lambda path, reason: failed.append({"path": path, "reason": reason}))
    docs = [Document.from_source(r.source, doc_id=r.doc_id, start_kind=r.start_kind,
                                 meta={**r.meta, "origin": r.origin} if r.meta else {}) for r in reports]
    return docs, failed


def _tokenize(documents: Sequence[Document], tokenizer: Tokenizer, n_process: int) -> None:
    todo = [d for d in documents if d.tokenizer_hash != tokenizer.hash or any(s.tokens is None for s in d.segments)]
    texts = [s.text for d in todo for s in d.segments]
    tokens = map_in_workers(_tokens, texts, n_process, context=tokenizer, chunksize=64)
    for d in todo:
        for s in d.segments:
            s.tokens = next(tokens)
        d.tokenizer_hash = tokenizer.hash


def _tokens(tokenizer: Tokenizer, text: str) -> list[str]:
    return tokenizer(text)


@dataclass
class _Flat:
    """The corpus as one list of segments, with the report each belongs to."""

    documents: Sequence[Document]
    segments: list[Segment]
    doc: list[int]
    by_doc: list[list[int]]

    @classmethod
    def of(cls, documents: Sequence[Document]) -> "_Flat":
        segments, doc, by_doc = [], [], []
        for i, d in enumerate(documents):
            by_doc.append(list(range(len(segments), len(segments) + len(d.segments))))
            segments.extend(d.segments)
            doc.extend([i] * len(d.segments))
        return cls(documents, segments, doc, by_doc)

    def rows(self, i: int, scope: str = "all", headings: bool = True) -> list[int]:
        """Segment rows of report ``i`` in ``scope`` (``all`` or a section kind)."""
        return [k for k in self.by_doc[i] if (scope == "all" or self.segments[k].section == scope)
                and (headings or not self.segments[k].is_heading)]

    def ngrams(self, unit: str, mask: bool) -> list[list[str]]:
        return [segment_ngrams(unit, s.text, s.tokens or [], mask) for s in self.segments]


def analyse(documents: Sequence[Document], config: ReuseConfig = ReuseConfig(),
            tokenizer: Tokenizer | None = None, n_process: int = 1) -> ReuseResult:
    """Families, boilerplate index, redundancy and stickiness of ``documents`` (the reference set is themselves)."""
    tokenizer = tokenizer or default_tokenizer()
    _tokenize(documents, tokenizer, n_process)
    idents = [identify(d.text, d.meta) for d in documents]
    flat = _Flat.of(documents)
    texts = [s.text for s in flat.segments]
    # A report without a known issuing body counts as a body of its own.
    bodies = [idents[i].body or f"report:{i}" for i in flat.doc]
    families = find_families(texts, [str(i) for i in flat.doc], bodies, config.families)
    flags, lengths, phrase_stats = _boilerplate_sentences(flat, idents, config.boilerplate)
    pairs = consecutive_pairs([x.body for x in idents], [x.year for x in idents], [len(d.segments) for d in documents])
    sticky = _sticky_segments(flat, pairs, config)
    reports, degrees = _report_table(flat, idents, pairs, families, flags, lengths, sticky, config)
    segments = pd.DataFrame([{
        "doc_id": documents[i].doc_id, "section": s.section, "heading": s.heading, "start": s.start, "end": s.end,
        "text": s.text, "is_heading": s.is_heading, "family": int(families.family[k]),
        "family_size": int(families.size[k]), "family_docs": int(families.n_docs[k]),
        "family_bodies": int(families.n_bodies[k]), "family_exact_match": bool(families.short[k]),
        **{f"boilerplate_{unit}": bool(flags[unit][k]) for unit in config.boilerplate.units},
        "sticky": sticky[k],
    } for k, (i, s) in enumerate(zip(flat.doc, flat.segments))], columns=segment_columns(config))
    fam = pd.DataFrame(family_rows(families, texts, [documents[i].doc_id for i in flat.doc]), columns=FAMILY_COLUMNS)
    metadata = _metadata(documents, idents, config, tokenizer, families.stats, phrase_stats, pairs, degrees)
    return ReuseResult(reports, segments, fam, metadata)


def segment_columns(config: ReuseConfig) -> list[str]:
    return (["doc_id", "section", "heading", "start", "end", "text", "is_heading", "family", "family_size",
             "family_docs", "family_bodies", "family_exact_match"]
            + [f"boilerplate_{unit}" for unit in config.boilerplate.units] + ["sticky"])


FAMILY_COLUMNS = ["family", "size", "n_docs", "n_bodies", "n_wordings", "short", "example", "example_doc_id"]


def _boilerplate_sentences(flat: _Flat, idents: list[ReportIdentity], config: BoilerplateConfig):
    """Per unit: does each segment hold a boilerplate phrase of its report's reference group, and its length."""
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(flat.documents):
        if d.segments:
            groups.setdefault(_reference_group(config.reference_by, d, idents[i]), []).append(i)
    flags, lengths, stats = {}, {}, {}
    for unit in config.units:
        hashed = [hash_each(grams) for grams in flat.ngrams(unit, config.mask_numbers)]
        phrases_of: dict[int, np.ndarray] = {}
        stats[unit] = {}
        for group, members in sorted(groups.items()):
            table = PhraseTable.build(unit, [(text_fingerprint(flat.documents[i].text),
                                              [hashed[k] for k in flat.by_doc[i]]) for i in members])
            phrases = table.boilerplate_keys(config)
            phrases_of.update({i: phrases for i in members})
            stats[unit][group] = {"reference_reports": table.n_docs, "distinct_ngrams": int(len(table.keys)),
                                  "boilerplate_phrases": int(len(phrases))}
            if config.min_docs >= config.max_doc_share * table.n_docs:
                stats[unit][group]["warning"] = (f"{table.n_docs} reports: no n-gram can be in at least {config.min_docs} "
                                                 f"and in less than {config.max_doc_share:.0%} of them; index is 0")
        flags[unit] = np.array([bool(np.isin(h, phrases_of[i]).any()) if len(h) else False
                                for i, h in zip(flat.doc, hashed)], dtype=bool)
        lengths[unit] = np.array([unit_length(unit, s.text, s.tokens or []) for s in flat.segments], dtype=np.int64)
    return flags, lengths, stats


def _sticky_segments(flat: _Flat, pairs: dict[int, int], config: ReuseConfig) -> np.ndarray:
    """True/False where a segment has/lacks a near duplicate in last year's report; None where not compared."""
    fps = [fingerprint(s.text, config.families) for s in flat.segments]
    headings = not config.stickiness.skip_headings
    sticky = np.full(len(fps), None, dtype=object)
    for cur, prev in pairs.items():
        rows = flat.rows(cur, headings=headings)
        hits = sticky_flags([fps[k] for k in rows], [fps[k] for k in flat.rows(prev, headings=headings)],
                            config.families.threshold)
        sticky[rows] = hits
    return sticky


def _report_table(flat, idents, pairs, families, flags, lengths, sticky, config) -> tuple[pd.DataFrame, dict]:
    """One row per report and scope (``all`` and each narrative section it has)."""
    mask = config.boilerplate.mask_numbers
    unit_n = config.stickiness.ngram_unit
    words = flat.ngrams("word1", mask)             # masked jieba words
    long_grams = flat.ngrams(config.redundancy_unit, mask)
    sticky_grams = flat.ngrams(unit_n, mask)
    chars = [unit_length("char1", s.text, []) for s in flat.segments]
    rows = []
    for i, doc in enumerate(flat.documents):
        prev = pairs.get(i)
        prev_grams = {g for k in flat.by_doc[prev] for g in sticky_grams[k]} if prev is not None else set()
        for scope in SCOPES:
            ks = flat.rows(i, scope)
            if scope != "all" and not ks:
                continue
            row = _identity_row(doc, idents[i]) | {
                "section": scope, "n_segments": len(ks), "n_words": sum(len(words[k]) for k in ks),
                "n_chars": sum(chars[k] for k in ks)}
            for unit in config.boilerplate.units:
                row[f"boilerplate_{unit}"] = share(lengths[unit][ks], flags[unit][ks])
            row["redundancy"] = redundancy(long_grams[k] for k in ks)
            row["share_shared_family"] = float(np.mean(families.n_bodies[ks] >= 2)) if ks else float("nan")
            row |= {"prev_doc_id": None, "sticky_share": float("nan"), "sticky_segments": 0,
                    f"stickiness_{unit_n}": float("nan"), "similarity": float("nan")}
            if prev is not None:
                compared = [bool(sticky[k]) for k in ks if sticky[k] is not None]
                prev_scope = flat.rows(prev, scope)
                row |= {"prev_doc_id": flat.documents[prev].doc_id,
                        "sticky_share": float(np.mean(compared)) if compared else float("nan"),
                        "sticky_segments": len(compared),
                        f"stickiness_{unit_n}": ngram_stickiness([g for k in ks for g in sticky_grams[k]], prev_grams),
                        "similarity": cosine([w for k in ks for w in words[k]], [w for k in prev_scope for w in words[k]])
                        if prev_scope else float("nan")}
            rows.append(row)
    reports = pd.DataFrame(rows)
    degrees = {}
    if len(reports):
        reports["year"] = reports["year"].astype("Int64")
        reports["similarity_adj"] = np.nan
        for scope in SCOPES:
            sel = (reports["section"] == scope).to_numpy()
            adj, degrees[scope] = length_adjusted(reports.loc[sel, "similarity"].to_numpy(dtype=float),
                                                  reports.loc[sel, "n_words"].to_numpy(dtype=float),
                                                  config.stickiness.max_degree,
                                                  config.stickiness.pairs_per_coefficient)
            reports.loc[sel, "similarity_adj"] = adj
    return reports, degrees


def _reference_group(reference_by: str | None, doc: Document, ident: ReportIdentity) -> str:
    """The reference group of a report: everything, or the reports sharing its year / level / metadata field."""
    if not reference_by:
        return "all"
    value = getattr(ident, reference_by, None) if reference_by in ("year", "level", "body") else doc.meta.get(reference_by)
    return f"{reference_by}={value if value not in (None, '') else 'unknown'}"


def _identity_row(doc: Document, ident: ReportIdentity) -> dict:
    return {"doc_id": doc.doc_id, "path": doc.path or doc.meta.get("origin"), "body": ident.body,
            "body_source": ident.body_source, "year": ident.year, "year_source": ident.year_source,
            "level": ident.level, "title": ident.title}


def _metadata(documents, idents, config, tokenizer, family_stats, unit_stats, pairs, degrees) -> dict:
    import datasketch

    from nlp._version import __version__

    sources = {"body": {}, "year": {}}
    for x in idents:
        sources["body"][x.body_source or "unknown"] = sources["body"].get(x.body_source or "unknown", 0) + 1
        sources["year"][x.year_source or "unknown"] = sources["year"].get(x.year_source or "unknown", 0) + 1
    return {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "nlp_version": __version__, "datasketch_version": datasketch.__version__,
        "tokenizer": {"hash": tokenizer.hash, "userdict": str(tokenizer.userdict), "stopwords": str(tokenizer.stopwords_path),
                      "hmm": tokenizer.hmm, "note": "jieba words with the package's frozen dictionary; stopwords removed"},
        "n_reports": len(documents), "n_segments": int(sum(len(d.segments) for d in documents)),
        "config": config.to_dict(),
        "reference": {"set": "the analysed reports themselves (those with at least one narrative segment)"
                              + (f", grouped by {config.boilerplate.reference_by}" if config.boilerplate.reference_by
                                 else ""),
                      "groups": unit_stats},
        "families": family_stats,
        "identity_sources": sources,
        "stickiness": {"pairs": len(pairs), "length_polynomial_degree": degrees},
        "definitions": DEFINITIONS,
        "citations": CITATIONS,
    }


DEFINITIONS = {
    "segment": "the package's sentence unit: a sentence or enumerated item of the overall or problems section",
    "family": "connected component of near-duplicate segments: exact Jaccard of masked character shingles >= "
              "threshold (MinHash LSH proposes candidates), or identical masked text for short segments",
    "boilerplate_<unit>": "share of words (word units) or non-space characters (char units) in segments containing "
                          "a boilerplate n-gram: in < max_doc_share of reference reports and (in >= min_doc_share "
                          "of them or used >= min_mean_count times per reference report on average) and in >= "
                          "min_docs reports",
    "redundancy": "share of the report's redundancy_unit n-gram occurrences whose n-gram occurs more than once in it",
    "share_shared_family": "share of segments whose family spans two or more issuing bodies",
    "sticky_share": "share of non-heading segments with a near duplicate in the same body's report of the previous year",
    "stickiness_<unit>": "share of n-gram occurrences also found in the previous year's report",
    "similarity": "cosine similarity of word-frequency vectors with the previous year's same section",
    "similarity_adj": "residual of similarity on a polynomial in log word count, fitted per section over all pairs",
}
CITATIONS = [
    "Lang, M., & Stice-Lawrence, L. (2015). Textual analysis and international financial reporting: Large sample "
    "evidence. Journal of Accounting and Economics, 60(2-3), 110-135.",
    "Dyer, T., Lang, M., & Stice-Lawrence, L. (2017). The evolution of 10-K textual disclosure: Evidence from Latent "
    "Dirichlet Allocation. Journal of Accounting and Economics, 64(2-3), 221-245.",
    "Brown, S. V., & Tucker, J. W. (2011). Large-sample evidence on firms' year-over-year MD&A modifications. "
    "Journal of Accounting Research, 49(2), 309-346.",
    "Cazier, R. A., & Pfeiffer, R. J. (2016). Why are 10-K filings so long? Accounting Horizons, 30(1), 1-21.",
    "Broder, A. Z. (1997). On the resemblance and containment of documents. Compression and Complexity of "
    "Sequences.",
]

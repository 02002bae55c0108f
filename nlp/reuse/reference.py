"""Corpus reuse statistics the boilerplate detector can carry (the optional ``families`` feature group).

For one segment, against a reference corpus: how many segments of *other*
reports are its near duplicates (:class:`~nlp.reuse.families.FamilyIndex`), in how
many reports and issuing bodies, and whether it holds a Lang & Stice-Lawrence
boilerplate phrase (:class:`~nlp.reuse.boilerplate_index.PhraseTable`). The gold
segments' own reports are in the shared corpus, so both lookups leave the
segment's report out (recognised by the fingerprint of ``doc_text``); otherwise
every segment would find itself. Saved as safetensors with the settings as JSON
in the header, so loading runs no code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

from nlp.reuse.boilerplate_index import BoilerplateConfig, PhraseTable, hash_each, segment_ngrams
from nlp.text.document import Document
from nlp.reuse.families import FamilyConfig, FamilyIndex
from nlp.reuse.issuer import identify
from nlp.reuse.ngrams import text_fingerprint
from nlp.text.tokenizer import Tokenizer, default_tokenizer

FILE = "reuse.safetensors"


def family_columns(units: Sequence[str] = BoilerplateConfig().units) -> tuple[str, ...]:
    """Names of the feature columns the group adds."""
    return ("fam_log_segments", "fam_log_docs", "fam_log_bodies", "fam_any") + tuple(f"lsl_{u}" for u in units)


class ReuseReference:
    """Near-duplicate index and boilerplate-phrase tables of a reference corpus."""

    def __init__(self, families: FamilyIndex, phrases: dict[str, PhraseTable], boilerplate: BoilerplateConfig):
        self.families = families
        self.phrases = phrases
        self.boilerplate = boilerplate

    @property
    def columns(self) -> tuple[str, ...]:
        return family_columns(tuple(self.phrases))

    @classmethod
    def from_documents(cls, documents: Sequence[Document], families: FamilyConfig = FamilyConfig(),
                       boilerplate: BoilerplateConfig = BoilerplateConfig(),
                       tokenizer: Tokenizer | None = None) -> "ReuseReference":
        tokenizer = tokenizer or default_tokenizer()
        docs = [d for d in documents if d.segments]
        for d in docs:
            if d.tokenizer_hash != tokenizer.hash:
                d.tokenize(tokenizer)
        bodies = [identify(d.text, d.meta).body or f"report:{i}" for i, d in enumerate(docs)]
        index = FamilyIndex.build([(s.text, d.text, b) for d, b in zip(docs, bodies) for s in d.segments], families)
        phrases = {}
        for unit in boilerplate.units:
            table = PhraseTable.build(unit, [(text_fingerprint(d.text),
                                              [hash_each(segment_ngrams(unit, s.text, s.tokens, boilerplate.mask_numbers))
                                               for s in d.segments]) for d in docs])
            phrases[unit] = table.pruned(max(1, boilerplate.min_docs))
        return cls(index, phrases, boilerplate)

    @classmethod
    def for_training(cls, corpus: Path | None, gold_documents: dict[str, str]) -> "ReuseReference":
        """From a corpus laid out like ``shared/corpus`` (with its metadata), else from the gold documents' texts."""
        if corpus is not None and Path(corpus).exists():
            from nlp.reuse.analysis import read_reports

            return cls.from_documents(read_reports(corpus=corpus)[0])
        return cls.from_documents([Document.from_text(t, doc_id=k) for k, t in gold_documents.items()])

    def signals(self, text: str, tokens: Sequence[str], own_doc: int | None = None) -> dict[str, float]:
        """The feature values of one segment, its own report (fingerprint ``own_doc``) left out."""
        n_segments, n_docs, n_bodies = self.families.lookup(text, own_doc)
        out = {"fam_log_segments": math.log1p(n_segments), "fam_log_docs": math.log1p(n_docs),
               "fam_log_bodies": math.log1p(n_bodies), "fam_any": float(n_segments > 0)}
        own = own_doc
        for unit, table in self.phrases.items():
            grams = hash_each(segment_ngrams(unit, text, tokens, self.boilerplate.mask_numbers))
            out[f"lsl_{unit}"] = float(table.flags(grams, self.boilerplate, own).any()) if len(grams) else 0.0
        return out

    def save(self, path: str | Path) -> None:
        from safetensors.numpy import save_file

        tensors = self.families.tensors("families")
        for unit, table in self.phrases.items():
            tensors.update(table.tensors(f"phrases.{unit}"))
        meta = {"families": self.families.metadata(),
                "boilerplate": json.dumps(self.boilerplate.to_dict())}
        save_file(tensors, str(path), metadata=meta)

    @classmethod
    def load(cls, path: str | Path) -> "ReuseReference":
        from safetensors import safe_open

        with safe_open(str(path), framework="np") as f:
            meta = f.metadata()
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        settings = json.loads(meta["boilerplate"])
        boilerplate = BoilerplateConfig(**{**settings, "units": tuple(settings["units"])})
        families = FamilyIndex.from_tensors(tensors, "families", meta["families"])
        phrases = {u: PhraseTable.from_tensors(tensors, f"phrases.{u}", u) for u in boilerplate.units}
        return cls(families, phrases, boilerplate)

"""Label sets are data: ids, names, descriptions and cue words live in a YAML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.io.resources import bundled_dirs, find_bundled



class LabelSetError(ValueError):
    """A label set file or a gold file that does not fit its label set."""


@dataclass(frozen=True)
class Label:
    id: str
    name: str = ""
    description: str = ""
    cues: tuple[str, ...] = ()
    more_cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelSet:
    name: str
    labels: tuple[Label, ...]
    description: str = ""
    boilerplate: bool = True
    path: str | None = field(default=None, compare=False)

    @property
    def ids(self) -> list[str]:
        return [label.id for label in self.labels]

    @classmethod
    def from_yaml(cls, path: str | Path) -> "LabelSet":
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise LabelSetError(f"{path}: cannot read label set: {err}") from None
        if not isinstance(data, dict) or not data.get("name") or not isinstance(data.get("labels"), list):
            raise LabelSetError(f"{path}: a label set needs 'name' and a list 'labels'")
        labels = []
        for i, item in enumerate(data["labels"]):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise LabelSetError(f"{path}: labels[{i}] needs a string 'id'")
            labels.append(Label(item["id"], item.get("name", ""), item.get("description", ""),
                                tuple(item.get("cues") or ()), tuple(item.get("more_cues") or ())))
        ids = [label.id for label in labels]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise LabelSetError(f"{path}: duplicated label ids {duplicated}")
        return cls(data["name"], tuple(labels), data.get("description", ""), bool(data.get("boilerplate", True)), str(path))

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "boilerplate": self.boilerplate,
                "labels": [{"id": l.id, "name": l.name, "description": l.description, "cues": list(l.cues),
                            "more_cues": list(l.more_cues)}
                           for l in self.labels]}

    def cue_words(self) -> dict[str, list[str]]:
        """Every cue word of every label, for taggers that use them as features."""
        return {l.id: [c.strip("…") for c in l.cues + l.more_cues if c.strip("…")] for l in self.labels}

    def check(self, themes, where: str) -> None:
        """Raise naming ``where`` if ``themes`` uses an id this label set does not define."""
        unknown = sorted(set(themes) - set(self.ids))
        if unknown:
            raise LabelSetError(f"{where}: theme ids {unknown} are not defined by label set {self.name!r} "
                                f"({self.path or 'in memory'}); defined: {', '.join(self.ids)}")


def load_labelset(name_or_path: str | Path) -> LabelSet:
    """A label set by file path, or by name from the bundled ``corpora/labelsets/``."""
    path = Path(name_or_path)
    if not path.exists():
        found = find_bundled("labelsets", f"{name_or_path}.yaml")
        if found is None:
            places = ", ".join(map(str, bundled_dirs("labelsets"))) or "no bundled label sets installed"
            raise LabelSetError(f"{name_or_path}: no such label set file (looked in {places})")
        path = found
    return LabelSet.from_yaml(path)

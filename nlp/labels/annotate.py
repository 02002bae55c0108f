"""Label Studio round trip: segments out as labelling tasks, annotations back as gold rows.

Pure data, so it is testable without a server or a model: segment rows (the ``nlp segment``
schema) in, Label Studio tasks and the labelling config out; a Label Studio JSON export in,
gold rows (docs/gold-format.md), agreement figures and the list of disputed tasks out.
Model scores for pre-annotations are computed by the caller and handed in (docs/annotate.md).

What goes to gold: a task with one annotator, or whose annotators all chose the same themes and
boilerplate flag; a task where they differ goes only once an adjudicator (a Label Studio user named
as such) has annotated it, and that annotation decides. Every other disputed task is listed for
adjudication and left out.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from nlp.labels.agreement import agreement
from nlp.labels.labelset import LabelSet

THEMES, BOILERPLATE, TEXT = "themes", "boilerplate", "text"
YES, NO = "yes", "no"
_TASK_KEYS = ("id", "doc_id", "text", "start", "end", "label_set")


class AnnotateError(ValueError):
    """Segment rows or a Label Studio export that cannot be used; the message names the file and the task."""


def labelling_config(labelset: LabelSet) -> str:
    """The Label Studio labelling config XML of a label set: the segment under its heading and the
    previous segment, themes as a multiple choice (hint: the label's name and description), and,
    when the label set has one, the boilerplate flag as a required yes/no."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$heading", size="5")
    context = ET.SubElement(view, "View", style="color: #777; font-size: 90%")
    ET.SubElement(context, "Text", name="previous", value="$previous", granularity="symbol")
    ET.SubElement(view, "Text", name=TEXT, value="$text", granularity="symbol")
    ET.SubElement(view, "Header", value="Themes (hover for the guide)", size="6")
    themes = ET.SubElement(view, "Choices", name=THEMES, toName=TEXT, choice="multiple", showInline="true")
    for label in labelset.labels:
        hint = "：".join(part for part in (label.name, label.description) if part)
        ET.SubElement(themes, "Choice", value=label.id, hint=hint or label.id)
    if labelset.boilerplate:
        ET.SubElement(view, "Header", value="Boilerplate?", size="6")
        flag = ET.SubElement(view, "Choices", name=BOILERPLATE, toName=TEXT, choice="single", required="true",
                             showInline="true")
        ET.SubElement(flag, "Choice", value=YES, hint="stock text: could be pasted unchanged into another body's "
                      "report of another year and stay true (preamble, bare headings, generic pledges, slogans)")
        ET.SubElement(flag, "Choice", value=NO, hint="carries something specific to this body or year: a count, a date, "
                      "a named document, unit or channel, a concrete measure, a particular diagnosis")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def result(themes: Iterable[str], boilerplate: bool | None, labelset: LabelSet) -> list[dict]:
    """The Label Studio ``result`` of an answer, as the generated config records it: no themes entry
    when none is chosen (as Label Studio leaves out an empty choice), the boilerplate choice when the
    label set has the flag."""
    def choices(name: str, values: list[str]) -> dict:
        return {"from_name": name, "to_name": TEXT, "type": "choices", "value": {"choices": values}}

    wanted = set(themes)
    chosen = [label for label in labelset.ids if label in wanted]
    return ([choices(THEMES, chosen)] if chosen else []) + \
        ([choices(BOILERPLATE, [YES if boilerplate else NO])] if labelset.boilerplate else [])


def prediction(scored: Mapping, labelset: LabelSet, model_version: str) -> dict:
    """A Label Studio prediction from one ``nlp tag`` row (``themes``, ``boilerplate``,
    ``boilerplate_score``, ``score_<label>``). Its ``score`` is the confidence of the least sure
    decision, max(p, 1 − p), so sorting tasks by prediction score in Label Studio puts doubtful ones first."""
    probabilities = [scored[f"score_{label}"] for label in labelset.ids]
    if labelset.boilerplate:
        probabilities.append(scored["boilerplate_score"])
    score = min((max(p, 1 - p) for p in probabilities), default=1.0)
    return {"model_version": model_version, "score": round(float(score), 4),
            "result": result(scored["themes"], scored["boilerplate"], labelset)}


def _flag(value) -> bool:
    return value in (True, 1, "True", "true", "1")


def tasks(rows: Iterable[Mapping], labelset: LabelSet, predictions: Mapping[tuple, dict] | None = None,
          where: str = "segments") -> list[dict]:
    """Label Studio tasks of segment rows, in order. Each row is numbered within its report, so its id
    is the gold id ``<doc_id>#<index>`` (rows must hold every segment of a report, as ``nlp segment``
    writes them); ``previous`` is the text of the segment before it. ``predictions`` maps
    ``(path, start, end)`` to a prediction of :func:`prediction`."""
    out: list[dict] = []
    index: Counter = Counter()
    previous: dict[str, str] = {}
    spans: set[tuple] = set()
    for number, row in enumerate(rows, start=1):
        missing = [key for key in ("doc_id", "text", "start", "end") if row.get(key) in (None, "")]
        if missing:
            raise AnnotateError(f"{where}: row {number} has no {', '.join(missing)}; expected the rows of `nlp segment`")
        doc_id = str(row["doc_id"])
        start, end = int(row["start"]), int(row["end"])
        if (doc_id, start, end) in spans:
            raise AnnotateError(f"{where}: row {number}: segment {doc_id} {start}:{end} given twice "
                                "(the same report in two inputs?)")
        spans.add((doc_id, start, end))
        data = {"id": f"{doc_id}#{index[doc_id]}", "doc_id": doc_id, "path": row.get("path") or "",
                "section": row.get("section") or "", "heading": row.get("heading") or "",
                "previous": previous.get(doc_id, ""), "text": row["text"], "start": start, "end": end,
                "is_heading": _flag(row.get("is_heading")), "label_set": labelset.name}
        index[doc_id] += 1
        previous[doc_id] = row["text"]
        task = {"data": data}
        found = (predictions or {}).get((data["path"], start, end))
        if found is not None:
            task["predictions"] = [found]
        out.append(task)
    return out


@dataclass
class Imported:
    """What an export yields: gold rows, disputed tasks, agreement per pair of annotators, counts."""

    gold: list[dict]
    disputes: list[dict]
    agreement: dict[str, dict] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def read_export(path: str | Path) -> list[dict]:
    """The tasks of a Label Studio JSON export (``GET /api/projects/{id}/export?exportType=JSON``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise AnnotateError(f"{path}: cannot read the export: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise AnnotateError(f"{path}: not a JSON file ({err}); export the project as JSON, not JSON_MIN or CSV") from None
    if not isinstance(data, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in data):
        raise AnnotateError(f"{path}: not a Label Studio JSON export (expected a list of tasks, each with 'data')")
    return data


def _answer(annotation: Mapping, labelset: LabelSet, where: str) -> dict:
    """``{"themes", "boilerplate"}`` of one annotation, checked against the label set."""
    if not isinstance(annotation.get("result"), list):
        raise AnnotateError(f"{where}: no 'result' list")
    themes: list[str] = []
    flag = None
    for item in annotation["result"]:
        name = item.get("from_name") if isinstance(item, dict) else None
        choices = (item.get("value") or {}).get("choices") if isinstance(item, dict) else None
        if name not in (THEMES, BOILERPLATE) or not isinstance(choices, list):
            raise AnnotateError(f"{where}: result {item!r} is not a choice of the config made by "
                                f"`nlp annotate export` (expected '{THEMES}' or '{BOILERPLATE}' choices)")
        if name == THEMES:
            themes = choices
        elif choices not in ([YES], [NO]):
            raise AnnotateError(f"{where}: boilerplate choice {choices!r} is not one of {YES!r}, {NO!r}")
        else:
            flag = choices == [YES]
    unknown = sorted(set(themes) - set(labelset.ids))
    if unknown:
        raise AnnotateError(f"{where}: theme ids {unknown} are not defined by label set {labelset.name!r}")
    if flag is None and labelset.boilerplate:
        raise AnnotateError(f"{where}: no boilerplate choice (the config requires one)")
    return {"themes": sorted(themes), "boilerplate": bool(flag)}


def annotator(annotation: Mapping) -> str:
    """Who made an annotation: Label Studio's ``completed_by`` (a user id; older exports give the
    user as an object, whose email is used)."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return str(who)


def _answers(task: Mapping, labelset: LabelSet, where: str) -> dict[str, dict]:
    """annotator → answer, the last one per annotator; cancelled (skipped) annotations ignored."""
    annotations = task.get("annotations")
    if not isinstance(annotations, list):
        raise AnnotateError(f"{where}: no 'annotations' list")
    done = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    done.sort(key=lambda a: (str(a.get("updated_at") or ""), a.get("id") or 0))
    return {annotator(a): _answer(a, labelset, f"{where}, annotation {a.get('id')}") for a in done}


def from_export(export: Sequence[Mapping], labelset: LabelSet, where: str = "export",
                adjudicators: Iterable[str] = ()) -> Imported:
    """Gold rows of a Label Studio export by the rule of this module's docstring, with the disputed
    tasks and Cohen's κ per label and for boilerplate for every pair of annotators (adjudicators excluded)."""
    adjudicators = set(adjudicators)
    gold, disputes = [], []
    passes: dict[str, dict[str, dict]] = {}
    counts = Counter()
    seen: set[str] = set()
    for task in export:
        data = task["data"]
        where_task = f"{where}: task {task.get('id')}"
        missing = [key for key in _TASK_KEYS if key not in data]
        if missing:
            raise AnnotateError(f"{where_task}: data has no {', '.join(missing)}; was it made by `nlp annotate export`?")
        where_task += f" ({data['id']})"
        if data["label_set"] != labelset.name:
            raise AnnotateError(f"{where_task}: made for label set {data['label_set']!r}, not {labelset.name!r}")
        if data["id"] in seen:
            raise AnnotateError(f"{where_task}: segment imported twice into the project")
        seen.add(data["id"])
        answers = _answers(task, labelset, where_task)
        decisive = {who: a for who, a in answers.items() if who in adjudicators}
        coders = {who: a for who, a in answers.items() if who not in adjudicators}
        for who, answer in coders.items():
            passes.setdefault(who, {})[data["id"]] = answer
        distinct = {json.dumps(a, sort_keys=True) for a in coders.values()}
        if decisive:
            who, answer = list(decisive.items())[-1]
            counts["adjudicated"] += 1
            gold.append(_gold_row(data, answer, who, "adjudicated" if len(distinct) > 1 else "adjudicator"))
        elif not coders:
            counts["unlabelled"] += 1
        elif len(distinct) == 1:
            counts["agreed" if len(coders) > 1 else "single"] += 1
            gold.append(_gold_row(data, next(iter(coders.values())), "+".join(sorted(coders)),
                                  "agreed" if len(coders) > 1 else "single annotator"))
        else:
            counts["disputed"] += 1
            disputes.append({"task": task.get("id"), "id": data["id"], "doc_id": data["doc_id"],
                             "heading": data.get("heading", ""), "text": data["text"],
                             "annotations": [{"annotator": who} | a for who, a in sorted(coders.items())],
                             "differ": _differences(list(coders.values()), labelset)})
    figures = {f"{a} vs {b}": agreement(passes[a], passes[b], labelset.ids)
               for a, b in combinations(sorted(passes), 2) if set(passes[a]) & set(passes[b])}
    counts["gold"] = len(gold)
    return Imported(gold, disputes, figures, dict(counts))


def _differences(answers: list[dict], labelset: LabelSet) -> list[str]:
    """The theme ids (and ``boilerplate``) on which the annotators of a task differ."""
    out = [label for label in labelset.ids if len({label in a["themes"] for a in answers}) > 1]
    return out + ([BOILERPLATE] if len({a["boilerplate"] for a in answers}) > 1 else [])


def _gold_row(data: Mapping, answer: dict, who: str, how: str) -> dict:
    return {"id": data["id"], "doc_id": data["doc_id"], "section": data.get("section", ""),
            "heading": data.get("heading", ""), "text": data["text"], "start": data["start"], "end": data["end"],
            "themes": answer["themes"], "boilerplate": answer["boilerplate"], "label_set": data["label_set"],
            "annotator": who, "label_how": how, "source": data.get("path") or None}

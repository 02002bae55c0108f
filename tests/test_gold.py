"""The gold set loads, its splits are disjoint by document, and its counts match the datasheet."""

import ast
import functools
import json
import re
from collections import Counter

import pytest

from conftest import GOLD
from nlp.labels.datasheet import readme_tables, tables
from nlp.labels.gold import GoldError, load_gold, read_documents
from nlp.labels.labelset import LabelSetError, load_labelset
from nlp.labels.splits import body_key


@functools.lru_cache(maxsize=None)
def _gold(split: str | None = None) -> tuple:
    """The gold rows (of one split), read once for the module: every check here only reads them."""
    return tuple(load_gold(GOLD, split) if split else load_gold(GOLD))


def _literal(script: str, name: str):
    """A constant of one of gold's scripts (``name = <literal>``), read without importing the script."""
    tree = ast.parse((GOLD / script).read_text(encoding="utf-8"))
    (value,) = [node.value for node in tree.body if isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == [name]]
    return ast.literal_eval(value)


# The re-reads (work/p28/, …, work/trad/, work/same_text/) in the order corpora/gold/tools/rechecks.py applies them.
RE_READS = _literal("tools/rechecks.py", "RECHECKS")


def test_every_re_read_is_applied():
    """A re-read folder with changes that rechecks.py does not list would leave gold without its changes."""
    made = {p.parent.name for p in (GOLD / "work").glob("*/changes.jsonl")}
    assert made == set(RE_READS)


def test_splits_load_and_offsets_match_documents():
    documents = read_documents(GOLD / "documents.jsonl")
    total = 0
    for split in ("train", "dev", "test"):
        segments = _gold(split)
        assert segments and all(s.split == split for s in segments)
        for s in segments:
            assert documents[s.doc_id][s.start:s.end] == s.text
        total += len(segments)
    assert total >= 1000


def test_splits_are_disjoint_by_document_and_body():
    docs = {split: {s.doc_id for s in _gold(split)} for split in ("train", "dev", "test")}
    assert not (docs["train"] & docs["dev"] or docs["train"] & docs["test"] or docs["dev"] & docs["test"])
    bodies = {split: {body_key(s.meta | {"doc_id": s.doc_id}) for s in _gold(split)} for split in docs}
    assert not (bodies["test"] & (bodies["train"] | bodies["dev"]))


def test_gold_v2_meets_the_brief():
    everything = _gold()
    assert len(everything) >= 3500 and len({s.doc_id for s in everything}) >= 450
    positives = Counter(t for s in everything for t in s.themes)
    assert all(positives[t] >= 100 for t in load_labelset("gov-disclosure-v1").ids if t != "funding"), positives
    assert positives["funding"] >= 30, positives
    assert min(Counter(s.boilerplate for s in everything).values()) >= 600
    test = _gold("test")
    assert len(test) >= 700 and len({body_key(s.meta | {"doc_id": s.doc_id}) for s in test}) >= 90
    for suffix, n in (("", 200), ("_v2", 400)):  # blind second passes over test, gold v1's and the new part
        assert len(json.load(open(GOLD / "agreement" / f"agreement{suffix}.json"))["per_label"]) == 13
        assert sum(1 for _ in open(GOLD / "agreement" / f"second_pass{suffix}.jsonl")) >= n


def test_no_two_rows_of_a_report_overlap():
    """Complement rounds (v32 on) add segments to reports already in gold: never a span gold already holds."""
    spans: dict[str, list] = {}
    for s in _gold():
        spans.setdefault(s.doc_id, []).append((s.start, s.end, s.id))
    for doc_id, rows in spans.items():
        rows.sort()
        for (_, end, first), (start, _, second) in zip(rows, rows[1:]):
            assert end <= start, (first, second)


def test_complement_round_adds_to_reports_already_in_gold():
    rows = [s for s in _gold() if s.meta.get("gold_version") == "v32"]
    earlier = {s.doc_id: s.split for s in _gold() if s.meta.get("gold_version") != "v32"}
    labelled = {json.loads(line)["id"] for batch in (GOLD / "work" / "v32").glob("batch_*.jsonl")
                for line in open(batch, encoding="utf-8")}
    assert len(labelled) >= 1000
    assert {s.id for s in rows} == {i for i in labelled if i.rsplit("#", 1)[0] not in _withdrawn()}
    assert all(earlier.get(s.doc_id) == s.split for s in rows)  # a report of its own round, on its report's side


@pytest.mark.parametrize("round_name, left_out", [("v3", {"hv-d3eb06718475"}), ("v4", {"hv-d3eb06718475"}),
                                                  ("v32", set())])
def test_gold_round_rows_carry_the_agreed_or_adjudicated_label(round_name, left_out):
    """Every row of a round: both blind passes' label where they agree, the adjudicator's where they differ
    (or, for a row re-read later, that re-read's themes or flag over exactly that label); its id
    was in a batch annotators saw, and reports left out (spam) stay out."""
    work = GOLD / "work" / round_name
    read = lambda path: {r["id"]: r for r in map(json.loads, open(path, encoding="utf-8"))}  # noqa: E731
    first, second, shown = {}, {}, set()
    for batch in work.glob("batch_*.jsonl"):
        n = batch.stem.split("_")[1]
        shown |= set(read(batch))
        first |= read(work / f"labels_{n}.jsonl")
        second |= read(work / f"second_{n}.jsonl")
    adjudicated = read(work / "adjudication.jsonl")
    reread = {}  # id → its re-reads' changes, in the order they were made
    for name in RE_READS:
        for change in _re_read_changes(name):
            reread.setdefault(change["id"], []).append(change)
    rows = [s for s in _gold() if s.meta.get("gold_version") == round_name]
    assert len(shown) >= 1000 and first.keys() == second.keys() == shown
    assert {s.id for s in rows} == {i for i in shown if i.rsplit("#", 1)[0] not in _withdrawn() | left_out}
    label = lambda r: (sorted(r["themes"]), r["boilerplate"])  # noqa: E731
    for s in rows:
        a, b = label(first[s.id]), label(second[s.id])
        labelled = a if a == b else label(adjudicated[s.id])
        for change in reread.get(s.id, ()):
            assert f"re-read under {change['case']}" in s.meta["label_how"], s.id
            if "before" in change:
                assert change["before"] == labelled[0], s.id
                labelled = (change["after"], labelled[1])
            if "boilerplate_before" in change:
                assert change["boilerplate_before"] == labelled[1], s.id
                labelled = (labelled[0], change["boilerplate_after"])
        assert (sorted(s.themes), s.boilerplate) == labelled, s.id
    assert not {s.doc_id for s in rows} & left_out


def test_datasheet_counts_match_files():
    assert readme_tables(GOLD) == tables(GOLD)


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


ROW = {"id": "d1#0", "doc_id": "d1", "section": "problems", "text": "一是队伍力量不强。", "start": 0, "end": 9,
       "themes": ["staffing"], "boilerplate": True}


def test_unknown_theme_is_refused(tmp_path):
    _write(tmp_path / "g.jsonl", [ROW | {"themes": ["staffing", "morale"]}])
    with pytest.raises(GoldError, match="morale"):
        load_gold(tmp_path / "g.jsonl")


def test_duplicate_ids_are_refused(tmp_path):
    _write(tmp_path / "g.jsonl", [ROW, ROW])
    with pytest.raises(GoldError, match="duplicate segment id 'd1#0'"):
        load_gold(tmp_path / "g.jsonl")


def test_offsets_that_do_not_match_are_refused(tmp_path):
    _write(tmp_path / "g.jsonl", [ROW | {"start": 1, "end": 10}])
    _write(tmp_path / "documents.jsonl", [{"doc_id": "d1", "text": "一是队伍力量不强。"}])
    with pytest.raises(GoldError, match="offsets 1:10"):
        load_gold(tmp_path / "g.jsonl")


def test_document_in_two_splits_is_refused(tmp_path):
    _write(tmp_path / "train.jsonl", [ROW])
    _write(tmp_path / "test.jsonl", [ROW | {"id": "d1#1"}])
    with pytest.raises(GoldError, match="both 'train' and 'test'"):
        load_gold(tmp_path)


def test_labelset_file_errors_are_clear(tmp_path):
    bad = tmp_path / "set.yaml"
    bad.write_text("name: x\nlabels:\n  - id: a\n  - id: a\n", encoding="utf-8")
    with pytest.raises(LabelSetError, match="duplicated label ids"):
        load_labelset(bad)
    assert load_labelset("gov-disclosure-v1").ids[0] == "staffing"


def _withdrawn() -> set[str]:
    return {line.split("\t")[0] for line in open(GOLD / "withdrawn.tsv", encoding="utf-8")
            if line.strip() and not line.startswith("#")}


def test_withdrawn_reports_are_out_of_gold_and_the_corpus():
    """Copies of reports whose own host is reserved for independent evaluation, or whose text a mirror altered,
    found after they were labelled."""
    withdrawn = _withdrawn()
    assert len(withdrawn) >= 11
    assert not withdrawn & {s.doc_id for s in _gold()}
    assert not withdrawn & set(json.loads((GOLD / "split.json").read_text(encoding="utf-8")))
    corpus = {json.loads(line)["id"] for line in open(GOLD.parent / "corpus" / "reports.jsonl", encoding="utf-8")}
    assert not withdrawn & corpus


def test_no_gold_or_corpus_report_carries_gambling_spam(monkeypatch):
    """Mirrors that put betting names in place of a report's words (make_batches.SPAM) are left out of the corpus
    and withdrawn from gold where they were labelled before the filter knew them: the wording is not the body's."""
    monkeypatch.syspath_prepend(str(GOLD / "tools"))
    from make_batches import SPAM

    spam = [s.id for s in _gold() if SPAM.search(s.text)]
    assert not spam, spam
    corpus = [json.loads(line) for line in open(GOLD.parent / "corpus" / "reports.jsonl", encoding="utf-8")]
    spam = [r["id"] for r in corpus if SPAM.search(r["text"])]
    assert not spam, spam


def _re_read_changes(name: str) -> list[dict]:
    return [json.loads(line) for line in open(GOLD / "work" / name / "changes.jsonl", encoding="utf-8")]


@pytest.mark.parametrize("name, case, themes, pattern, at_least", [
    ("p28", "P28", {"requests", "engagement"}, "咨询", 20),
    ("p29", "P29", {"content"}, "准确|及时|完整|全面|真实|权威|无误|时效|失实", 100),
    ("p30", "P30", {"engagement"}, "建议|提案", 40),
    ("p31", "P31", {"oversight", "awareness"}, "监督|纳入|列入", 50),
    ("p32", "P32", {"engagement", "training"}, "宣传|宣讲|宣贯", 10),
    ("p33", "P33", {"content"}, "质效", 10),
    ("p34", "P34", {"awareness"}, "作为|摆|一把手", 20),
])
def test_settled_case_re_read_changed_only_its_themes_and_is_in_gold(name, case, themes, pattern, at_least):
    """A re-read under a settled case decided only that case's themes: every change keeps the others, gives both
    readings' (or the lead's) reason, and is what gold holds now, on rows the case is about (or what a later
    re-read started from, where one changed the row again)."""
    later = {}
    for other in RE_READS[RE_READS.index(name) + 1:]:
        for c in _re_read_changes(other):
            if "before" in c:  # a later re-read of themes (P35 re-read the boilerplate flag only)
                later.setdefault(c["id"], c)
    gold = {s.id: s for s in _gold()}
    changes = _re_read_changes(name)
    assert len(changes) >= at_least
    withdrawn = _withdrawn()
    for c in changes:
        if c["id"].rsplit("#", 1)[0] in withdrawn:  # re-read, then withdrawn with its report
            continue
        moved = set(c["before"]) ^ set(c["after"])
        assert moved and moved <= themes and c["reason"] and c["case"] == case, c["id"]
        now = later[c["id"]]["before"] if c["id"] in later else sorted(gold[c["id"]].themes)
        assert now == c["after"], c["id"]
        assert re.search(pattern, gold[c["id"]].text), c["id"]


def test_traditional_script_re_read_asked_only_its_cases_questions_and_is_in_gold():
    """Rows in traditional script that the settled cases' patterns missed (work/trad/): each change moves only the
    themes (or flag) its cases ask about, on a row whose text changes when simplified, and is what gold holds now."""
    from nlp.text.script import to_simplified

    questions = _literal("work/trad/find.py", "QUESTIONS")  # the questions each case's re-read asked
    later = {c["id"]: c for c in _re_read_changes("same_text")}
    gold = {s.id: s for s in _gold()}
    changes = _re_read_changes("trad")
    assert len(changes) >= 10
    for c in changes:
        asked = set().union(*(questions[case.lower()] for case in c["case"].split("+")))
        moved = set(c.get("before", ())) ^ set(c.get("after", ()))
        if "boilerplate_after" in c:
            moved.add("boilerplate")
        assert moved and moved <= asked and c["reason"], c["id"]
        row = gold[c["id"]]
        assert to_simplified(row.text) != row.text, c["id"]
        if c["id"] not in later and "after" in c:
            assert sorted(row.themes) == c["after"], c["id"]


def test_rows_with_the_same_text_carry_the_same_labels():
    """After the same-text re-read (work/same_text/), no two gold rows with a text it read differ in themes or flag
    (later rounds can bring new such texts: work/same_text/find.py lists them)."""
    read = {json.loads(line)["text"] for path in (GOLD / "work" / "same_text").glob("reread_input*.jsonl")
            if path.with_name(path.name.replace("input", "S2")).exists()  # a pass whose readings are in
            for line in open(path, encoding="utf-8")}
    labels: dict[str, set] = {}
    for s in _gold():
        if s.text.strip() in read:
            labels.setdefault(s.text.strip(), set()).add((tuple(sorted(s.themes)), s.boilerplate))
    assert len(labels) >= 40
    conflicts = [text for text, seen in labels.items() if len(seen) > 1]
    assert not conflicts, conflicts[:5]


def test_settled_case_p35_re_read_changed_only_the_boilerplate_flag_and_is_in_gold():
    """P35 (start-date openers) decided the boilerplate flag only: every change flips it, keeps the themes, gives both
    readings' (or the lead's) reason, and is what gold holds now, on rows with a full date and a start word."""
    gold = {s.id: s for s in _gold()}
    changes = _re_read_changes("p35")
    assert len(changes) >= 5
    for c in changes:
        assert c["boilerplate_before"] != c["boilerplate_after"] and "after" not in c and c["reason"], c["id"]
        assert c["case"] == "P35" and gold[c["id"]].boilerplate == c["boilerplate_after"], c["id"]
        assert re.search(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", gold[c["id"]].text), c["id"]


@pytest.mark.parametrize("folder", ["p29_pairs", "p36"])
def test_question_re_reads_moved_only_their_questions_and_every_row_of_a_text_alike(folder):
    """Re-reads that ask one or two theme questions of each distinct text (tools/reread_input.py): every change moves
    only the themes asked about, gives a reason and is what gold holds now on them; every row of a read text answers each
    question alike (the answer was given once for all of them)."""
    inputs = [json.loads(line) for line in open(GOLD / "work" / folder / "reread_input.jsonl", encoding="utf-8")]
    gold = {s.id: s for s in _gold()}
    asked = {i: set(item["questions"]) for item in inputs for i in item["ids"]}
    changes = _re_read_changes(folder)
    assert len(changes) >= 10
    for c in changes:
        moved = set(c["before"]) ^ set(c["after"])
        assert moved and moved <= asked[c["id"]] and c["reason"], c["id"]
        # a later re-read may move other themes of the row: the asked ones are what this one left
        assert set(gold[c["id"]].themes) & asked[c["id"]] == set(c["after"]) & asked[c["id"]], c["id"]
    for item in inputs:
        rows = [gold[i] for i in item["ids"] if i in gold]
        for question in item["questions"]:
            assert len({question in r.themes for r in rows}) <= 1, (item["id"], question)

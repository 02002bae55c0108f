"""`nlp annotate`: sample reports out as Label Studio tasks, two annotators' work back as gold.

The fast test simulates Label Studio's JSON export; the slow one drives a real Label Studio server
(installed by .ci/run into .venv-labelstudio; docs/annotate.md).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from conftest import ROOT, copy_samples
from nlp.cli import app
from nlp.labels.annotate import result
from nlp.labels.labelset import load_labelset
from nlp.text.document import Document

LABELSET = ROOT / "corpora" / "labelsets" / "gov-disclosure-v1.yaml"
BOTH_DOC, ONE_DOC = "001_9042ac2a28d37d4e", "002_82da0c68b48e6d43"
runner = CliRunner()


def cli(*args: str):
    out = runner.invoke(app, [str(a) for a in args])
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Tasks and config of the five sample reports, pre-annotated by the default model."""
    folder = tmp_path_factory.mktemp("annotate")
    reports = copy_samples(folder / "reports")
    out = cli("annotate", "export", reports, "--labelset", LABELSET, "--model", "default",
              "--out", folder / "tasks.json", "--config", folder / "config.xml")
    assert out.exit_code == 0, out.output
    return folder, json.loads((folder / "tasks.json").read_text(encoding="utf-8"))


def predicted(task: dict) -> dict:
    """The model's answer of a task, read from its Label Studio prediction."""
    chosen = {r["from_name"]: r["value"]["choices"] for r in task["predictions"][0]["result"]}
    return {"themes": sorted(chosen.get("themes", [])), "boilerplate": chosen["boilerplate"] == ["yes"]}


def plan(tasks: list[dict]) -> dict:
    """Who answers what: annotators "A" and "B" label every segment of BOTH_DOC and "A" alone the first
    five of ONE_DOC, accepting the model's pre-annotation, except that B flips the boilerplate flag on two
    narrative segments and toggles `institutions` on two others."""
    both = [t for t in tasks if t["data"]["doc_id"] == BOTH_DOC]
    narrative = [t["data"]["id"] for t in both if not t["data"]["is_heading"]]
    flip, toggle = narrative[1:3], narrative[5:7]
    answers: dict[str, dict[str, dict]] = {"A": {}, "B": {}}
    for task in both + [t for t in tasks if t["data"]["doc_id"] == ONE_DOC][:5]:
        answers["A"][task["data"]["id"]] = predicted(task)
    for task in both:
        seg, answer = task["data"]["id"], dict(predicted(task))
        if seg in flip:
            answer["boilerplate"] = not answer["boilerplate"]
        if seg in toggle:
            answer["themes"] = sorted(set(answer["themes"]) ^ {"institutions"})
        answers["B"][seg] = answer
    return {"answers": answers, "disputed": sorted(flip + toggle), "flip": flip, "both": [t["data"]["id"] for t in both]}


def kappa(answers: dict, ids: list[str], pick) -> float:
    return float(cohen_kappa_score([pick(answers["A"][i]) for i in ids], [pick(answers["B"][i]) for i in ids]))


def check_gold(folder: Path, gold_path: Path, tasks: list[dict], scenario: dict, users: dict[str, str],
               adjudicated: dict[str, dict] | None = None) -> list[dict]:
    """Gold rows are exactly the agreed, single-annotator and adjudicated tasks, with the annotators'
    labels, the tasks' offsets into the reports, and the annotators' Label Studio ids."""
    adjudicated = adjudicated or {}
    answers = scenario["answers"]
    rows = {row["id"]: row for row in map(json.loads, gold_path.read_text(encoding="utf-8").splitlines())}
    expected = (set(answers["A"]) - set(scenario["disputed"])) | set(adjudicated)
    assert set(rows) == expected
    reports = {doc_id: Document.from_path(folder / "reports" / f"{doc_id}.txt").text for doc_id in (BOTH_DOC, ONE_DOC)}
    by_id = {t["data"]["id"]: t["data"] for t in tasks}
    for seg, row in rows.items():
        assert (row["start"], row["end"], row["text"]) == (by_id[seg]["start"], by_id[seg]["end"], by_id[seg]["text"])
        assert reports[row["doc_id"]][row["start"]:row["end"]] == row["text"]
        if seg in adjudicated:
            assert (row["annotator"], row["label_how"]) == (users["C"], "adjudicated")
            assert {k: row[k] for k in ("themes", "boilerplate")} == adjudicated[seg]
        elif seg in scenario["both"]:
            assert row["annotator"] == "+".join(sorted([users["A"], users["B"]])) and row["label_how"] == "agreed"
            assert {k: row[k] for k in ("themes", "boilerplate")} == answers["A"][seg] == answers["B"][seg]
        else:
            assert (row["annotator"], row["label_how"]) == (users["A"], "single annotator")
            assert {k: row[k] for k in ("themes", "boilerplate")} == answers["A"][seg]
    return list(rows.values())


def check_agreement(agreement_path: Path, scenario: dict, users: dict[str, str]) -> None:
    figures = json.loads(agreement_path.read_text(encoding="utf-8"))
    assert list(figures) == [f"{users['A']} vs {users['B']}"]
    pair = figures[f"{users['A']} vs {users['B']}"]
    ids, answers = sorted(scenario["both"]), scenario["answers"]
    assert pair["n_segments"] == len(ids)
    assert pair["boilerplate"]["kappa"] == pytest.approx(kappa(answers, ids, lambda a: a["boilerplate"]))
    assert pair["per_label"]["institutions"]["kappa"] == pytest.approx(kappa(answers, ids, lambda a: "institutions" in a["themes"]))
    assert pair["boilerplate"]["kappa"] < 1 and pair["per_label"]["institutions"]["kappa"] < 1
    assert all(v["percent_agreement"] == 1 for k, v in pair["per_label"].items() if k != "institutions")


def check_adjudication(path: Path, scenario: dict, users: dict[str, str], settled=()) -> None:
    listed = {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    assert sorted(listed) == sorted(set(scenario["disputed"]) - set(settled))
    for seg, row in listed.items():
        assert [a["annotator"] for a in row["annotations"]] == sorted([users["A"], users["B"]])
        assert row["differ"] == (["boilerplate"] if seg in scenario["flip"] else ["institutions"])


def test_export_writes_tasks_config_and_predictions(exported):
    folder, tasks = exported
    labelset = load_labelset(LABELSET)
    assert len(tasks) > 100 and len({t["data"]["doc_id"] for t in tasks}) == 5
    doc = Document.from_path(folder / "reports" / f"{BOTH_DOC}.txt")
    mine = [t["data"] for t in tasks if t["data"]["doc_id"] == BOTH_DOC]
    assert [d["id"] for d in mine] == [f"{BOTH_DOC}#{s.index}" for s in doc.segments]
    assert all(doc.text[d["start"]:d["end"]] == d["text"] for d in mine)
    assert [d["previous"] for d in mine] == [""] + [d["text"] for d in mine[:-1]]
    assert all(t["predictions"][0]["model_version"] == "default" and 0.5 <= t["predictions"][0]["score"] <= 1
               for t in tasks)
    config = (folder / "config.xml").read_text(encoding="utf-8")
    assert 'choice="multiple"' in config and config.count("<Choice ") == len(labelset.ids) + 2
    assert f'hint="{labelset.labels[0].name}：{labelset.labels[0].description}"' in config


def test_export_of_segment_file_matches_export_of_reports(exported, tmp_path):
    folder, tasks = exported
    assert cli("segment", folder / "reports", "--out", tmp_path / "seg.jsonl", "--no-progress").exit_code == 0
    out = cli("annotate", "export", tmp_path / "seg.jsonl", "--labelset", LABELSET, "--model", "default",
              "--out", tmp_path / "tasks.json")
    assert out.exit_code == 0, out.output
    assert json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8")) == tasks
    twice = cli("annotate", "export", tmp_path / "seg.jsonl", folder / "reports", "--labelset", LABELSET,
                "--out", tmp_path / "twice.json")
    assert twice.exit_code == 2 and "given twice" in twice.output


def test_simulated_export_round_trip(exported, tmp_path):
    """Import of a Label Studio export as the server writes it: ids for users, cancelled annotations,
    tasks without annotations, and an adjudicator (user 3) who settles one disputed task."""
    folder, tasks = exported
    labelset = load_labelset(LABELSET)
    scenario = plan(tasks)
    users = {"A": "1", "B": "2", "C": "3"}
    settled = {scenario["disputed"][0]: {"themes": ["content"], "boilerplate": False}}
    export = []
    for number, task in enumerate(tasks, start=1):
        seg, annotations = task["data"]["id"], []
        for who in ("A", "B"):
            if seg in scenario["answers"][who]:
                answer = scenario["answers"][who][seg]
                annotations.append({"id": len(annotations) + 10 * number, "completed_by": int(users[who]),
                                    "result": result(answer["themes"], answer["boilerplate"], labelset),
                                    "was_cancelled": False, "updated_at": f"2026-01-01T00:00:{len(annotations):02d}Z"})
        if seg in settled:
            annotations.append({"id": 1, "completed_by": 3, "result": result(["content"], False, labelset)})
        if seg == tasks[-1]["data"]["id"]:
            annotations.append({"id": 2, "completed_by": 2, "result": [], "was_cancelled": True})
        export.append({"id": number, "data": task["data"], "annotations": annotations, "predictions": [number]})
    (tmp_path / "export.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    out = cli("annotate", "import", tmp_path / "export.json", "--labelset", LABELSET, "--out", tmp_path / "gold.jsonl",
              "--adjudication", tmp_path / "adjudicate.jsonl", "--agreement", tmp_path / "agreement.json",
              "--adjudicator", "3")
    assert out.exit_code == 0, out.output
    check_gold(folder, tmp_path / "gold.jsonl", tasks, scenario, users, settled)
    check_agreement(tmp_path / "agreement.json", scenario, users)
    check_adjudication(tmp_path / "adjudicate.jsonl", scenario, users, settled)
    assert "boilerplate" in out.output and "κ" in out.output


@pytest.mark.parametrize("damage, message", [
    (lambda e: {"tasks": e}, "not a Label Studio JSON export"),
    (lambda e: [e[0] | {"data": {k: v for k, v in e[0]["data"].items() if k != "start"}}], "data has no start"),
    (lambda e: [e[0] | {"data": e[0]["data"] | {"label_set": "other"}}], "made for label set 'other'"),
    (lambda e: [e[0] | {"annotations": [{"id": 7, "completed_by": 1, "result": [
        {"from_name": "themes", "to_name": "text", "type": "choices", "value": {"choices": ["budget"]}}]}]}],
     "annotation 7: theme ids ['budget'] are not defined"),
    (lambda e: [e[0] | {"annotations": [{"id": 8, "completed_by": 1, "result": []}]}], "annotation 8: no boilerplate"),
    (lambda e: [e[0] | {"data": e[0]["data"] | {"start": e[0]["data"]["start"] + 1}}], "offsets"),
])
def test_bad_export_names_file_and_problem(exported, tmp_path, damage, message):
    folder, tasks = exported
    good = [{"id": 5, "data": tasks[0]["data"], "annotations": [
        {"id": 9, "completed_by": 1, "result": result([], True, load_labelset(LABELSET))}]}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(damage(good), ensure_ascii=False), encoding="utf-8")
    out = cli("annotate", "import", path, "--labelset", LABELSET, "--out", tmp_path / "gold.jsonl")
    assert out.exit_code == 2
    assert str(path) in out.output.replace("\n", "") and message in out.output.replace("\n", "")
    assert not (tmp_path / "gold.jsonl").exists()


# --- a real Label Studio server ---------------------------------------------------------------------

def label_studio_bin() -> str | None:
    """The server: $LABEL_STUDIO_BIN, else .venv-labelstudio (made by .ci/run), else PATH."""
    for candidate in (os.environ.get("LABEL_STUDIO_BIN"), ROOT / ".venv-labelstudio" / "bin" / "label-studio",
                      shutil.which("label-studio")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Label Studio server on a fresh data dir with users A (made by `init`, legacy tokens enabled)
    and B (made by `start` from LABEL_STUDIO_USERNAME / _PASSWORD / _USER_TOKEN)."""
    binary = label_studio_bin()
    if binary is None:
        reason = ("Label Studio server not installed: run .ci/run, or pip install label-studio==1.23.2 into "
                  ".venv-labelstudio, or set LABEL_STUDIO_BIN")
        if os.environ.get("NLP_REQUIRE_LABEL_STUDIO"):
            pytest.fail(reason)
        pytest.skip(reason)
    requests = pytest.importorskip("requests", reason="pip install -e '.[annotate]'")
    data = tmp_path_factory.mktemp("label-studio")
    env = os.environ | {"LABEL_STUDIO_BASE_DATA_DIR": str(data), "LATEST_VERSION_CHECK": "false",
                        "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": ""}
    users = {"A": ("a@example.org", "token-annotator-a"), "B": ("b@example.org", "token-annotator-b")}
    init = subprocess.run([binary, "init", "--quiet", "--username", users["A"][0], "--password", "secret-a-123",
                           "--user-token", users["A"][1], "--enable-legacy-api-token"],
                          env=env, capture_output=True, text=True, timeout=240)
    assert init.returncode == 0, f"label-studio init failed: {(init.stdout + init.stderr)[-2000:]}"
    port = free_port()
    log = open(data / "server.log", "w")
    process = subprocess.Popen([binary, "start", "--no-browser", "--port", str(port), "--internal-host", "127.0.0.1"],
                               env=env | {"LABEL_STUDIO_USERNAME": users["B"][0], "LABEL_STUDIO_PASSWORD": "secret-b-123",
                                          "LABEL_STUDIO_USER_TOKEN": users["B"][1]},
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"label-studio start exited with {process.returncode}: "
                            + (data / "server.log").read_text(errors="replace")[-2000:])
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "Label Studio did not answer /health within 120 s"
            time.sleep(0.5)
        yield url, {who: {"Authorization": f"Token {token}"} for who, (_, token) in users.items()}, \
            {who: email for who, (email, _) in users.items()}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.mark.slow
def test_round_trip_through_label_studio(exported, server, tmp_path):
    """Project from the generated config, tasks with predictions imported, two users annotate through
    the API (differing on four tasks), the JSON export comes back as gold, agreement and adjudication."""
    import requests

    url, auth, emails = server
    folder, tasks = exported
    labelset = load_labelset(LABELSET)
    config = (folder / "config.xml").read_text(encoding="utf-8")
    made = requests.post(f"{url}/api/projects/", headers=auth["A"], json={"title": "annotate round trip",
                                                                          "label_config": config}, timeout=30)
    assert made.status_code == 201, made.text  # the server accepts the generated config
    project = made.json()["id"]
    imported = requests.post(f"{url}/api/projects/{project}/import", headers=auth["A"], json=tasks, timeout=120)
    assert imported.status_code == 201, imported.text
    assert (imported.json()["task_count"], imported.json()["prediction_count"]) == (len(tasks), len(tasks))

    listed = requests.get(f"{url}/api/tasks/", headers=auth["A"], params={"project": project, "page_size": 1000},
                          timeout=60).json()["tasks"]
    task_of = {t["data"]["id"]: t["id"] for t in listed}
    scenario = plan(tasks)
    for who in ("A", "B"):
        for seg, answer in scenario["answers"][who].items():
            posted = requests.post(f"{url}/api/tasks/{task_of[seg]}/annotations/", headers=auth[who], timeout=30,
                                   json={"result": result(answer["themes"], answer["boilerplate"], labelset)})
            assert posted.status_code == 201, posted.text
    people = requests.get(f"{url}/api/users/", headers=auth["A"], timeout=30).json()
    users = {who: str(next(p["id"] for p in people if p["email"] == email)) for who, email in emails.items()}

    export = requests.get(f"{url}/api/projects/{project}/export", headers=auth["A"], params={"exportType": "JSON"},
                          timeout=120)
    assert export.status_code == 200, export.text[:500]
    (tmp_path / "export.json").write_bytes(export.content)
    assert {len(t["predictions"]) for t in export.json()} == {1}
    out = cli("annotate", "import", tmp_path / "export.json", "--labelset", LABELSET, "--out", tmp_path / "gold.jsonl",
              "--adjudication", tmp_path / "adjudicate.jsonl", "--agreement", tmp_path / "agreement.json")
    assert out.exit_code == 0, out.output
    check_gold(folder, tmp_path / "gold.jsonl", tasks, scenario, users)
    check_agreement(tmp_path / "agreement.json", scenario, users)
    check_adjudication(tmp_path / "adjudicate.jsonl", scenario, users)

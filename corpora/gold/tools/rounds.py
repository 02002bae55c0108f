"""The labelling rounds that add to gold after v2: where each round's work lives, its batch numbers, and the
reports left out of it after its batches were cut (with why); and the reports withdrawn from gold altogether
(``withdrawn.tsv``). One place, read by every round script."""

from pathlib import Path

from build_gold_v2 import GOLD, WORK  # sibling script: its folder is on the path when a round script runs


def complement_round(first_batch: int) -> dict:
    """A complement round (v32 on): about 1,000 unlabelled segments of reports already in gold, in four batches."""
    return {"batches": tuple(range(first_batch, first_batch + 4)), "excluded": {}, "complement": 1000}


ROUNDS = {
    "v3": {"batches": (15, 16, 17, 18),
           "excluded": {"hv-d3eb06718475": "injected gambling spam (www.248365365.com) inside a document title"}},
    "v4": {"batches": (19, 20, 21, 22, 23, 24, 25, 26),
           "excluded": {"hv-d3eb06718475": "left out of v3 (spam); its batch was cut again for v4 before "
                                           "make_batches skipped earlier rounds' exclusions"}},
    "v5": {"batches": (27, 28, 29, 30, 31, 32, 33, 34),
           "excluded": {
                        "hv-25c6d38e66e6": "gambling spam (德赢VWIN) substituted into the text; found in labelling",
                        "hv-820c329acac2": "gambling spam (德赢VWIN) substituted into the text; found in labelling",
                        "hv-e8e52f34fec2": "gambling spam (德赢VWIN) substituted into the text; found in labelling",
                        "hv-eb5085d41b4a": "gambling spam (德赢VWIN) substituted into the text; found in labelling",
                        "hv-917c39b2c120": "gambling spam (威廉希尔) substituted into the text; found in labelling",
                        "hv-ef862b54fbb4": "gambling spam (威廉希尔) substituted into the text; found in labelling"}},
    "v6": {"batches": (35, 36, 37, 38, 39, 40, 41, 42),
           "excluded": {}},
    "v7": {"batches": (43, 44, 45, 46),
           "excluded": {}},
    "v8": {"batches": (47, 48, 49, 50),
           "excluded": {}},
    "v9": {"batches": (51, 52, 53, 54, 55, 56, 57, 58),
           "excluded": {}},
    "v10": {"batches": (59, 60, 61, 62, 63, 64, 65, 66),
            "excluded": {}},
    "v11": {"batches": (67, 68, 69, 70, 71, 72, 73, 74),
            "excluded": {}},
    "v12": {"batches": (75, 76, 77, 78, 79, 80, 81, 82),
            "excluded": {}},
    "v13": {"batches": (83, 84),
            "excluded": {}},
    "v14": {"batches": (85, 86, 87, 88, 89, 90, 91, 92),
            "excluded": {}},
    "v15": {"batches": (93, 94, 95, 96, 97, 98, 99, 100),
            "excluded": {}},
    "v16": {"batches": (101, 102, 103, 104, 105, 106, 107, 108),
            "excluded": {}},
    "v17": {"batches": (109, 110),
            "excluded": {}},
    "v18": {"batches": (111, 112, 113, 114),
            "excluded": {"hv-5d53353164f5": "left out of the corpus after its batch was cut (a mirror of a reserved "
                                             "source); its rows were taken out of batch 111 and both passes"}},
    "v19": {"batches": (115, 116, 117, 118),
            "excluded": {}},
    "v20": {"batches": (119, 120, 121, 122),
            "excluded": {}},
    "v21": {"batches": (123, 124, 125, 126),
            "excluded": {}},
    "v22": {"batches": (127, 128, 129, 130),
            "excluded": {"hv-ad638f014334": "left out of the corpus after its batch was cut: a traditional-script copy of "
                                             "the 南昌 2010 report gold train holds (hv-ba41d4712176); an adjudicator "
                                             "recognised the text",
                         "hv-e78aca2ad9ad": "left out of the corpus after its batch was cut: a second mirror copy of "
                                             "the same page as hv-faef5e19b310 (蓬江區發展和改革局 2024)"}},
    "v23": {"batches": (131, 132),
            "excluded": {}},
    "v24": {"batches": (133, 134),
            "excluded": {}},
    "v25": {"batches": (135, 136),
            "excluded": {}},
    "v26": {"batches": (137, 138),
            "excluded": {}},
    "v27": {"batches": (139, 140, 141),
            "excluded": {}},
    "v28": {"batches": (142,),
            "excluded": {}},
    "v29": {"batches": (143, 144, 145),
            "excluded": {}},
    "v30": {"batches": (146, 147, 148, 149),
            "excluded": {}},
    "v31": {"batches": (150, 151),
            "excluded": {}},
    # the first complement round: no new report, the unlabelled narrative segments of reports in gold
    "v32": complement_round(152),
    "v33": {"batches": (156, 157),
            "excluded": {}},
    "v34": complement_round(158),
    "v35": complement_round(162),
    "v36": complement_round(166),
    "v37": complement_round(170),
    "v38": complement_round(174),
    "v39": complement_round(178),
    "v40": complement_round(182),
    "v41": complement_round(186),
    "v42": complement_round(190),
    "v43": complement_round(194),
    "v44": complement_round(198),
    "v45": {"batches": (202, 203),
            "excluded": {}},
    "v46": complement_round(204),
    "v47": complement_round(208),
    "v48": complement_round(212),
    "v49": complement_round(216),
    "v50": complement_round(220),
    "v51": complement_round(224),
    "v52": complement_round(228),
    "v53": complement_round(232),
    "v54": complement_round(236),
    "v55": complement_round(240),
    "v56": complement_round(244),
    "v57": {"batches": (248, 249),
            "excluded": {}},
    "v58": {"batches": (250, 251, 252, 253),
            "excluded": {}},
    "v59": {"batches": (254, 255, 256, 257),
            "excluded": {}},
    "v60": {"batches": (258, 259, 260, 261),
            "excluded": {}},
    "v61": {"batches": (262, 263),
            "excluded": {}},
}


def round_arg(argv: list[str]) -> tuple[str, Path, dict]:
    """The round named on the command line (``v3``, ``v4``, …): name, work folder, settings."""
    if len(argv) != 2 or argv[1] not in ROUNDS:
        raise SystemExit(f"usage: {Path(argv[0]).name} ROUND  (one of {', '.join(ROUNDS)})")
    return argv[1], WORK / argv[1], ROUNDS[argv[1]]


def withdrawn() -> dict[str, str]:
    """doc_id → why, for every report taken out of gold after it was labelled (``withdrawn.tsv``)."""
    rows = (line.rstrip("\n").split("\t") for line in open(GOLD / "withdrawn.tsv", encoding="utf-8")
            if line.strip() and not line.startswith("#"))
    return {doc_id: reason for doc_id, reason in rows}

"""Rewrite the count tables of corpora/gold/README.md (same as ``python -m nlp.labels.datasheet corpora/gold``)."""

from pathlib import Path

from nlp.labels.datasheet import write_tables

if __name__ == "__main__":
    print(write_tables(Path(__file__).resolve().parents[1]))

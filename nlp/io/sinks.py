"""Streaming row output (JSONL, CSV, Parquet) that survives being killed and can resume.

Rows are written one document at a time. After each document's rows are
flushed, a line ``{"key", "offset"}`` is appended to a progress file beside the
output, so a resumed run truncates the output to the last finished document and
skips the documents already done: a killed run never leaves a half-written row.
Parquet cannot be appended to, so its rows are spooled as JSONL and converted
when the run closes.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterable

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unsupported output format {suffix!r}; use .jsonl, .csv or .parquet")
    return FORMATS[suffix]


def _csv_value(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


class RowSink:
    """Append rows per document to ``path``; ``done`` holds the keys of finished documents."""

    def __init__(self, path: str | Path, columns: Iterable[str], resume: bool = False, meta: dict | None = None):
        self.path = Path(path)
        self.meta = meta
        self.format = output_format(self.path)
        self.columns = list(columns)
        self.data_path = self.path.with_name(self.path.name + ".partial.jsonl") if self.format == "parquet" else self.path
        self.progress_path = self.path.with_name(self.path.name + ".progress")
        self.done: set[str] = set()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.progress_path.exists():
            self._recover()
        else:
            for p in {self.data_path, self.progress_path}:
                p.unlink(missing_ok=True)
            if self.format == "parquet":
                self.path.unlink(missing_ok=True)
        self._data = open(self.data_path, "ab")
        self._progress = open(self.progress_path, "ab")
        if self.format == "csv" and self._data.tell() == 0:
            self._write(self._encode_csv([dict(zip(self.columns, self.columns))]))

    def _recover(self) -> None:
        """Keep the rows of documents whose progress line was written; cut anything after."""
        offset = 0
        with open(self.progress_path, "rb") as f:
            raw = f.read()
        good = raw[: raw.rfind(b"\n") + 1]
        for line in good.splitlines():
            entry = json.loads(line)
            self.done.add(entry["key"])
            offset = entry["offset"]
        with open(self.progress_path, "wb") as f:
            f.write(good)
        if self.data_path.exists():
            with open(self.data_path, "r+b") as f:
                f.truncate(offset)

    def _encode_csv(self, rows: list[dict]) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for row in rows:
            writer.writerow([_csv_value(row.get(c)) for c in self.columns])
        return buf.getvalue().encode("utf-8")

    def _write(self, data: bytes) -> None:
        self._data.write(data)
        self._data.flush()
        os.fsync(self._data.fileno())

    def write_document(self, key: str, rows: list[dict]) -> None:
        if self.format == "csv":
            data = self._encode_csv(rows)
        else:
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        self._write(data)
        self._progress.write((json.dumps({"key": key, "offset": self._data.tell()}, ensure_ascii=False) + "\n").encode())
        self._progress.flush()
        self.done.add(key)

    def close(self) -> None:
        """Finish the output; the progress file is removed once the output is complete."""
        self._data.close()
        self._progress.close()
        if self.format == "parquet":
            _jsonl_to_parquet(self.data_path, self.path, self.columns, self.meta)
            self.data_path.unlink()
        if self.meta is not None:
            self.meta_path.write_text(json.dumps(self.meta, ensure_ascii=False, indent=1), encoding="utf-8")
        self.progress_path.unlink(missing_ok=True)

    @property
    def meta_path(self) -> Path:
        """Sidecar with what produced the output (package version, tokenizer hash, model)."""
        return self.path.with_name(self.path.name + ".meta.json")


def _jsonl_to_parquet(src: Path, dst: Path, columns: list[str], meta: dict | None = None,
                      batch_rows: int = 50_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = dst.with_name(dst.name + ".tmp")
    writer = None
    batch: list[dict] = []

    def flush():
        nonlocal writer
        table = pa.Table.from_pylist(batch)
        if writer is None:
            schema = table.schema.with_metadata({"gov_disclosure_nlp": json.dumps(meta, ensure_ascii=False)}) if meta else table.schema
            writer = pq.ParquetWriter(tmp, schema)
        writer.write_table(table.cast(writer.schema))
        batch.clear()

    with open(src, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            batch.append({c: row.get(c) for c in columns} | {k: v for k, v in row.items() if k not in columns})
            if len(batch) >= batch_rows:
                flush()
    if batch:
        flush()
    if writer is None:
        pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), tmp)
    else:
        writer.close()
    os.replace(tmp, dst)


def read_rows(path: str | Path) -> list[dict]:
    """Read back an output file of any supported format as plain dicts."""
    fmt = output_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

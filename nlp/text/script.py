"""Traditional → simplified characters for what models read (OpenCC ``t2s``).

Models are trained on simplified text; a traditional-character copy of a report must get the
same tags. Offsets and output rows keep the original text: only the model's input is converted.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in simplified characters; unchanged when it has none to convert."""
    if text.isascii():
        return text
    return _converter().convert(text)

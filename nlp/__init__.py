"""Read, segment and tag Chinese government information-disclosure annual reports (政府信息公开工作年度报告).

Layers, each importing only from the ones before it (enforced by tests/test_architecture.py):
``text`` (read, sections, segments, tokens) → ``io`` (corpora, batch runs, sinks, row schemas) →
``labels`` (label sets, gold) → ``reuse`` (corpus reuse analytics) → ``models`` (model kinds, registry,
tagger) → ``evaluation`` → ``training`` → ``cli``.
"""

from nlp.text.document import Document
from nlp.text.reader import ReadError, read
from nlp.text.sections import Section, find_sections
from nlp.text.segments import Segment, segment
from nlp.text.tokenizer import Tokenizer

__all__ = ["Document", "ReadError", "Section", "Segment", "Tagger", "Tokenizer", "__version__", "find_sections", "load",
           "read", "segment", "to_frame"]
from nlp._version import __version__


def load(name_or_path="default", backend=None):
    """A ready :class:`~nlp.models.tagger.Tagger`: a model directory, a bundled model's name, or ``keyword``;
    ``backend`` (bert models): ``torch``, ``onnx`` or ``onnx-fp32``."""
    from nlp.models.tagger import load as _load

    return _load(name_or_path, backend=backend)


def __getattr__(name):
    # The tagging stack (scikit-learn) is imported only when asked for, so reading and
    # segmenting stay quick to start.
    if name == "Tagger":
        from nlp.models.tagger import Tagger

        return Tagger
    if name == "to_frame":
        from nlp.io.rows import to_frame

        return to_frame
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")

"""Read, segment and tag Chinese government information-disclosure annual reports (政府信息公开工作年度报告)."""

from .document import Document
from .reader import ReadError, read
from .sections import Section, find_sections
from .segments import Segment, segment
from .tokenizer import Tokenizer

__all__ = ["Document", "ReadError", "Section", "Segment", "Tagger", "Tokenizer", "find_sections", "load",
           "read", "segment", "to_frame"]
__version__ = "0.1.0"


def load(name_or_path="default", backend=None):
    """A ready :class:`~nlp.pipeline.Tagger`: a model directory, a name under ``models/``, or ``keyword``;
    ``backend`` (bert models): ``torch``, ``onnx`` or ``onnx-fp32``."""
    from .pipeline import load as _load

    return _load(name_or_path, backend=backend)


def __getattr__(name):
    # The tagging stack (scikit-learn, skops) is imported only when asked for, so reading and
    # segmenting stay quick to start.
    if name in ("Tagger", "to_frame"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")

"""Read, segment and tag Chinese government information-disclosure annual reports (政府信息公开工作年度报告)."""

from .document import Document
from .pipeline import Tagger, load, to_frame
from .reader import ReadError, read
from .sections import Section, find_sections
from .segments import Segment, segment
from .tokenizer import Tokenizer

__all__ = ["Document", "ReadError", "Section", "Segment", "Tagger", "Tokenizer", "find_sections", "load",
           "read", "segment", "to_frame"]
__version__ = "0.1.0"

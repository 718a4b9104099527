"""Text helpers shared by the parsers and lookups."""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalize_name(text):
    """The form in which two spellings of a name are compared: full-width characters made
    half-width (NFKC) and every whitespace removed, because source tables break names over
    lines ("区机关事务\\n管理中心") and pad them with ideographic spaces."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))

"""core.text.truncate_chars, behind every template's truncatechars, gives what Django's
Truncator gives, in both languages of the portal."""

import pytest
from django.template import engines
from django.utils import translation
from django.utils.html import escape
from django.utils.text import Truncator

from core.text import truncate_chars

TEXTS = [
    "",
    "短",
    "按计划推进本项工作，完成阶段任务。" * 8,
    "Water-saving district: every department reports each quarter.",
    "e\u0301" * 30,  # "é" as e + a combining accent: NFC makes one character of each
    "cafe\u0301 au lait, " * 10,  # combining characters before the cut
    "a" * 50 + "\u0301" * 5 + "b" * 50,  # combining characters that cannot be composed
    "x" * 89 + "\u0301" + "y" * 20,  # right at the cut
    "😀" * 100,
    "…" * 100,
    "line one\nline two\t" * 10,
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("text", TEXTS)
def test_the_same_cut_as_django(text, language):
    with translation.override(language):
        for length in [-1, 0, 1, 2, 3, 5, 10, 40, 88, 89, 90, 91, 120, 500]:
            assert truncate_chars(text, length) == Truncator(text).chars(length), (text, length)


def test_templates_use_it_with_djangos_behaviour():
    from core.templatetags import fast_text

    source = '{{ text|truncatechars:5 }}|{{ text|truncatechars:"x" }}|{{ n|truncatechars:2 }}'
    template = engines["django"].from_string(source)
    assert template.template.engine.template_builtins[-1] is fast_text.register  # after Django's own: it wins
    text = "<节水型社会建设>"
    with translation.override("zh-hans"):
        expected = f"{escape(Truncator(text).chars(5))}|{escape(text)}|{Truncator('12345').chars(2)}"
        assert template.render({"text": text, "n": 12345}) == expected


def test_normalize_name_removes_what_a_regular_expression_calls_whitespace():
    """``normalize_name`` removes whitespace by ``str.split()``, not ``re.sub(r"\\s+", "")``:
    the same characters, every code point checked."""
    import re
    import sys
    import unicodedata

    from core.text import normalize_name

    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert re.findall(r"\s", every) == [c for c in every if c.isspace()]
    texts = ["", None, "区城市\n管理局", "\u3000区水利局\u3000", "区 城管局\u00a0\u2028\x1c", "ＡＢＣ　区水利局",
             "e\u0301"]
    for text in texts:
        assert normalize_name(text) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))

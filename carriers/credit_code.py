"""统一社会信用代码 (GB 32100-2015): 18 characters from a 31-letter alphabet (no I, O, S,
V, Z), the last one a check character over the first seventeen."""

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {char: index for index, char in enumerate(ALPHABET)}


class InvalidCreditCode(ValueError):
    """The message says what is wrong, for the person who typed the code."""


def check_character(first17):
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code):
    """Full-width letters and digits made half-width, spaces removed, upper case."""
    return "".join(unicodedata.normalize("NFKC", code or "").split()).upper()


def validate(code):
    """The normalised code, or InvalidCreditCode naming the problem."""
    code = normalize(code)
    if len(code) != 18:
        raise InvalidCreditCode(f"统一社会信用代码应为18位，“{code}”是{len(code)}位")
    wrong = sorted({char for char in code if char not in VALUES})
    if wrong:
        raise InvalidCreditCode(f"统一社会信用代码“{code}”含有不允许的字符：{'、'.join(wrong)}（不使用I、O、S、V、Z）")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(f"统一社会信用代码“{code}”的校验位错误：第18位应为{expected}，请核对")
    return code

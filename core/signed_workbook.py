"""Templates that come back: a workbook handed out for one owner and period carries a
signed mark on a hidden sheet, so when it is uploaded again the portal knows whose it is
and whether the mark was edited. The values in it are checked again all the same."""

from django.core import signing

from .errors import FileUnreadable
from .workbook_reader import load_workbook, read_grid

META_SHEET = "_meta"


def stamp(workbook, *, salt, **fields):
    meta = workbook.create_sheet(META_SHEET)
    meta["A1"] = signing.dumps(fields, salt=salt)
    meta.sheet_state = "hidden"


def open_stamped(data, *, salt, sheet, title):
    """(workbook, the fields it was stamped with). ``sheet`` must be in it; ``title`` names
    the template in messages (“季度进展填报表”). A formula never calculated reads as its
    text, so the template's reader refuses it instead of taking it for a blank."""
    workbook = load_workbook(data, uncalculated_as_text=True)
    if sheet not in workbook.sheetnames or META_SHEET not in workbook.sheetnames:
        raise FileUnreadable(f"这不是本系统导出的{title}（缺少“{sheet}”工作表或模板标识）。请先下载{title}。")
    try:
        fields = signing.loads(read_grid(workbook[META_SHEET]).value(1, 1), salt=salt)
    except signing.BadSignature:
        raise FileUnreadable(f"{title}的模板标识被修改过或已损坏，请重新下载{title}。") from None
    return workbook, fields


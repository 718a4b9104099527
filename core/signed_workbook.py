"""Templates that come back: a workbook handed out for one owner and period carries a
signed mark on a hidden sheet, so when it is uploaded again the portal knows whose it is
and whether the mark was edited. The values in it are checked again all the same."""

from django.core import signing

from .errors import FileUnreadable
from .excel import WorkbookError, cell_text, load_workbook, read_grid

META_SHEET = "_meta"


class TemplateRefused(FileUnreadable):
    """Not a template this upload accepts; the message says why in words."""


def stamp(workbook, *, salt, **fields):
    meta = workbook.create_sheet(META_SHEET)
    meta["A1"] = signing.dumps(fields, salt=salt)
    meta.sheet_state = "hidden"


def open_stamped(data, *, salt, sheet, title):
    """(workbook, the fields it was stamped with). ``sheet`` must be in it; ``title`` names
    the template in messages (“季度进展填报表”)."""
    try:
        workbook = load_workbook(data, uncalculated_as_text=True)
    except WorkbookError as error:
        raise TemplateRefused(str(error)) from None
    if sheet not in workbook.sheetnames or META_SHEET not in workbook.sheetnames:
        raise TemplateRefused(f"这不是本系统导出的{title}（缺少“{sheet}”工作表或模板标识）。请先下载{title}。")
    try:
        fields = signing.loads(cell_text(workbook[META_SHEET]["A1"].value), salt=salt)
    except signing.BadSignature:
        raise TemplateRefused(f"{title}的模板标识被修改过或已损坏，请重新下载{title}。") from None
    return workbook, fields


def read_sheet(workbook, name):
    """The grid of the sheet ``name`` of a template, refused like the template when the sheet
    is too large to be one (the view shows a ``TemplateRefused``, not a ``WorkbookError``)."""
    try:
        return read_grid(workbook[name])
    except WorkbookError as error:
        raise TemplateRefused(str(error)) from None

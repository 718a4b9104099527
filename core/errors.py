"""The two ways an uploaded file can fail, for every import in the portal.

``FileUnreadable``: the file cannot be read as what the upload expects (not a workbook, damaged,
too large, macros, not this template, no header row). Nothing was read, nothing was written.

``ImportBlocked``: the file was read, but what it says cannot be imported as it stands (errors
by row and column, warnings nobody confirmed, a record changed since the preview). Nothing was
written; ``problems`` lists what stands in the way, ``preview`` is what was read when there is one.
"""


class FileUnreadable(ValueError):
    """The message says why, in words for the clerk who uploaded the file, and what to do."""


class ImportBlocked(ValueError):
    def __init__(self, problems=(), *, preview=None, warnings_only=False):
        self.problems = [str(problem) for problem in problems]
        self.preview = preview
        self.warnings_only = warnings_only
        super().__init__("；".join(self.problems) or "未导入任何内容。")

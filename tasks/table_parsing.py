"""Reading a task-decomposition table as governments write it. Pure: a ``SheetGrid`` in,
a tree of ``ParsedNode`` and row-numbered problems out; nothing touches the database.

What real tables do, and what this copes with:
- title and 附件 rows above the header, so the header row is searched for;
- header cells broken over lines ("牵头\\n\\n单位") and columns named many ways;
- one header cell merged over two columns (工作内容 over sub-task and work item);
- vertically merged cells and blank continuation cells for the key task and sub-task;
- a department cell merged over several work items;
- "（牵头单位：…；责任单位：…）" written at the end of the task text instead of in columns.
"""

from dataclasses import dataclass, field

from core.errors import FileUnreadable
from core.excel import column_letter
from core.text import normalize_name

from .wording import parse_target, split_circled_items, split_inline_units, split_number

HEADER_SEARCH_ROWS = 20

# Column roles by header wording, most specific first.
ROLE_WORDS = [
    ("number", ("序号", "编号")),
    ("lead", ("牵头单位", "牵头部门", "牵头")),
    ("cooperating", ("配合单位", "配合部门", "责任单位", "责任部门", "参与单位", "协办单位")),
    ("due", ("完成时限", "完成时间", "时间节点", "时限要求", "时限")),
    ("target", ("具体要求", "目标要求", "工作目标")),
    ("ignored", ("指标释义", "指标类型", "备注", "说明")),
    ("key_task", ("重点任务", "任务类别", "事项", "目标", "类别", "重点工作", "工作任务类别")),
    ("content", ("工作内容", "主要内容", "主要任务", "任务重点", "工作任务", "具体任务", "工作措施", "指标", "任务")),
]


@dataclass
class Problem:
    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self):
        where = f"“{self.sheet}”" if self.sheet else ""
        cell = f"第{self.row}行" + (f"{self.column}列" if self.column else "")
        return f"{where}{cell}：{self.message}"


@dataclass
class ParsedNode:
    level: int  # 1 key task, 2 sub-task, 3 work item
    number: str
    text: str
    row: int
    leads: str = ""  # the department cells as written; org's resolver splits them
    cooperators: str = ""
    due_text: str = ""
    target_text: str = ""
    children: list = field(default_factory=list)
    written: str = ""  # the task cell as written, number included
    # What the export needs to give the row back as written and the tree does not hold:
    # {column number as text: cell text} of the 序号 and ignored columns, "inline": the
    # "（牵头单位：…）" taken off the end of the text, "continued": [columns whose cell is
    # merged with the one above].
    cells: dict = field(default_factory=dict)

    @property
    def without_lead(self):
        """A work item no department leads yet (a table leaving the cell empty, a plan in
        prose): imported all the same, its lead is chosen on the plan's 待分配 page."""
        return self.level == 3 and not self.leads.strip()

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ParsedTable:
    sheet: str
    header_row: int = 0
    columns: dict = field(default_factory=dict)  # role -> column number (hierarchy: list)
    roots: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    layout: dict = field(default_factory=dict)  # see ``source_layout``
    # The one department column of a table without a 牵头 column (责任单位): its role is
    # asked on the preview, lead unless answered otherwise.
    single_department_column: int | None = None

    def nodes(self):
        for root in self.roots:
            yield from root.walk()

    def work_items(self):
        return [node for node in self.nodes() if node.level == 3]

    def count(self, level):
        return sum(1 for node in self.nodes() if node.level == level)


def header_role(text):
    compact = normalize_name(text)
    if not compact:
        return None
    for role, words in ROLE_WORDS:
        if any(word in compact for word in words):
            return role
    return None


def _merged_lookup(grid):
    """Cell → top-left cell of the merge containing it (for every cell of every merge)."""
    lookup = {}
    for first_row, first_col, last_row, last_col in grid.merges:
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                lookup[(row, col)] = (first_row, first_col)
    return lookup


def find_header(grid, merged):
    """(row, {column: role}) of the first row that names a task column and a department column."""
    for row in range(1, min(grid.row_count, HEADER_SEARCH_ROWS) + 1):
        roles = {}
        width = len(grid.rows[row - 1])
        for col in range(1, width + 1):
            top = merged.get((row, col), (row, col))
            text = grid.value(*top)
            role = header_role(text)
            if role is not None:
                roles[col] = role
        found = set(roles.values())
        if found & {"key_task", "content"} and found & {"lead", "cooperating"}:
            return row, roles
        if found & {"key_task", "content"} and len(found & {"number", "key_task", "content"}) >= 2:
            # A table whose units are written inline in the text has no unit columns.
            return row, roles
    raise FileUnreadable(
        "没有找到表头：前20行中没有同时包含任务列（如“重点任务”“工作内容”“主要任务”）和单位列（如“牵头单位”“责任单位”）的行"
    )


def parse_task_sheet(grid, *, split_circled=False):
    """Parse one sheet into a tree; problems are collected, not raised, so the preview can
    show them all at once. Raises ``FileUnreadable`` only when there is no table to read."""
    if not any(any(row) for row in grid.rows):
        raise FileUnreadable(f"工作表“{grid.name}”是空的")
    merged = _merged_lookup(grid)
    header_row, roles = find_header(grid, merged)
    hierarchy = [col for col in sorted(roles) if roles[col] in ("key_task", "content")]
    single = {role: col for col, role in sorted(roles.items(), reverse=True) if role not in ("key_task", "content")}
    single_department_column = None
    if "lead" not in single and "cooperating" in single:
        # One department column (武隆 附件2's 责任单位): lead unless the preview is told otherwise.
        single["lead"] = single_department_column = single.pop("cooperating")
    table = ParsedTable(sheet=grid.name, header_row=header_row, columns={"hierarchy": hierarchy, **single},
                        single_department_column=single_department_column)
    reader = _RowReader(grid, merged)

    levels = _hierarchy_levels(hierarchy)
    groups = list(zip(hierarchy[:-1], levels[:-1], strict=True))
    item_col = hierarchy[-1]
    used = set(hierarchy) | {col for role, col in single.items() if role != "ignored"}
    kept_columns = _kept_columns(grid, header_row, merged, used)
    open_nodes, carried = {}, {}
    for row in range(header_row + 1, grid.row_count + 1):
        texts = {col: reader.text(row, col) for col in hierarchy}
        if not any(texts.values()) and not any(reader.text(row, col) for col in single.values()):
            continue
        if all(header_role(text) == roles[col] for col, text in texts.items() if text):
            continue  # the header repeated after a page break
        for col, level in groups:
            if texts[col]:
                carried[col] = texts[col]
            text = carried.get(col, "")
            node = open_nodes.get(level)
            if not text or (node is not None and _same_text(node, text)):
                continue
            number, rest = split_number(text)
            node = ParsedNode(level=level, number=number, text=rest, row=row, written=text)
            parent = open_nodes.get(1) if level == 2 else None
            (parent.children if parent is not None else table.roots).append(node)
            open_nodes[level] = node
            for deeper_col, deeper_level in groups:
                if deeper_level > level:
                    open_nodes.pop(deeper_level, None)
                    if not texts[deeper_col]:
                        carried.pop(deeper_col, None)
        if not texts[item_col]:
            if any(reader.text(row, col) for col in single.values()):
                table.problems.append(Problem(row, column_letter(item_col), "工作内容为空，本行未导入", grid.name))
            continue
        parent = open_nodes.get(2) or open_nodes.get(1)
        if parent is None and levels[-1] == 3 and len(levels) > 1:
            table.problems.append(Problem(row, column_letter(item_col), "该工作内容上方没有所属的重点任务", grid.name))
            continue
        items = _work_items(reader, row, texts[item_col], single, split_circled, table)
        cells = {str(col): reader.text(row, col) for col in kept_columns}
        continued = [col for col in [*single.values(), *kept_columns] if merged.get((row, col), (row, col))[0] < row]
        for item in items:
            item.cells.update({key: text for key, text in cells.items() if text})
            if continued:
                item.cells["continued"] = continued
        for item in items:
            (parent.children if parent is not None else table.roots).append(item)
    if not table.roots:
        table.problems.append(Problem(header_row + 1, "", "表头下方没有任何任务", grid.name))
    _number_by_column(table, reader, single.get("number"))
    table.layout = source_layout(grid, header_row, merged, roles, hierarchy, levels, single)
    return table


def _kept_columns(grid, header_row, merged, used):
    """Columns of the header the tree has no field for (备注, 说明, or one it does not know):
    their cells are kept per row so the export gives them back."""
    width = _header_width(grid, header_row)
    return [col for col in range(1, width + 1)
            if col not in used and merged.get((header_row, col), (header_row, col))[1] == col
            and grid.value(header_row, col)]


def _header_width(grid, header_row):
    cells = grid.rows[header_row - 1]
    width = max((col for col, text in enumerate(cells, start=1) if text), default=0)
    for first_row, _first_col, last_row, last_col in grid.merges:
        if first_row <= header_row <= last_row and grid.value(first_row, _first_col):
            width = max(width, last_col)
    return width


def _number_by_column(table, reader, column):
    """Give the 序号 column's numbers to the level it numbers: the key tasks when it changes
    exactly where they do (a number merged over a key task's rows), else the work items."""
    if column is None:
        return
    starts = {}
    for node in table.nodes():
        top = reader.merged.get((node.row, column), (node.row, column))
        if top[0] == node.row and reader.text(node.row, column):
            starts[node.row] = reader.text(node.row, column)
    by_level = {level: [node for node in table.nodes() if node.level == level] for level in (1, 2, 3)}
    numbered = 3
    for level in (1, 2):
        rows = {node.row for node in by_level[level]}
        if rows and set(starts) == rows and {node.row for node in by_level[3]} != rows:
            numbered = level
            break
    if numbered != 3:  # merged over a key task's rows: merged again with the key task, not item by item
        for node in by_level[3]:
            if column in node.cells.get("continued", []):
                node.cells["continued"] = [col for col in node.cells["continued"] if col != column]
                if not node.cells["continued"]:
                    del node.cells["continued"]
    for node in by_level[numbered]:
        if node.row in starts and (node.level != 3 or "continued" not in node.cells
                                   or column not in node.cells["continued"]):
            # The number stays in its column: the text keeps any number of its own.
            node.number, node.text = starts[node.row], node.written
            node.cells["serial"] = True
        node.cells.pop(str(column), None)


def source_layout(grid, header_row, merged, roles, hierarchy, levels, single):
    """The table's own layout, kept so the export gives it back as written: the cells above
    the header (附件 label, title) with their merges, each header cell as written with the
    role of its column, the header's merges and the sheet name."""
    width = _header_width(grid, header_row)
    above = [{"row": row, "col": col, "text": grid.value(row, col)}
             for row in range(1, header_row) for col in range(1, len(grid.rows[row - 1]) + 1)
             if grid.value(row, col)]
    role_of = {col: ("level1", "level2", "item")[level - 1] for col, level in zip(hierarchy, levels, strict=True)}
    role_of[hierarchy[-1]] = "item"
    role_of.update({col: role for role, col in single.items() if role != "ignored"})
    columns = [{"header": grid.value(header_row, col) if merged.get((header_row, col), (header_row, col))[1] == col
                else "", "role": role_of.get(col, "kept")} for col in range(1, width + 1)]
    texts = [cell["text"] for cell in above]
    label = next((text for text in texts if text.startswith("附件")), texts[0] if len(texts) > 1 else "")
    title = max((text for text in texts if text != label), key=len, default="")
    return {
        "sheet": grid.name, "header_row": header_row, "label": label, "title": title, "above": above,
        "above_merges": [list(m) for m in grid.merges if m[2] < header_row],
        "header_merges": [list(m) for m in grid.merges if m[0] <= header_row <= m[2] and m[0] >= 1
                          and m[2] == header_row],
        "columns": columns,
    }


class _RowReader:
    """Cell text where a merged cell reads the value of its top-left cell."""

    def __init__(self, grid, merged):
        self.grid, self.merged = grid, merged

    def text(self, row, col):
        if col is None:
            return ""
        return self.grid.value(*self.merged.get((row, col), (row, col)))


def _hierarchy_levels(hierarchy):
    if not hierarchy:
        raise FileUnreadable("没有找到任务列（如“重点任务”“工作内容”“主要任务”）")
    if len(hierarchy) == 1:
        return [3]
    if len(hierarchy) == 2:
        return [1, 3]
    return [1, 2, *([3] * (len(hierarchy) - 2))]


def _same_text(node, text):
    return normalize_name(node.text) == normalize_name(split_number(text)[1])


def _work_items(reader, row, item_text, single, split_circled, table):
    """The work item(s) one row holds, with their departments, due date and target."""
    inline = split_inline_units(item_text)
    leads = reader.text(row, single.get("lead")) or inline.leads
    cooperators = reader.text(row, single.get("cooperating")) or inline.cooperators
    target_text = reader.text(row, single.get("target"))
    parts = split_circled_items(inline.text) if split_circled else [("", inline.text)]
    items = []
    for circled, part in parts:
        number, text = (circled, part) if circled else split_number(part)
        target = parse_target(target_text or text)
        items.append(
            ParsedNode(
                level=3,
                number=number,
                text=text,
                row=row,
                leads=leads.strip(),
                cooperators=cooperators.strip(),
                due_text=reader.text(row, single.get("due")),
                target_text=target_text or (target.wording if target else ""),
                written=part,
                cells={"inline": item_text.strip()[len(inline.text):]} if inline.found else {},
            )
        )
    return items

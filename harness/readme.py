"""The module's README.rst, made from its readme/*.md fragments as OCA's readme generator lays
it out (description, contents, configuration, usage, known issues, credits): ``./run readme``
writes it, ``./run readme --check`` fails when it is not up to date, and a root test keeps it so.

The fragments use a small part of Markdown (paragraphs, ``##``/``###`` headings, ``-`` and
``1.`` lists with indented continuation and nesting, pipe tables, fenced code blocks, inline
code, links, bold and italics); this converts exactly that part and refuses the rest."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "stock_accuracy"
# (fragment, section title): OCA's order.
SECTIONS = (
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
)
SUB_UNDERLINES = ("-", "~")
HEADING = re.compile(r"^(#{1,6}) (.*)$")
LIST_ITEM = re.compile(r"^(\s*)(- |\d+\. )(.*)$")


class ReadmeError(ValueError):
    pass


def inline_spans(text):
    """Code spans (which may run over a line break) and links as reStructuredText; bold and
    italics are written alike."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"``{part[1:-1]}``")
        else:
            out.append(re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", part))
    return "".join(out)


def inline(text):
    """A line's text: a bar starting a word would open a substitution reference."""
    text = text.replace("\\|", "|")
    return re.sub(r"(^|\s)\|(?=\S)", r"\1\\|", text)


def _table(rows):
    indent = " " * (len(rows[0]) - len(rows[0].lstrip()))
    cells = [[inline(cell.strip()) for cell in _split_row(row)] for row in rows]
    header, body = cells[0], cells[2:]
    out = [f"{indent}.. list-table::", f"{indent}   :header-rows: 1", ""]
    for row in [header, *body]:
        for index, cell in enumerate(row):
            out.append(f"{indent}   {'* -' if index == 0 else '  -'} {cell or '..'}")
    return [*out, ""]


def _split_row(row):
    row = row.strip()
    if not (row.startswith("|") and row.endswith("|")):
        raise ReadmeError(f"table row without its bars: {row}")
    return re.split(r"(?<!\\)\|", row[1:-1])


class _Converter:
    """One fragment's blocks, line by line; ``list_indents`` are the indents of the markers
    of the list items open at the current line."""

    def __init__(self, lines):
        self.lines = lines
        self.index = 0
        self.out = []
        self.list_indents = []
        # A fragment's top heading level is a subsection of its section, whatever its # count.
        levels = sorted({len(m.group(1)) for m in map(HEADING.match, lines) if m})
        self.underlines = dict(zip(levels, SUB_UNDERLINES, strict=False))

    def run(self):
        while self.index < len(self.lines):
            line = self.lines[self.index]
            stripped = line.strip()
            if stripped.startswith("```"):
                self.code_block(stripped[3:].strip())
            elif stripped.startswith("|"):
                self.table()
            elif HEADING.match(line):
                self.heading(HEADING.match(line))
            elif not stripped:
                self.out.append("")
                self.index += 1
            elif LIST_ITEM.match(line):
                self.list_item(LIST_ITEM.match(line))
            else:
                self.text(line)
        # One blank line at most between blocks.
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.out).strip("\n")) + "\n"

    def code_block(self, language):
        block = []
        self.index += 1
        while self.index < len(self.lines) and not self.lines[self.index].strip().startswith("```"):
            block.append(self.lines[self.index])
            self.index += 1
        if self.index == len(self.lines):
            raise ReadmeError("a code block is not closed")
        indent = " " * (self.list_indents[-1] + 2 if self.list_indents else 0)
        self.out += [f"{indent}.. code-block:: {language or 'text'}", ""]
        self.out += [f"{indent}   {code}" if code.strip() else "" for code in block]
        self.out.append("")
        self.index += 1

    def table(self):
        rows = []
        while self.index < len(self.lines) and self.lines[self.index].strip().startswith("|"):
            rows.append(self.lines[self.index])
            self.index += 1
        if len(rows) < 2 or not re.fullmatch(r"\|[\s:|-]+\|", rows[1].strip()):
            raise ReadmeError(f"a table without its header line: {rows[0]}")
        self.out += _table(rows)

    def heading(self, match):
        level = len(match.group(1))
        if level not in self.underlines:
            raise ReadmeError(f"more than {len(SUB_UNDERLINES)} heading levels: {match.group(0)}")
        title = inline(match.group(2))
        self.out += ["", title, self.underlines[level] * len(title), ""]
        self.list_indents = []
        self.index += 1

    def list_item(self, match):
        indent = len(match.group(1))
        while self.list_indents and indent < self.list_indents[-1]:
            self.list_indents.pop()
        if not self.list_indents or indent > self.list_indents[-1]:
            # A list, or a list nested in an item: reStructuredText wants a blank line.
            if self.out and self.out[-1] != "":
                self.out.append("")
            self.list_indents.append(indent)
        self.out.append(f"{match.group(1)}{match.group(2)}{inline(match.group(3))}")
        self.index += 1

    def text(self, line):
        indent = len(line) - len(line.lstrip())
        after_blank = not self.out or self.out[-1] == ""
        # A line of an item's text continues the innermost item indented less than it.
        while (
            self.list_indents and indent <= self.list_indents[-1] and (after_blank or indent == 0)
        ):
            self.list_indents.pop()
        if indent and not self.list_indents:
            raise ReadmeError(f"an indented line outside a list: {line}")
        if not indent and self.list_indents:
            raise ReadmeError(f"a list item's line not indented (lazy continuation): {line}")
        self.out.append(f"{line[:indent]}{inline(line[indent:])}")
        self.index += 1


def convert(markdown):
    """reStructuredText of a fragment (its headings below the section it goes into)."""
    # Inline spans over the text outside fenced code blocks.
    chunks = re.split(r"(^\s*```.*?^\s*```[^\n]*$)", markdown, flags=re.MULTILINE | re.DOTALL)
    markdown = "".join(
        chunk if chunk.lstrip().startswith("```") else inline_spans(chunk) for chunk in chunks
    )
    return _Converter(markdown.rstrip("\n").split("\n")).run()


def _title(text, char, overline=False):
    rule = char * len(text)
    return f"{rule}\n{text}\n{rule}\n" if overline else f"{text}\n{rule}\n"


def build(module=MODULE):
    manifest = ast.literal_eval((module / "__manifest__.py").read_text())
    readme = module / "readme"
    license_ = manifest.get("license", "LGPL-3")
    badge = license_.replace("-", "--")
    blocks = [
        _title(manifest["name"], "=", overline=True),
        (
            f".. |badge1| image:: https://img.shields.io/badge/licence-{badge}-blue.png\n"
            "    :target: http://www.gnu.org/licenses/lgpl-3.0-standalone.html\n"
            f"    :alt: License: {license_}"
        ),
        "|badge1|",
        convert((readme / "DESCRIPTION.md").read_text()),
        "**Table of contents**",
        ".. contents::\n   :local:",
    ]
    for fragment, title in SECTIONS:
        path = readme / fragment
        if path.exists():
            blocks += [_title(title, "="), convert(path.read_text())]
    blocks += [_title("Credits", "="), _title("Authors", "-")]
    blocks.append("\n".join(f"* {a.strip()}" for a in manifest.get("author", "").split(",")))
    contributors = readme / "CONTRIBUTORS.md"
    if contributors.exists():
        blocks += [_title("Contributors", "-"), convert(contributors.read_text())]
    return "\n\n".join(block.strip("\n") for block in blocks) + "\n"


def problems(text):
    """docutils' warnings and errors on ``text`` (none: it renders as written)."""
    import io

    from docutils.core import publish_doctree

    stream = io.StringIO()
    publish_doctree(
        text,
        settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5},
    )
    return stream.getvalue().strip()


def modules():
    """Every module of the suite (the folders holding a manifest)."""
    return sorted(path.parent for path in ROOT.glob("*/__manifest__.py"))


def main(check=False):
    failed = 0
    for module in modules():
        failed |= _one(module, check)
    return failed


def _one(module, check):
    text = build(module)
    issues = problems(text)
    name = module.name
    if issues:
        print(f"{name}/README.rst would not render cleanly:\n{issues}", file=sys.stderr)
        return 1
    target = module / "README.rst"
    if check:
        if not target.exists() or target.read_text() != text:
            print(
                f"{name}/README.rst is not made from readme/*.md: run ./run readme",
                file=sys.stderr,
            )
            return 1
        print(f"{name}/README.rst is up to date")
        return 0
    target.write_text(text)
    print(f"wrote {target.relative_to(ROOT)}")
    return 0

#!/usr/bin/env python3
"""Checks the code-shape limits of src/: file sizes, function lengths, one composition root.

Usage: check-code-limits.py [--report] [SOURCE_ROOT]   (SOURCE_ROOT defaults to the repository)
"""
import re
import statistics
import sys
from pathlib import Path

FILE_LIMIT = 500
FUNCTION_LIMIT = 80
LIFECYCLE = ("src/run/lifecycle.cpp", 400)
RUNNER_ROOTS = {"src/cli/app.cpp", "src/run/supervisor.cpp", "src/run/slurm_launch.cpp",
                "src/core/runner.cpp"}
# `SystemRunner(`, `SystemRunner{`, `SystemRunner name(`, `make_unique<SystemRunner>(`, and a
# static factory such as the old `SystemRunner::from_process()`.
RUNNER_BUILT = re.compile(r"(?<!\w)(?<!class )(?<!struct )SystemRunner(\s*[({]|\s+\w+\s*[({])"
                          r"|make_(?:unique|shared)\s*<\s*SystemRunner\s*>"
                          r"|(?<!\w)SystemRunner\s*::\s*from_\w+\s*\(")
UNEXPECTED_ERROR = re.compile(r"std::unexpected\([A-Za-z_0-9>.*()-]+\.error\(\)\)")
RAW_PREFIXES = {"R", "u8R", "uR", "UR", "LR"}
RAW_OPEN = re.compile(r'"([^()\\\s]{0,16})\(')


def word_before(text, i):
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_"):
        j -= 1
    return text[j:i]


def strip_code(text):
    """Blanks comments, literals and preprocessor lines, keeping every newline in place."""
    out = list(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    i, n, line_start = 0, len(text), True
    while i < n:
        c = text[i]
        if c == "\n" or c in " \t":
            line_start = line_start or c == "\n"
            i += 1
            continue
        if line_start and c == "#":  # a directive, with its backslash continuations
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            blank(i, j)
            i = j
            continue
        line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif c == '"' and word_before(text, i) in RAW_PREFIXES and RAW_OPEN.match(text, i):
            delim = RAW_OPEN.match(text, i).group(1)
            end = text.find(")" + delim + '"', i)
            j = n if end < 0 else end + len(delim) + 2
            blank(i + 1, j - 1)
            i = j
            continue
        elif c == "'" and word_before(text, i)[:1].isdigit():  # digit separator: 1'000
            i += 1
            continue
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
            continue
        else:
            i += 1
            continue
        blank(i, j)
        i = j
    return "".join(out)


def top_level(head):
    """The head with the contents of (), [] and {} removed, to look at its outer shape."""
    out, depth = [], 0
    for c in head:
        depth -= c in ")]}"
        if depth == 0:
            out.append(c)
        depth += c in "([{"
    return "".join(out)


def is_function(head):
    h = head
    if re.search(r"\)[\s\w&]*->[^()]*$", h):  # a trailing return type
        h = h[: h.rindex("->")].rstrip()
    h = re.sub(r"(\s*(\b(const|volatile|noexcept|override|final|mutable)\b|&&?))+$", "", h)
    if h.endswith(")"):
        return True
    # A constructor whose last member initializer is braced: `: m_x{x} {`.
    outer = top_level(h)
    return h.endswith("}") and re.search(r"\)\s*:(?!:)", outer) and "=" not in outer


def function_name(head):
    op = re.search(r"([\w:~]*operator\s*(\(\)|[^\s(]+))\s*\(", head)
    if op:
        return op.group(1).replace(" ", "")
    depth = 0
    for i, c in enumerate(head):  # the first `(` outside template arguments
        depth += (c == "<") - (c == ">")
        if c == "(" and depth == 0:
            name = re.search(r"[~\w][\w:~]*\s*$", head[:i])
            if name:
                return name.group(0).strip()
            break
    var = re.search(r"(\w+)\s*=", head)  # a lambda assigned to a variable
    return var.group(1) if var else "<lambda>"


def classify(head):
    """What a `{` opens at namespace or class scope: ns, class, func or data."""
    h = " ".join(head.split())
    if re.search(r"\bnamespace\b", h) or re.fullmatch(r'extern\s*"[^"]*"', h):
        return "ns", ""
    if h and is_function(h):
        return "func", function_name(h)
    if re.search(r"\benum\b", h) or "=" in top_level(h):
        return "data", ""
    cls = re.search(r"\b(?:class|struct|union)\b\s*(?:\[\[.*?\]\]\s*)?(?:alignas\(.*?\)\s*)?"
                    r"([\w:]*)", top_level(h))
    return ("class", cls.group(1)) if cls else ("data", "")


def find_functions(code):
    """(name, first line, last line) of each function in already stripped code."""
    functions, scopes, head, head_line, skip, line = [], [], [], None, None, 1
    for c in code:
        if skip:  # inside a function body or an initializer: only braces matter
            skip[1] += (c == "{") - (c == "}")
            if skip[1] == 0:
                if skip[0] == "func":
                    functions.append((skip[3], skip[2], line))
                else:
                    head.append("{}")
                skip = None
        elif c == "{":
            kind, name = classify("".join(head))
            if kind in ("ns", "class"):
                scopes.append(name if kind == "class" else None)
                head, head_line = [], None
            else:
                owners = [s for s in scopes if s]
                if kind == "func" and owners:
                    name = "::".join(owners + [name])
                skip = [kind, 1, head_line or line, name]
                if kind == "func":
                    head, head_line = [], None
        elif c == "}" or c == ";":
            if c == "}" and scopes:
                scopes.pop()
            head, head_line = [], None
        else:
            head.append(c)
            if head_line is None and not c.isspace():
                head_line = line
            if c == ":" and re.fullmatch(r"\s*(public|private|protected)\s*:", "".join(head)):
                head, head_line = [], None
        line += c == "\n"
    return functions


def scan(root):
    """Line counts, functions (file, name, line, length) and violations under root."""
    sizes, functions, violations = {}, [], []
    for path in sorted((root / "src").rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".h") or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        code = strip_code(text)
        if rel not in RUNNER_ROOTS:
            for m in RUNNER_BUILT.finditer(code):
                line = code.count("\n", 0, m.start()) + 1
                violations.append((rel, line, f"{rel}:{line}: SystemRunner constructed outside "
                                   "the composition roots (app, supervisor, slurm_launch)"))
        if path.suffix != ".cpp":
            continue
        sizes[rel] = len(text.splitlines())
        limit = LIFECYCLE[1] if rel == LIFECYCLE[0] else FILE_LIMIT
        if sizes[rel] > limit:
            violations.append((rel, 0, f"{rel}: {sizes[rel]} lines (limit {limit})"))
        for name, first, last in find_functions(code):
            length = last - first + 1
            functions.append((rel, name, first, length))
            if length > FUNCTION_LIMIT:
                violations.append((rel, first, f"{rel}:{first}: function '{name}' is {length} "
                                   f"lines (limit {FUNCTION_LIMIT})"))
    return sizes, functions, sorted(violations)


def report(root, sizes, functions):
    counts = sorted(sizes.values())
    unexpected = sum(len(UNEXPECTED_ERROR.findall(p.read_text(encoding="utf-8", errors="replace")))
                     for d in ("src", "include") for p in sorted((root / d).rglob("*"))
                     if p.is_file() and p.suffix in (".cpp", ".hpp", ".h"))
    largest = max(sizes, key=sizes.get) if sizes else "-"
    print("| measure | value |\n|---|---|")
    print(f"| .cpp files under src/ | {len(counts)} |")
    print(f"| largest file | {largest} ({max(counts, default=0)} lines) |")
    print(f"| median file | {statistics.median(counts) if counts else 0:g} lines |")
    print(f"| files over {FILE_LIMIT} lines | {sum(c > FILE_LIMIT for c in counts)} |")
    print(f"| `std::unexpected(x.error())` in src/ + include/ | {unexpected} |")
    print("\n| longest functions | lines |\n|---|---|")
    for rel, name, first, length in sorted(functions, key=lambda f: -f[3])[:10]:
        print(f"| {rel}:{first} `{name}` | {length} |")


def main(argv):
    args = [a for a in argv if a != "--report"]
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    sizes, functions, violations = scan(root)
    if "--report" in argv:
        report(root, sizes, functions)
        return 0
    for _, _, message in violations:
        print(message, file=sys.stderr)
    if violations:
        return 1
    largest = max(sizes, key=sizes.get, default="-")
    longest = max(functions, key=lambda f: f[3], default=("-", "-", 0, 0))
    print(f"code limits: {len(sizes)} files, largest {largest} {sizes.get(largest, 0)} lines, "
          f"median {statistics.median(sizes.values()) if sizes else 0:g}; "
          f"longest function {longest[0]}:{longest[1]} {longest[3]} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

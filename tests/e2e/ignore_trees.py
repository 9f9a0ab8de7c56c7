#!/usr/bin/env python3
"""Writes a random tree with ignore files, the same for the same seed and flavor.

Usage: python3 ignore_trees.py --seed N --dir OUT [--flavor gitignore|amlignore] [--count K]

With --count, the trees of seeds N to N+K-1 go to OUT/N ... OUT/N+K-1 (one process
instead of K).

The tree (directories up to 4 deep, 20-60 files, empty directories, symlinks to files of
the tree, names with spaces, a leading '#' or '!' or a trailing space) gets .gitignore
files (flavor gitignore) or .amlignore files (flavor amlignore) in the root and in nested
directories. Their lines are built mostly from names the tree holds, so that they match
often, and use every part of the gitignore syntax: wildcards, bracket classes, anchoring,
'**', directory-only patterns, negation (also of files inside an excluded directory,
which git does not re-include), escapes, comments, blank lines, trailing spaces, CRLF
line endings, a UTF-8 byte order mark. snapshot_git_test.sh compares the paths ferry
keeps with the ones git lists.

Never written: a file or directory named .git, or a name that looks like a credential
(ferry leaves those out by design; other tests cover that).
"""

import argparse
import os
import random
import re
import sys

# What names are built from: files from BASES (sometimes ODD_BASES) and EXTENSIONS,
# directories from DIR_NAMES.
BASES = ["a", "b", "c", "ab", "x1", "B", "sub", "d2", ".a"]
ODD_BASES = ["a b", "#a", "!b", "c ", "x 1 ", "é", "[x]", "q*"]
EXTENSIONS = ["", ".txt", ".log", ".py", ".md"]
DIR_NAMES = ["a", "b", "c", "sub", "d", "x1", "ab", "build", "logs", "a b", "#d", "!d", "a.txt", "e "]

# Names ferry leaves out whatever the ignore files say.
FORBIDDEN = [
    re.compile(r"^\.env$"),
    re.compile(r"^\.env\."),
    re.compile(r"\.pem$"),
    re.compile(r"\.key$"),
    re.compile(r"^id_rsa"),
    re.compile(r"^id_ed25519"),
    re.compile(r"^\.netrc$"),
    re.compile(r"^\.pgpass$"),
    re.compile(r"^credentials.*\.json$"),
    re.compile(r"^\.ssh$"),
    re.compile(r"^\.aws$"),
    re.compile(r"^id_e?dsa"),
    re.compile(r"^\.git-credentials$"),
    re.compile(r"^\.(docker|kube|azure|config|gnupg)$"),  # or hold a credential
    re.compile(r"\.(p12|pfx|jks|keystore)$"),
    re.compile(r"^\.(npmrc|pypirc)$"),
    re.compile(r"service-account.*\.json$"),
    re.compile(r"^\.git$"),
    re.compile(r"^\.(ferry|aml|git)?ignore$"),
]

MAX_DEPTH = 4


def forbidden(name):
    return any(p.search(name) for p in FORBIDDEN)


def basename(path):
    return path.rsplit("/", 1)[-1]


def depth(path):
    return 0 if path == "" else path.count("/") + 1


def join(a, b):
    return b if a == "" else a + "/" + b


class Tree:
    def __init__(self):
        self.dirs = {""}
        self.files = {}  # path -> content (bytes)
        self.links = {}  # path -> target, relative to the link's directory
        self.names = {"": set()}  # dir -> names taken in it

    def free_name(self, directory, candidates):
        for _ in range(40):
            name = candidates()
            if name not in self.names[directory] and not forbidden(name):
                return name
        return None

    def add_dir(self, directory, name):
        path = join(directory, name)
        self.names[directory].add(name)
        self.names[path] = set()
        self.dirs.add(path)
        return path

    def entries_under(self, directory):
        """(path relative to directory, kind) of everything below directory."""
        prefix = "" if directory == "" else directory + "/"
        out = []
        for kind, paths in (("dir", self.dirs), ("file", self.files), ("link", self.links)):
            for p in sorted(paths):
                if p != "" and p.startswith(prefix):
                    out.append((p[len(prefix):], kind))
        return out


def random_base(rng):
    return rng.choice(ODD_BASES) if rng.random() < 0.15 else rng.choice(BASES)


def random_file_name(rng):
    base = random_base(rng)
    ext = rng.choice(EXTENSIONS)
    if base.endswith(" ") and ext:
        base = base.rstrip(" ")
    name = base + ext
    if rng.random() < 0.04:
        name += " "  # "a.txt "
    return name


def build_tree(rng):
    tree = Tree()
    for _ in range(rng.randint(4, 12)):
        candidates = [d for d in sorted(tree.dirs) if depth(d) < MAX_DEPTH]
        where = rng.choice(candidates)
        name = tree.free_name(where, lambda: rng.choice(DIR_NAMES))
        if name:
            tree.add_dir(where, name)
    dirs = sorted(tree.dirs)
    # Some directories stay empty.
    empty = {d for d in dirs if d != "" and rng.random() < 0.15}
    holders = [d for d in dirs if d not in empty]
    for _ in range(rng.randint(20, 60)):
        where = rng.choice(holders)
        name = tree.free_name(where, lambda: random_file_name(rng))
        if not name:
            continue
        path = join(where, name)
        tree.names[where].add(name)
        size = rng.choice([0, 1, 5, 12, 40])
        tree.files[path] = ("%s\n" % path).encode()[:size] if size else b""
    files = sorted(tree.files)
    for _ in range(rng.randint(0, 4)):
        where = rng.choice(holders)
        name = tree.free_name(where, lambda: random_file_name(rng))
        if not name or not files:
            continue
        target = rng.choice(files)
        path = join(where, name)
        tree.names[where].add(name)
        tree.links[path] = os.path.relpath(target, where if where else ".")
    return tree


def escape_leading(pattern):
    """A pattern that starts with '#' or '!' needs a backslash to mean the character."""
    if pattern.startswith("#") or pattern.startswith("!"):
        return "\\" + pattern
    return pattern


def escape_trailing_spaces(pattern):
    stripped = pattern.rstrip(" ")
    return stripped + "\\ " * (len(pattern) - len(stripped))


def wildcard(rng, name):
    """name with some of it replaced by a wildcard that (mostly) still matches it."""
    out = wildcard_unescaped(rng, name)
    # Mostly the trailing spaces of the name are kept; else git strips them.
    return escape_trailing_spaces(out) if rng.random() < 0.8 else out


def wildcard_unescaped(rng, name):
    choice = rng.randrange(11)
    stem, dot, ext = name.rpartition(".")
    if choice == 0 and dot and stem:
        return "*." + ext
    if choice == 1 and dot and stem:
        return stem + ".*"
    if choice == 2 and name:
        i = rng.randrange(len(name))
        return name[:i] + "?" + name[i + 1:]
    if choice == 3:
        return name[:1] + "*"
    if choice == 4:
        return "*" + name[-2:]
    first = name[:1]
    rest = name[1:]
    if choice == 5:
        return "[a-c]" + rest
    if choice == 6:
        return "[!%s]" % rng.choice(["a", "b", "x", first or "a"]) + rest
    if choice == 7:
        return "[^%s]" % rng.choice(["a", "c", first or "a"]) + rest
    if choice == 8:
        # "x1" -> "x[[:digit:]]"
        return "".join("[[:digit:]]" if c.isdigit() else c for c in name) if any(
            c.isdigit() for c in name) else "[[:alpha:]]" + rest
    if choice == 9:
        return "[[:space:]]".join(name.split(" ")) if " " in name.strip() else "[abx]" + rest
    return "*"


def literal(name):
    """A pattern that means name exactly."""
    return escape_trailing_spaces("".join("\\" + c if c in "*?[\\" else c for c in name))


class IgnoreWriter:
    """The lines of one ignore file, in the directory `at`."""

    def __init__(self, rng, tree, at):
        self.rng = rng
        self.tree = tree
        self.at = at
        self.lines = []

    def entries(self):
        return self.tree.entries_under(self.at)

    def any_name(self):
        """Mostly the basename of something below the ignore file, sometimes of anything."""
        rng = self.rng
        below = self.entries()
        if below and rng.random() < 0.8:
            return basename(rng.choice(below)[0])
        everything = sorted(self.tree.dirs - {""}) + sorted(self.tree.files) + sorted(self.tree.links)
        return basename(rng.choice(everything)) if everything else "a"

    def below(self, kind=None, min_depth=1):
        picks = [(p, k) for p, k in self.entries() if (kind is None or k == kind) and depth(p) >= min_depth]
        return self.rng.choice(picks) if picks else None

    def maybe_wild(self, name, p=0.4):
        return wildcard(self.rng, name) if self.rng.random() < p else literal(name)

    def pattern(self):
        """One pattern (without '!'), of a random kind."""
        rng = self.rng
        kind = rng.choices(
            ["base", "wild", "anchored", "middle", "dironly", "starstar_prefix",
             "starstar_suffix", "starstar_middle", "star_all", "backslash", "escaped_space",
             "odd", "prefix_starstar"],
            [4, 4, 3, 3, 3, 1.2, 1.2, 1.2, 0.35, 0.3, 0.4, 1.2, 0.6])[0]
        if kind == "odd":
            return self.odd_pattern()
        if kind == "prefix_starstar":
            return self.prefix_starstar()
        if kind == "base":
            return escape_leading(literal(self.any_name()))
        if kind == "wild":
            return escape_leading(wildcard(rng, self.any_name()))
        if kind == "anchored":
            pick = self.below()
            if not pick:
                return "/" + literal(self.any_name())
            path, k = pick
            parts = path.split("/")
            parts[-1] = self.maybe_wild(parts[-1])
            parts[:-1] = [literal(x) for x in parts[:-1]]
            out = "/" + "/".join(parts)
            if k == "dir" and rng.random() < 0.4:
                out += "/"
            return out
        if kind == "middle":
            pick = self.below(min_depth=2)
            if not pick:
                return literal(rng.choice(DIR_NAMES)) + "/" + literal(self.any_name())
            path, k = pick
            parts = path.split("/")
            i = rng.randrange(len(parts))
            parts = [self.maybe_wild(x, 0.3) if j == i else literal(x) for j, x in enumerate(parts)]
            out = "/".join(parts)
            if k == "dir" and rng.random() < 0.3:
                out += "/"
            return escape_leading(out)
        if kind == "dironly":
            pick = self.below("dir") if rng.random() < 0.8 else self.below()
            name = basename(pick[0]) if pick else rng.choice(DIR_NAMES)
            if rng.random() < 0.25:
                return "*/" if rng.random() < 0.2 else escape_leading(wildcard(rng, name)) + "/"
            return escape_leading(literal(name)) + "/"
        if kind == "starstar_prefix":
            pick = self.below("dir") if rng.random() < 0.3 else None
            if pick:
                return "**/" + literal(basename(pick[0])) + "/"
            return "**/" + self.maybe_wild(self.any_name(), 0.3)
        if kind == "starstar_suffix":
            pick = self.below("dir")
            if not pick:
                return literal(rng.choice(DIR_NAMES)) + "/**"
            path = pick[0]
            if rng.random() < 0.5:
                path = basename(path)
            return escape_leading("/".join(literal(x) for x in path.split("/"))) + "/**"
        if kind == "starstar_middle":
            pick = self.below("dir")
            if not pick:
                return "a/**/b"
            top = pick[0]
            inside = [p for p, _ in self.tree.entries_under(join(self.at, top))]
            last = basename(rng.choice(inside)) if inside else self.any_name()
            out = "/".join(literal(x) for x in top.split("/")) + "/**/" + self.maybe_wild(last, 0.3)
            return escape_leading(out)
        if kind == "star_all":
            return rng.choice(["*", "**", "*/", "**/*", "*/*", "**/"])
        if kind == "backslash":
            # "\a" means "a".
            name = self.any_name()
            return "\\" + name[0] + literal(name[1:]) if name[0] not in "#!" else escape_leading(name)
        # kind == "escaped_space": "c\ " means "c ", and "c" does not.
        name = self.any_name().rstrip(" ")
        return escape_leading(name) + "\\ "

    def odd_pattern(self):
        """The corners of the syntax: odd brackets, '**' next to a name, a leading space,
        a trailing tab or backslash, '/' where git does not normalise it."""
        rng = self.rng
        name = self.any_name()
        rest = literal(name[1:])
        pick = self.below(min_depth=2)
        path = pick[0] if pick else "ab/b"
        top, _, last = path.rpartition("/")
        odd = [
            lambda: " " + literal(name),  # the leading space counts
            lambda: literal(name) + "\t",  # git trims spaces, not tabs
            lambda: literal(name) + "\\",  # a trailing backslash never matches
            lambda: "[a-]" + rest,
            lambda: "[-a]" + rest,
            lambda: "[c-a]" + rest,
            lambda: "[a-cx-z]" + rest,
            lambda: "[]a]" + rest,
            lambda: "[!]a]" + rest,
            lambda: "[ab" + rest,  # no closing bracket
            lambda: "[[:foo:]]" + rest,  # no such class
            lambda: "[[:%s:]]" % rng.choice(["upper", "lower", "alnum", "punct", "xdigit", "digit",
                                              "blank", "space", "alpha", "print", "graph", "cntrl"]) + rest,
            lambda: literal(top) + rng.choice(["?", "*", "[/]"]) + literal(last),  # no '/' match
            lambda: literal(name) + "**",
            lambda: "**" + literal(name),
            lambda: literal(top) + "/**" + literal(last),
            lambda: literal(top) + "**/" + literal(last),
            lambda: "/**/" + literal(last),
            lambda: literal(top) + "//" + literal(last),
            lambda: "./" + literal(name),
            lambda: "!" + literal(name),  # after a '!': the name "!name"
            lambda: "\\ ",
            lambda: "/",
            lambda: "\\" + rng.choice(["*", "?", "["]) + rest,
        ]
        return escape_leading(rng.choice(odd)()) if rng.random() < 0.7 else rng.choice(odd)()

    def prefix_starstar(self):
        """git compares the part of a pattern before its first wildcard as it is and matches
        only the rest, so a '**' right after that part crosses '/' even after a letter:
        "a**/b" matches "a/x/b", and "q/ab**/z" matches "q/ab/x/z"."""
        rng = self.rng
        pick = self.below(min_depth=2)
        path = pick[0] if pick else "ab/b"
        top, _, last = path.rpartition("/")
        cut = rng.randint(1, len(top))
        if rng.random() < 0.3 and "/" in top[:cut]:
            return escape_leading(literal(top[:cut]) + "**")
        return escape_leading(literal(top[:cut]) + "**/" + self.maybe_wild(last, 0.2))

    def add_random_line(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.07:
            self.lines.append("# " + rng.choice(["build output", "keep", "!a", "a.txt", ""]))
        elif roll < 0.11:
            self.lines.append("")
        elif roll < 0.12:
            self.lines.append(" " * rng.randint(1, 3))
        elif roll < 0.14:
            # A name that starts with '#', unescaped: a comment, so the file stays.
            self.lines.append("#" + rng.choice(["a", "a.txt", "d", "a b"]))
        elif roll < 0.37:
            self.lines.append("!" + self.pattern())
        else:
            self.lines.append(self.pattern())
        if self.lines[-1].strip() and rng.random() < 0.12:
            self.lines[-1] += " " * rng.randint(1, 3)  # unescaped: git strips them

    def add_excluded_dir_reinclusion(self):
        """Exclude a directory, then try to re-include something in it (git does not)."""
        rng = self.rng
        pick = self.below("dir")
        if not pick:
            return None
        path = pick[0]
        inside = [p for p, _ in self.tree.entries_under(join(self.at, path))]
        if rng.random() < 0.5:
            self.lines.append(escape_leading("/".join(literal(x) for x in path.split("/"))) + "/")
        else:
            self.lines.append(escape_leading(literal(basename(path))))
        if inside:
            target = rng.choice(inside)
            self.lines.append("!" + "/".join(literal(x) for x in (path + "/" + target).split("/")))
            if rng.random() < 0.5:
                self.lines.append("!" + literal(basename(target)))
        return join(self.at, path)

    def add_star_idiom(self):
        """Everything out, every directory back in, then one kind of file back in."""
        rng = self.rng
        self.lines.append(rng.choice(["*", "/*", "**"]))
        if rng.random() < 0.8:
            self.lines.append("!*/")
        self.lines.append("!" + rng.choice(["*.txt", "*.py", "*.md", "a*", ".*"]))

    def render(self):
        rng = self.rng
        crlf = rng.random()
        out = []
        for line in self.lines:
            if crlf < 0.2 or (crlf < 0.3 and rng.random() < 0.5):
                out.append(line + "\r\n")
            else:
                out.append(line + "\n")
        text = "".join(out)
        if rng.random() < 0.15:
            text = text.rstrip("\r\n")  # no newline after the last line
        if rng.random() < 0.05:
            text = "\ufeff" + text  # a UTF-8 byte order mark, which git skips
        return text.encode()


def build_ignores(rng, tree, flavor):
    name = ".gitignore" if flavor == "gitignore" else ".amlignore"
    dirs = sorted(tree.dirs)
    chosen = set()
    if rng.random() < 0.85:
        chosen.add("")
    nested = [d for d in dirs if d != ""]
    for d in rng.sample(nested, min(len(nested), rng.randint(0, 4))):
        chosen.add(d)
    if not chosen:
        chosen.add("")
    writers = {d: IgnoreWriter(rng, tree, d) for d in sorted(chosen)}
    for d in sorted(writers):
        w = writers[d]
        if rng.random() < 0.12:
            w.add_star_idiom()
        for _ in range(rng.randint(2, 7)):
            w.add_random_line()
        if rng.random() < 0.35:
            excluded = w.add_excluded_dir_reinclusion()
            # An ignore file inside the excluded directory is never read.
            if excluded is not None and rng.random() < 0.5:
                inner = writers.get(excluded)
                if inner is None:
                    inner = writers[excluded] = IgnoreWriter(rng, tree, excluded)
                inner.lines.append(rng.choice(["!*", "!*.txt", "!/*"]))
        if rng.random() < 0.2:
            rng.shuffle(w.lines)
    return {join(d, name): w.render() for d, w in sorted(writers.items())}


def write(tree, ignores, root):
    os.makedirs(root, exist_ok=True)
    for d in sorted(tree.dirs):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for path, content in sorted(tree.files.items()):
        with open(os.path.join(root, path), "wb") as f:
            f.write(content)
        if path.endswith(".py") and len(content) % 2:
            os.chmod(os.path.join(root, path), 0o755)
    for path, target in sorted(tree.links.items()):
        os.symlink(target, os.path.join(root, path))
    for path, content in sorted(ignores.items()):
        with open(os.path.join(root, path), "wb") as f:
            f.write(content)


def generate(seed, flavor, root):
    if os.path.exists(root) and os.listdir(root):
        sys.exit("ignore_trees.py: %s is not empty" % root)
    # A string seed is hashed the same way by every Python 3.
    rng = random.Random("%s-%d" % (flavor, seed))
    tree = build_tree(rng)
    ignores = build_ignores(rng, tree, flavor)
    for path in list(tree.dirs) + list(tree.files) + list(tree.links):
        assert not any(forbidden(part) for part in path.split("/") if part), path
    write(tree, ignores, root)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--dir", required=True, help="where to write the tree (created)")
    parser.add_argument("--flavor", choices=["gitignore", "amlignore"], default="gitignore")
    parser.add_argument("--count", type=int, help="write K trees, into DIR/SEED each")
    args = parser.parse_args()
    if args.count is None:
        generate(args.seed, args.flavor, args.dir)
    else:
        for seed in range(args.seed, args.seed + args.count):
            generate(seed, args.flavor, os.path.join(args.dir, str(seed)))


if __name__ == "__main__":
    main()

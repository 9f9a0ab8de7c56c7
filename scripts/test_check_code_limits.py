"""Self-test of check-code-limits.py on synthetic C++: python3 -m unittest scripts/test_check_code_limits.py"""
import contextlib
import importlib.util
import io
import tempfile
import unittest
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "check_code_limits", Path(__file__).resolve().parent / "check-code-limits.py")
ccl = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ccl)


def lengths(source):
    """{name: length} of the functions found in a C++ snippet."""
    return {name: last - first + 1
            for name, first, last in ccl.find_functions(ccl.strip_code(source))}


class FunctionLengths(unittest.TestCase):
    def test_lambda_counts_toward_its_function(self):
        src = ("namespace ferry {\n"
               "int f(int x) {\n"
               "    auto g = [&](int y) {\n"
               "        return x + y;\n"
               "    };\n"
               "    return g(1);\n"
               "}\n"
               "}  // namespace ferry\n")
        self.assertEqual(lengths(src), {"f": 6})

    def test_braces_in_strings_chars_and_comments(self):
        src = ('void f() {\n'
               '    // a comment with { an open brace\n'
               '    const char* s = "}}} \\" {";\n'
               '    /* block { comment\n'
               '       } still */\n'
               "    char c = '{';\n"
               "    char d = '\\'';\n"
               "    long n = 1'000'000;\n"
               '}\n'
               'void g() {}\n')
        self.assertEqual(lengths(src), {"f": 9, "g": 1})

    def test_raw_string_with_braces(self):
        src = ('std::string h() {\n'
               '    return R"x({"a": "}", ")" : 1})x" + std::string(R"({)");\n'
               '}\n'
               'int k() { return 0; }\n')
        self.assertEqual(lengths(src), {"h": 3, "k": 1})

    def test_initializers_are_not_functions(self):
        src = ("constexpr std::array<std::pair<int, const char*>, 2> k_names = {{\n"
               '    {1, "one"},\n'
               '    {2, "two"},\n'
               "}};\n"
               "const Foo k_foo{make(1), 2};\n"
               "enum class Mode { fast, slow };\n"
               "struct Point { int x; int y; };\n"
               "int after() {\n"
               "    return 1;\n"
               "}\n")
        self.assertEqual(lengths(src), {"after": 3})

    def test_multi_line_signature(self):
        src = ("#include <map>\n"
               "template <typename T>\n"
               "Result<std::map<std::string, T>> load_all(const fs::path& directory,\n"
               "                                          const Options& options,\n"
               "                                          int depth) const {\n"
               "    return {};\n"
               "}\n")
        self.assertEqual(lengths(src), {"load_all": 6})

    def test_member_functions_in_a_class(self):
        src = ("namespace {\n"
               "class Walker {\n"
               "public:\n"
               "    explicit Walker(int n) : m_n{n}, m_v(n) {}\n"
               "    [[nodiscard]] int size() const { return m_n; }\n"
               "    void run() {\n"
               "        for (int i = 0; i < m_n; ++i) {\n"
               "            step(i);\n"
               "        }\n"
               "    }\n"
               "\n"
               "private:\n"
               "    int m_n{0};\n"
               "    std::vector<int> m_v = {1, 2};\n"
               "};\n"
               "}  // namespace\n")
        self.assertEqual(lengths(src), {"Walker::Walker": 1, "Walker::size": 1, "Walker::run": 5})

    def test_constructor_with_braced_initializers_and_operators(self):
        src = ("Foo::Foo(int x)\n"
               "    : m_x{x},\n"
               "      m_y(x) {\n"
               "    start();\n"
               "}\n"
               "Foo& Foo::operator=(Foo&& other) noexcept {\n"
               "    return *this;\n"
               "}\n"
               "auto Foo::size() const -> std::size_t {\n"
               "    return 0;\n"
               "}\n"
               'extern "C" void on_signal(int) {\n'
               "}\n")
        self.assertEqual(lengths(src), {"Foo::Foo": 5, "Foo::operator=": 3, "Foo::size": 3,
                                        "on_signal": 2})


class Violations(unittest.TestCase):
    def check(self, files):
        with tempfile.TemporaryDirectory() as root:
            for rel, text in files.items():
                (Path(root) / rel).parent.mkdir(parents=True, exist_ok=True)
                (Path(root) / rel).write_text(text)
            err, out = io.StringIO(), io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = ccl.main([root])
            return code, err.getvalue().splitlines(), out.getvalue()

    def test_clean_tree_prints_a_summary(self):
        code, errors, out = self.check({"src/a.cpp": "int f() {\n    return 1;\n}\n"})
        self.assertEqual((code, errors), (0, []))
        self.assertIn("longest function src/a.cpp:f 3 lines", out)

    def test_each_limit(self):
        long_body = "void big() {\n" + "    step();\n" * 80 + "}\n"
        code, errors, _ = self.check({
            "src/run/lifecycle.cpp": "\n" * 401,
            "src/x.cpp": "\n" * 501,
            "src/y.cpp": "\n" + long_body,
            "src/cli/verbs.cpp": ("void f(const SystemRunner& r);\n"
                                  "void g() { SystemRunner runner(env); }\n"
                                  "// SystemRunner(env) in a comment\n"
                                  "auto h() { return SystemRunner{env}; }\n"),
            "src/cli/app.cpp": "void main_() { SystemRunner runner(env); }\n",
            "src/core/runner.cpp": "int SystemRunner::variable(int x) { return x; }\n",
        })
        self.assertEqual(code, 1)
        self.assertEqual(errors, [
            "src/cli/verbs.cpp:2: SystemRunner constructed outside the composition roots "
            "(app, supervisor, slurm_launch)",
            "src/cli/verbs.cpp:4: SystemRunner constructed outside the composition roots "
            "(app, supervisor, slurm_launch)",
            "src/run/lifecycle.cpp: 401 lines (limit 400)",
            "src/x.cpp: 501 lines (limit 500)",
            "src/y.cpp:2: function 'big' is 82 lines (limit 80)",
        ])


if __name__ == "__main__":
    unittest.main()

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ferry/core/error.hpp"

namespace ferry::spec {

// One problem of a spec file. line/column are 1-based; 0 means "no position in the file"
// (then `origin` may name a pseudo-position such as "--set limits.timeout=abc").
struct Diagnostic {
    int line = 0;
    int column = 0;
    std::string origin;
    std::string message;
};

// All problems of one file, collected so they are reported at once.
class Diagnostics {
public:
    explicit Diagnostics(std::string file = {}) : m_file(std::move(file)) {}

    // At a yaml-cpp mark (0-based); a null mark gives a diagnostic without position.
    void add(const YAML::Mark& mark, std::string message);
    void add_at(int line, int column, std::string message);
    // At a pseudo-position that is not in the file, e.g. "--set key=value".
    void add_origin(std::string origin, std::string message);
    // Diagnostics at `mark` from now on are at `origin`: a value a --set replaced keeps the
    // position of the one in the file, which is not where the mistake is.
    void redirect(const YAML::Mark& mark, std::string origin);

    // Not a problem, but worth saying: a key ferry accepts and ignores, at `mark`.
    void note(const YAML::Mark& mark, std::string message);
    [[nodiscard]] const std::vector<Diagnostic>& notes() const { return m_notes; }

    [[nodiscard]] bool empty() const { return m_items.empty(); }
    [[nodiscard]] std::size_t size() const { return m_items.size(); }
    [[nodiscard]] const std::vector<Diagnostic>& items() const { return m_items; }
    [[nodiscard]] const std::string& file() const { return m_file; }

private:
    std::string m_file;
    std::vector<Diagnostic> m_items;
    std::vector<Diagnostic> m_notes;
    std::vector<std::pair<int, std::string>> m_redirects;  // by position in the file
};

// Renders every diagnostic, sorted by position, as
//   FILE:LINE:COL: message
//     <the source line>
//     <spaces>^
// Diagnostics without a position render as "ORIGIN: message" (or "FILE: message").
[[nodiscard]] std::string render(const Diagnostics& diagnostics, std::string_view source_text);

// "FILE:LINE:COL: " (or "FILE: " without a position): where a note is.
[[nodiscard]] std::string place_of(std::string_view file, const Diagnostic& note);

// The errors --strict makes of notes "ignored: KEY (WHY)": "not supported by ferry: KEY
// (WHY); without --strict it is ignored with a note", each at its note's place.
[[nodiscard]] Diagnostics strict_errors(std::string file, const std::vector<Diagnostic>& ignored);

// A usage error (exit code 2) whose message is the rendered diagnostics, without the final
// newline, for a caller that reports failures as one Error.
[[nodiscard]] Error to_error(const Diagnostics& diagnostics, std::string_view source_text);

}  // namespace ferry::spec

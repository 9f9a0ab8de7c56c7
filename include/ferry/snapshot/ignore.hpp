#pragma once

#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Git's ignore rules, exactly: one list per directory, deeper lists first, the last
// matching line of a list wins, and nothing below an excluded directory comes back.
namespace ferry::snapshot {

// The ignore files of a directory, read into one list, lowest precedence first: its
// .gitignore, unless a .ferryignore or .amlignore replaces it (Azure ML's behaviour); then
// .ignore (ripgrep's convention); then that .ferryignore (else .amlignore). A matching line
// of a later file beats every line of an earlier one.
inline constexpr std::string_view k_ignore_files[] = {".ferryignore", ".amlignore", ".gitignore",
                                                      ".ignore"};

struct IgnoreRule {
    std::string pattern;  // without '!', trailing '/' or leading '/'
    std::string line;     // the line as written, trailing spaces trimmed
    std::string source;   // the ignore file, relative to the snapshot root
    int line_number = 0;
    // Like git, a path rule compares the text before its first wildcard literally and globs
    // only the rest, so in "a**/b" the "**" starts the glob and spans directories.
    std::size_t literal_prefix = 0;
    bool negative = false;
    bool directory_only = false;
    bool basename_only = false;  // no slash: matches the name at any depth below the file
    // Shortcuts for the commonest basename rules: "name" and "*.ext".
    enum class Shape { glob, literal, suffix } shape = Shape::glob;
    bool credential = false;  // one of the built-in credential rules
};

// What looks like a credential, the one table of it (man ferry-run lists the same): gitignore
// patterns, read as if every one stood in each directory, that leave files out, or the
// directories whose pattern ends in '/'. Only '*' and '?' wildcards.
inline constexpr std::string_view k_credential_patterns[] = {".env",
                                                             ".env.*",
                                                             "*.pem",
                                                             "*.key",
                                                             "id_rsa*",
                                                             "id_ed25519*",
                                                             ".netrc",
                                                             ".pgpass",
                                                             "credentials*.json",
                                                             ".ssh/",
                                                             ".aws/",
                                                             "id_ecdsa*",
                                                             "id_dsa*",
                                                             ".git-credentials",
                                                             ".docker/config.json",
                                                             ".kube/config",
                                                             ".azure/",
                                                             ".config/gcloud/",
                                                             ".gnupg/",
                                                             "*.p12",
                                                             "*.pfx",
                                                             "*.jks",
                                                             "*.keystore",
                                                             ".npmrc",
                                                             ".pypirc",
                                                             "*service-account*.json"};

static_assert(std::size(k_credential_patterns) <= 64, "the credential shortcut has a bit a rule");

// The rules of one ignore file; `base` is its directory relative to the root ("" at the top).
struct IgnoreList {
    std::string base;
    std::vector<IgnoreRule> rules;
};

// Parses an ignore file's text as git does: comments, blank lines, trailing spaces unless
// escaped, CRLF, a UTF-8 byte order mark.
[[nodiscard]] IgnoreList parse_ignore_file(std::string_view text, std::string source,
                                           std::string base);

// Whether a rule matches `path` (relative to the root) in a list based at `base`.
[[nodiscard]] bool rule_matches(const IgnoreRule& rule, std::string_view base,
                                std::string_view path, bool is_directory);

// The built-in rules that leave credentials out unless an ignore file says `!`, in the
// order of k_credential_patterns. Like `.ssh/`, a pattern with a '/' matches at any depth.
[[nodiscard]] const IgnoreList& credential_rules();

// The ignore lists in force in one directory of a walk. Copies share their lists, so each
// directory of a parallel walk can hold its own stack cheaply.
class IgnoreStack {
public:
    void push(IgnoreList list) {
        m_top = std::make_shared<const Node>(Node{std::move(list), std::move(m_top)});
    }
    void pop() { m_top = m_top->parent; }

    // The rule that decides `path`: the user's lists deepest first, then the credential
    // rules; none when nothing matches (the path is included).
    [[nodiscard]] const IgnoreRule* decide(std::string_view path, bool is_directory) const;

private:
    struct Node {
        IgnoreList list;
        std::shared_ptr<const Node> parent;
    };
    std::shared_ptr<const Node> m_top;
};

}  // namespace ferry::snapshot

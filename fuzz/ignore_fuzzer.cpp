// libFuzzer target for the snapshot parsers of user input: ignore files, git's wildmatch
// and manifests. Input layout: an ignore file's text, optionally followed by a line
// "#--paths" and one path per line (a trailing '/' makes it a directory). The whole input
// is also parsed as a manifest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/snapshot/ignore.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/util/wildmatch.hpp"

namespace {

constexpr std::string_view k_paths_marker = "\n#--paths\n";

struct Path {
    std::string path;
    bool is_directory = false;
};

std::vector<Path> split_paths(std::string_view text) {
    std::vector<Path> paths;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        Path path;
        if (line.ends_with('/')) {
            path.is_directory = true;
            line.remove_suffix(1);
        }
        if (!line.empty()) {
            path.path = std::string(line);
            paths.push_back(std::move(path));
        }
    }
    return paths;
}

// What IgnoreStack::decide must return: the last matching rule of the deepest list that
// has one, else the first matching credential rule.
const ferry::snapshot::IgnoreRule* expected_decision(
    const std::vector<ferry::snapshot::IgnoreList>& lists, const Path& path) {
    using namespace ferry::snapshot;
    for (auto list = lists.rbegin(); list != lists.rend(); ++list) {
        for (auto rule = list->rules.rbegin(); rule != list->rules.rend(); ++rule) {
            if (rule_matches(*rule, list->base, path.path, path.is_directory)) {
                return &*rule;
            }
        }
    }
    for (const auto& rule : credential_rules().rules) {
        if (rule_matches(rule, "", path.path, path.is_directory)) {
            return &rule;
        }
    }
    return nullptr;
}

bool same_rule(const ferry::snapshot::IgnoreRule& a, const ferry::snapshot::IgnoreRule& b) {
    return a.line == b.line && a.pattern == b.pattern && a.source == b.source &&
           a.line_number == b.line_number && a.negative == b.negative &&
           a.directory_only == b.directory_only && a.basename_only == b.basename_only &&
           a.credential == b.credential;
}

void check_ignore(std::string_view text, const std::vector<Path>& paths) {
    using namespace ferry::snapshot;
    using ferry::util::wildmatch;
    using ferry::util::WildPathname;
    std::vector<IgnoreList> lists;
    IgnoreStack stack;
    for (const char* base : {"", "sub"}) {
        lists.push_back(parse_ignore_file(text, ".gitignore", base));
        if (lists.back().base != base) {
            std::abort();
        }
        stack.push(lists.back());
    }
    // The base changes only where a rule applies, not how the file is read.
    if (lists[0].rules.size() != lists[1].rules.size()) {
        std::abort();
    }
    for (std::size_t i = 0; i < lists[0].rules.size(); ++i) {
        const IgnoreRule& rule = lists[0].rules[i];
        if (!same_rule(rule, lists[1].rules[i]) || rule.line.empty() ||
            rule.source != ".gitignore" || rule.line_number < 1 || rule.credential) {
            std::abort();
        }
        for (const auto& path : paths) {
            for (const auto& list : lists) {
                static_cast<void>(rule_matches(rule, list.base, path.path, path.is_directory));
            }
            for (auto mode : {WildPathname::yes, WildPathname::no}) {
                static_cast<void>(wildmatch(rule.line, path.path, mode));
                static_cast<void>(wildmatch(rule.pattern, path.path, mode));
            }
        }
    }
    for (const auto& path : paths) {
        const IgnoreRule* decided = stack.decide(path.path, path.is_directory);
        const IgnoreRule* expected = expected_decision(lists, path);
        if ((decided == nullptr) != (expected == nullptr) ||
            (decided != nullptr && !same_rule(*decided, *expected))) {
            std::abort();
        }
    }
}

void check_manifest(std::string_view text) {
    using namespace ferry::snapshot;
    const auto entries = parse_manifest(text);
    if (!entries) {
        return;
    }
    for (const auto& entry : *entries) {
        if (!is_safe_relative_path(entry.path)) {
            std::abort();
        }
    }
    if (format_manifest(*entries) != text) {
        std::abort();  // a parsed manifest must be written back byte for byte
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view text = input;
    std::vector<Path> paths;
    if (const auto marker = input.find(k_paths_marker); marker != std::string_view::npos) {
        text = input.substr(0, marker);
        paths = split_paths(input.substr(marker + k_paths_marker.size()));
    }
    check_ignore(text, paths);
    check_manifest(input);
    return 0;
}

#include "ferry/snapshot/manifest.hpp"

#include <gtest/gtest.h>

namespace ferry::snapshot {
namespace {

const std::string k_digest(64, 'a');

TEST(Manifest, RoundTripsOddNames) {
    const std::vector<ManifestEntry> entries = {
        {"100644", 3, k_digest, "a b/with\ttab", ""},
        {"100755", 0, k_digest, "back\\slash\nnewline\x01", ""},
        {"120000", 4, k_digest, "link", "../x y"},
        {"100644", 1, k_digest, "z\xff-not-utf8", ""},
    };
    const std::string text = format_manifest(entries);
    EXPECT_EQ(text.substr(0, text.find('\n', 17) + 1),
              "ferry-manifest 1\n100644 3 " + k_digest + " a b/with\\ttab\n");
    auto parsed = parse_manifest(text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ((*parsed)[i].path, entries[i].path);
        EXPECT_EQ((*parsed)[i].target, entries[i].target);
        EXPECT_EQ((*parsed)[i].mode, entries[i].mode);
        EXPECT_EQ((*parsed)[i].size, entries[i].size);
    }
    EXPECT_EQ(format_manifest(*parsed), text);
}

TEST(Manifest, RefusesUnsafeOrDisorderedEntries) {
    const auto line = [](std::string_view path) {
        return "100644 1 " + k_digest + " " + std::string(path) + "\n";
    };
    const std::string header = "ferry-manifest 1\n";
    EXPECT_EQ(parse_manifest(header + line("../etc/passwd")).error().message,
              "snapshot manifest line 2: unsafe path '../etc/passwd'");
    EXPECT_FALSE(parse_manifest(header + line("/abs")));
    EXPECT_FALSE(parse_manifest(header + line("a//b")));
    EXPECT_FALSE(parse_manifest(header + line("a/./b")));
    EXPECT_EQ(parse_manifest(header + line("b") + line("a")).error().message,
              "snapshot manifest line 3: entries out of order");
    EXPECT_FALSE(parse_manifest(header + "100600 1 " + k_digest + " a\n"));
    EXPECT_FALSE(parse_manifest(header + "120000 1 " + k_digest + " no-target\n"));
    EXPECT_FALSE(parse_manifest(header + line("bad\\q")));
    EXPECT_FALSE(parse_manifest("something else\n"));
    EXPECT_TRUE(parse_manifest(header));
    // Another spelling of a valid entry would give the same tree another id.
    for (const std::string& other :
         {"100644 01 " + k_digest + " a\n", "100644 1 " + k_digest + " \\x41\n",
          "100644 1 " + k_digest + " a\x01b\n", "120000 1 " + k_digest + " a\tx\ty\n"}) {
        auto parsed = parse_manifest(header + other);
        ASSERT_FALSE(parsed) << other;
        EXPECT_EQ(parsed.error().message, "snapshot manifest line 2: not in canonical form");
    }
    EXPECT_EQ(parse_manifest(header + "120000 1 " + k_digest + " a\t\\x00\n").error().message,
              "snapshot manifest line 2: a link target holds a NUL byte");
}

TEST(Manifest, SafeRelativePaths) {
    EXPECT_TRUE(is_safe_relative_path("a/b.c"));
    EXPECT_TRUE(is_safe_relative_path("..a/b.."));
    EXPECT_FALSE(is_safe_relative_path(""));
    EXPECT_FALSE(is_safe_relative_path("a/../b"));
    EXPECT_FALSE(is_safe_relative_path("a/"));
    EXPECT_FALSE(is_safe_relative_path("x/.git/config"));
    EXPECT_FALSE(is_safe_relative_path(".GIT/hooks/post-checkout"));
    EXPECT_TRUE(is_safe_relative_path(".github/workflows/ci.yml"));
}

}  // namespace
}  // namespace ferry::snapshot

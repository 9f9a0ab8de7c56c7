// Downloads of crafted manifests: links resolved through each other, modes kept.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "../workspace_fixture.hpp"
#include "ferry/assets/content.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::run {
namespace {

using test::entries_of;
using test::mode_of;
using test::TempDir;
using test::write_text;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

using Entries = std::vector<std::pair<snapshot::ManifestEntry, std::string>>;

snapshot::ManifestEntry link(std::string path, std::string target) {
    return {"120000", target.size(), util::Sha256::of(target), std::move(path), target};
}

class DownloadLinks : public test::WorkspaceTest {
protected:
    // The entries of a crafted artifacts manifest, as the store reads them back.
    Entries crafted(std::vector<snapshot::ManifestEntry> entries, std::string_view under = "") {
        std::ranges::sort(entries, {}, &snapshot::ManifestEntry::path);
        auto blob = m_workspace->put_blob_bytes(snapshot::format_manifest(entries), k_now);
        EXPECT_TRUE(blob) << blob.error().message;
        auto read = read_artifacts(m_workspace->blobs(), blob ? blob->sha256 : "");
        EXPECT_TRUE(read) << read.error().message;
        Entries placed;
        for (auto& entry : read ? *read : std::vector<snapshot::ManifestEntry>{}) {
            std::string relative = std::string(under) + entry.path;
            placed.emplace_back(std::move(entry), std::move(relative));
        }
        return placed;
    }

    Result<DownloadResult> download(const Entries& entries, LinkScope scope) {
        return download_entries(m_workspace->blobs(), entries, m_dest.path(), Overwrite::yes,
                                scope);
    }

    std::string refused(const std::string& link, const std::string& target, const fs::path& bound,
                        const std::string& why) {
        return fmt::format("refusing to write the link '{}' -> '{}': it leads outside {} ({})",
                           link, target, bound.string(), why);
    }

    TempDir m_dest;
};

TEST_F(DownloadLinks, AChainOfLinksClimbingOutIsRefused) {
    // Each link alone stays inside when read as text; through q and r, s climbs out.
    const Entries entries =
        crafted({link("a/b/q", ".."), link("a/b/r", "q/.."), link("a/b/s", "r/..")});
    auto result = download(entries, LinkScope::directory);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              refused("a/b/s", "r/..", m_dest.path(),
                      fmt::format("it climbs above {}", m_dest.path().string())));
    EXPECT_TRUE(entries_of(m_dest.path()).empty());
}

TEST_F(DownloadLinks, TheIssuesTwoLinksAreRefusedInARunsLayout) {
    const Entries entries =
        crafted({link("outputs/q", ".."), link("outputs/r", "q/..")}, "artifacts/");
    auto result = download(entries, LinkScope::source);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              refused("artifacts/outputs/q", "..", m_dest / "artifacts/outputs",
                      fmt::format("it resolves to {}", (m_dest / "artifacts").string())));
    EXPECT_TRUE(entries_of(m_dest.path()).empty());
}

TEST_F(DownloadLinks, ALinkLeavingItsSourceIsRefusedThoughInsideTheDirectory) {
    const Entries entries = crafted({link("outputs/x", "../logs/l.txt")}, "artifacts/");
    auto result = download(entries, LinkScope::source);
    ASSERT_FALSE(result);
    EXPECT_EQ(
        result.error().message,
        refused("artifacts/outputs/x", "../logs/l.txt", m_dest / "artifacts/outputs",
                fmt::format("it resolves to {}", (m_dest / "artifacts/logs/l.txt").string())));
    // A dataset has no sources: the directory bounds it.
    EXPECT_TRUE(download(entries, LinkScope::directory));
}

TEST_F(DownloadLinks, ALinkAlreadyInTheDirectoryIsFollowed) {
    fs::create_directories(m_dest / "a/b");
    fs::create_symlink("../..", m_dest / "a/b/q");  // left by an earlier download: DIR
    const Entries entries = crafted({link("a/b/r", "q/../..")});
    auto result = download(entries, LinkScope::directory);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              refused("a/b/r", "q/../..", m_dest.path(),
                      fmt::format("it climbs above {}", m_dest.path().string())));
    EXPECT_FALSE(fs::exists(fs::symlink_status(m_dest / "a/b/r")));
}

TEST_F(DownloadLinks, LinksThatLoopAreRefused) {
    const Entries entries =
        crafted({link("outputs/a", "b"), link("outputs/b", "a"), link("outputs/c", "a/x")});
    auto result = download(entries, LinkScope::source);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              refused("outputs/a", "b", m_dest / "outputs", "its links loop"));
}

TEST_F(DownloadLinks, AbsoluteTargetsAreRefused) {
    auto result = download(crafted({link("outputs/a", "/etc")}), LinkScope::source);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              refused("outputs/a", "/etc", m_dest / "outputs", "it is absolute"));
}

TEST_F(DownloadLinks, AnEntryBelowALinkOfTheDownloadIsRefusedBeforeAnythingIsWritten) {
    auto stored = m_workspace->blobs().put_bytes("x", util::Durable::no);
    ASSERT_TRUE(stored) << stored.error().message;
    const Entries entries =
        crafted({link("outputs/l", "sub"), {"100644", 1, stored->sha256, "outputs/l/f", ""}});
    auto result = download(entries, LinkScope::source);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              fmt::format("refusing to write {}: {} is not a directory (a link or a file is in "
                          "the way)",
                          (m_dest / "outputs/l/f").string(), (m_dest / "outputs/l").string()));
    EXPECT_TRUE(entries_of(m_dest.path()).empty());
}

TEST_F(DownloadLinks, ChainsThatStayInsideAreWritten) {
    const Entries entries =
        crafted({link("outputs/sub/up", ".."), link("outputs/sub/up2", "up"),
                 link("outputs/via", "sub/up2/sub/up"), link("outputs/dangling", "no/such/file")},
                "artifacts/");
    auto result = download(entries, LinkScope::source);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->files, 4U);
    EXPECT_EQ(fs::read_symlink(m_dest / "artifacts/outputs/via"), fs::path("sub/up2/sub/up"));
}

TEST_F(DownloadLinks, ArtifactsKeepTheirModesAndDatasetsGitsTwo) {
    TempDir run;
    write_text(run / "out/private/key", "secret");
    write_text(run / "out/shared.txt", "shared");
    write_text(run / "out/group.txt", "group");
    write_text(run / "out/closed/open.txt", "open in a closed folder");
    write_text(run / "out/tool", "#!/bin/sh\n");
    ASSERT_EQ(::chmod((run / "out/private/key").c_str(), 0600), 0);
    ASSERT_EQ(::chmod((run / "out/private").c_str(), 0700), 0);
    ASSERT_EQ(::chmod((run / "out/group.txt").c_str(), 0640), 0);
    ASSERT_EQ(::chmod((run / "out/closed").c_str(), 0700), 0);
    ASSERT_EQ(::chmod((run / "out/tool").c_str(), 04755), 0);
    ASSERT_EQ(::chmod((run / "out").c_str(), 0755), 0);
    auto set = collect_artifacts(*m_workspace, run.path(), {{"outputs", run / "out"}}, {}, k_now);
    ASSERT_TRUE(set) << set.error().message;
    auto read = read_artifacts(m_workspace->blobs(), set->id);
    ASSERT_TRUE(read) << read.error().message;
    std::vector<std::string> modes;
    Entries entries;
    for (const auto& entry : *read) {
        modes.push_back(entry.mode + " " + entry.path);
        entries.emplace_back(entry, "artifacts/" + entry.path);
    }
    EXPECT_EQ(modes,
              (std::vector<std::string>{"100600 outputs/closed/open.txt",
                                        "100640 outputs/group.txt", "100600 outputs/private/key",
                                        "100644 outputs/shared.txt", "100755 outputs/tool"}));
    test::ScopedUmask umask(0);
    auto result = download(entries, LinkScope::source);
    ASSERT_TRUE(result) << result.error().message;
    const fs::path out = m_dest / "artifacts/outputs";
    EXPECT_EQ(mode_of(out / "private/key"), 0600U);
    EXPECT_EQ(mode_of(out / "private"), 0700U);
    EXPECT_EQ(mode_of(out / "closed"), 0700U);
    EXPECT_EQ(mode_of(out / "group.txt"), 0640U);
    EXPECT_EQ(mode_of(out / "tool"), 0755U);
    EXPECT_EQ(mode_of(out), 0755U);

    // A named output registered as a dataset holds git's modes, as every dataset does.
    auto content = assets::select_entries(*m_workspace, set->id, "outputs", k_now);
    ASSERT_TRUE(content) << content.error().message;
    auto listed = assets::read_content(m_workspace->blobs(), content->id);
    ASSERT_TRUE(listed) << listed.error().message;
    for (const auto& entry : *listed) {
        EXPECT_TRUE(entry.mode == "100644" || entry.mode == "100755") << entry.path;
    }
}

TEST(ArtifactManifest, PermissionModesOnlyWhereAsked) {
    const std::string header = "ferry-manifest 1\n";
    const std::string digest(64, 'a');
    EXPECT_FALSE(snapshot::parse_manifest(header + "100600 1 " + digest + " a\n"));
    auto parsed = snapshot::parse_manifest(header + "100600 1 " + digest + " a\n",
                                           snapshot::FileModes::permissions);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->front().permissions(), 0600U);
    for (const std::string mode : {"104755", "100800", "10064", "1006440", "040755"}) {
        EXPECT_FALSE(snapshot::parse_manifest(header + mode + " 1 " + digest + " a\n",
                                              snapshot::FileModes::permissions))
            << mode;
    }
}

}  // namespace
}  // namespace ferry::run

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::run {
namespace {

using test::entries_of;
using test::mode_of;
using test::TempDir;
using test::write_text;
using ::testing::HasSubstr;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

using Entries = std::vector<std::pair<snapshot::ManifestEntry, std::string>>;

std::string read(const fs::path& path) {
    auto text = util::read_file(path);
    EXPECT_TRUE(text) << path;
    return text ? *text : std::string();
}

class RunArtifacts : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("t", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    // outputs: a.txt, sub/b.txt, run.sh (executable), link_file (-> a file outside),
    // link_dir (-> a directory); logs: l.txt.
    void make_sources() {
        write_text(m_src / "out/a.txt", "alpha");
        write_text(m_src / "out/sub/b.txt", "beta");
        write_text(m_src / "out/run.sh", "#!/bin/sh\n");
        ASSERT_EQ(::chmod((m_src / "out/run.sh").c_str(), 0755), 0);
        write_text(m_src / "other.txt", "other");
        write_text(m_src / "somedir/inside.txt", "inside");
        fs::create_symlink(m_src / "other.txt", m_src / "out/link_file");
        fs::create_symlink(m_src / "somedir", m_src / "out/link_dir");
        write_text(m_src / "logs/l.txt", "log");
    }

    ArtifactSet collect() {
        auto set = collect_artifacts(*m_workspace,
                                     {{"outputs", m_src / "out"},
                                      {"logs", m_src / "logs"},
                                      {"system_logs", m_src / "missing"}},
                                     k_now);
        EXPECT_TRUE(set) << set.error().message;
        return set ? *set : ArtifactSet{};
    }

    std::vector<snapshot::ManifestEntry> read_back(const std::string& id) {
        auto entries = read_artifacts(m_workspace->blobs(), id);
        EXPECT_TRUE(entries) << entries.error().message;
        return entries ? *entries : std::vector<snapshot::ManifestEntry>{};
    }

    // Every collected entry under "artifacts/".
    Entries all_entries() {
        make_sources();
        const ArtifactSet set = collect();
        Entries entries;
        for (const auto& entry : read_back(set.id)) {
            entries.emplace_back(entry, "artifacts/" + entry.path);
        }
        return entries;
    }

    Result<DownloadResult> download(const Entries& entries, Overwrite overwrite = Overwrite::no) {
        return download_entries(m_workspace->blobs(), entries, m_dest.path(), overwrite);
    }

    TempDir m_home;
    TempDir m_src;
    TempDir m_dest;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(RunArtifacts, CollectStoresEveryFileUnderItsPrefix) {
    make_sources();
    const ArtifactSet set = collect();
    EXPECT_EQ(set.files, 5U);
    EXPECT_EQ(set.bytes, 27U);  // alpha, beta, #!/bin/sh\n, other, log
    EXPECT_EQ(set.skipped,
              (std::vector<std::string>{"outputs/link_dir: a link to a directory, not followed"}));
    ASSERT_EQ(set.id.size(), 64U);

    const auto entries = read_back(set.id);
    ASSERT_EQ(entries.size(), 5U);
    const std::vector<std::tuple<std::string, std::string, std::string>> expected = {
        {"logs/l.txt", "100644", "log"},          {"outputs/a.txt", "100644", "alpha"},
        {"outputs/link_file", "100644", "other"}, {"outputs/run.sh", "100755", "#!/bin/sh\n"},
        {"outputs/sub/b.txt", "100644", "beta"},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& [path, mode, content] = expected[i];
        EXPECT_EQ(entries[i].path, path);
        EXPECT_EQ(entries[i].mode, mode) << path;
        EXPECT_EQ(entries[i].size, content.size()) << path;
        EXPECT_EQ(entries[i].sha256, util::Sha256::of(content)) << path;
        EXPECT_EQ(entries[i].target, "") << path;
        EXPECT_EQ(read(m_workspace->blobs().path_of(entries[i].sha256)), content) << path;
    }
}

TEST_F(RunArtifacts, SameFilesSameId) {
    make_sources();
    const ArtifactSet first = collect();
    const ArtifactSet second = collect();
    EXPECT_EQ(first.id, second.id);
}

TEST_F(RunArtifacts, MissingSourcesAreEmpty) {
    auto set = collect_artifacts(*m_workspace, {{"outputs", m_src / "nope"}}, k_now);
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->files, 0U);
    EXPECT_EQ(set->bytes, 0U);
    EXPECT_TRUE(set->skipped.empty());
    EXPECT_EQ(set->id, util::Sha256::of(snapshot::k_manifest_header));
    EXPECT_TRUE(read_back(set->id).empty());
}

TEST_F(RunArtifacts, SpecialFilesAreSkippedAndNamed) {
    ASSERT_EQ(::mkfifo((m_src / "fifo").c_str(), 0600), 0);
    write_text(m_src / "x.txt", "x");
    auto set = collect_artifacts(*m_workspace, {{"outputs", m_src.path()}}, k_now);
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->files, 1U);
    EXPECT_EQ(set->skipped, (std::vector<std::string>{"outputs/fifo: not a regular file"}));
}

TEST_F(RunArtifacts, NamedOutputPrefixes) {
    write_text(m_src / "model/w.bin", "weights");
    auto set = collect_artifacts(*m_workspace, {{"named-outputs/model", m_src / "model"}}, k_now);
    ASSERT_TRUE(set) << set.error().message;
    const auto entries = read_back(set->id);
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].path, "named-outputs/model/w.bin");
}

TEST_F(RunArtifacts, ReadArtifactsOfAnUnknownIdFails) {
    EXPECT_FALSE(read_artifacts(m_workspace->blobs(), std::string(64, 'a')));
}

TEST_F(RunArtifacts, DownloadWritesEveryFile) {
    const Entries entries = all_entries();
    auto result = download(entries);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->files, 5U);
    EXPECT_EQ(result->bytes, 27U);
    EXPECT_EQ(result->unchanged, 0U);
    const fs::path root = m_dest / "artifacts";
    EXPECT_EQ(entries_of(m_dest.path()), (std::vector<std::string>{"artifacts"}));
    EXPECT_EQ(entries_of(root), (std::vector<std::string>{"logs", "outputs"}));
    EXPECT_EQ(entries_of(root / "outputs"),
              (std::vector<std::string>{"a.txt", "link_file", "run.sh", "sub"}));
    EXPECT_EQ(read(root / "outputs/a.txt"), "alpha");
    EXPECT_EQ(read(root / "outputs/sub/b.txt"), "beta");
    EXPECT_EQ(read(root / "outputs/link_file"), "other");
    EXPECT_FALSE(fs::is_symlink(root / "outputs/link_file"));
    EXPECT_EQ(read(root / "logs/l.txt"), "log");
    EXPECT_EQ(mode_of(root / "outputs/run.sh"), 0755U);
    EXPECT_EQ(mode_of(root / "outputs/a.txt"), 0644U);
}

TEST_F(RunArtifacts, DownloadAgainLeavesIdenticalFilesUnchanged) {
    const Entries entries = all_entries();
    ASSERT_TRUE(download(entries));
    auto again = download(entries);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->files, 0U);
    EXPECT_EQ(again->bytes, 0U);
    EXPECT_EQ(again->unchanged, 5U);
}

TEST_F(RunArtifacts, AnIdenticalExistingFileCountsAsUnchanged) {
    const Entries entries = all_entries();
    write_text(m_dest / "artifacts/outputs/a.txt", "alpha");
    auto result = download(entries);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->files, 4U);
    EXPECT_EQ(result->bytes, 22U);
    EXPECT_EQ(result->unchanged, 1U);
}

TEST_F(RunArtifacts, ADifferentFileIsRefusedAndNothingIsWritten) {
    const Entries entries = all_entries();
    const fs::path b = m_dest / "artifacts/outputs/sub/b.txt";
    write_text(b, "mine");
    auto result = download(entries);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              fmt::format("{} exists with other content; nothing was written (--overwrite "
                          "replaces files)",
                          b.string()));
    EXPECT_EQ(read(b), "mine");
    EXPECT_EQ(entries_of(m_dest / "artifacts"), (std::vector<std::string>{"outputs"}));
    EXPECT_EQ(entries_of(m_dest / "artifacts/outputs"), (std::vector<std::string>{"sub"}));
    EXPECT_EQ(entries_of(m_dest / "artifacts/outputs/sub"), (std::vector<std::string>{"b.txt"}));

    auto forced = download(entries, Overwrite::yes);
    ASSERT_TRUE(forced) << forced.error().message;
    EXPECT_EQ(forced->files, 5U);
    EXPECT_EQ(forced->unchanged, 0U);
    EXPECT_EQ(read(b), "beta");
}

TEST_F(RunArtifacts, SeveralConflictsAreCounted) {
    const Entries entries = all_entries();
    write_text(m_dest / "artifacts/outputs/a.txt", "1");
    write_text(m_dest / "artifacts/outputs/sub/b.txt", "2");
    write_text(m_dest / "artifacts/logs/l.txt", "3");
    auto result = download(entries);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              fmt::format("{} exists with other content (and 2 more); nothing was written "
                          "(--overwrite replaces files)",
                          (m_dest / "artifacts/logs/l.txt").string()));
}

TEST_F(RunArtifacts, ALinkInTheWayIsNotOverwrittenEvenWithOverwrite) {
    const Entries entries = all_entries();
    TempDir elsewhere;
    write_text(elsewhere / "target.txt", "keep");
    fs::create_directories(m_dest / "artifacts/outputs");
    fs::create_symlink(elsewhere / "target.txt", m_dest / "artifacts/outputs/a.txt");
    auto result = download(entries, Overwrite::yes);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().message,
                HasSubstr((m_dest / "artifacts/outputs/a.txt").string() + " exists"));
    EXPECT_EQ(read(elsewhere / "target.txt"), "keep");
}

TEST_F(RunArtifacts, ADirectoryLinkOnTheWayIsRefused) {
    const Entries entries = all_entries();
    TempDir elsewhere;
    fs::create_symlink(elsewhere.path(), m_dest / "artifacts");
    auto result = download(entries, Overwrite::yes);
    ASSERT_FALSE(result);
    EXPECT_EQ(
        result.error().message,
        fmt::format("refusing to write {}: {} is not a directory (a link or a file is in "
                    "the way)",
                    (m_dest / "artifacts/logs/l.txt").string(), (m_dest / "artifacts").string()));
    EXPECT_TRUE(entries_of(elsewhere.path()).empty());
}

TEST_F(RunArtifacts, ANestedDirectoryLinkIsRefused) {
    const Entries entries = all_entries();
    TempDir elsewhere;
    fs::create_directories(m_dest / "artifacts/outputs");
    fs::create_symlink(elsewhere.path(), m_dest / "artifacts/outputs/sub");
    auto result = download(entries, Overwrite::yes);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().message,
                HasSubstr(fmt::format("{} is not a directory",
                                      (m_dest / "artifacts/outputs/sub").string())));
    EXPECT_TRUE(entries_of(elsewhere.path()).empty());
    // Checked before anything is written.
    EXPECT_EQ(entries_of(m_dest / "artifacts"), (std::vector<std::string>{"outputs"}));
}

TEST_F(RunArtifacts, PathsLeavingTheDirectoryAreRefused) {
    Entries entries = all_entries();
    for (const std::string bad : {"../x", "a/../../x", "/etc/x", ""}) {
        Entries one = {{entries[0].first, bad}};
        auto result = download(one, Overwrite::yes);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().message,
                  fmt::format("refusing to write '{}': it would land outside {}", bad,
                              m_dest.path().string()));
    }
    EXPECT_TRUE(entries_of(m_dest.path()).empty());
    EXPECT_FALSE(fs::exists(m_dest.path().parent_path() / "x"));
}

TEST_F(RunArtifacts, AnEntryCanBeWrittenUnderAnotherName) {
    const Entries entries = all_entries();
    Entries one = {{entries[1].first, "named-outputs/model/a.txt"}};  // outputs/a.txt
    auto result = download(one);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->files, 1U);
    EXPECT_EQ(read(m_dest / "named-outputs/model/a.txt"), "alpha");
}

}  // namespace
}  // namespace ferry::run

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
using Variables = std::map<std::string, std::string>;

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

    // outputs: a.txt, sub/b.txt, run.sh (executable), link_file (-> a.txt), link_dir (-> sub),
    // escape (-> a file outside outputs); logs: l.txt.
    void make_sources() {
        write_text(m_src / "out/a.txt", "alpha");
        write_text(m_src / "out/sub/b.txt", "beta");
        write_text(m_src / "out/run.sh", "#!/bin/sh\n");
        ASSERT_EQ(::chmod((m_src / "out/run.sh").c_str(), 0755), 0);
        write_text(m_src / "other.txt", "other");
        fs::create_symlink("a.txt", m_src / "out/link_file");
        fs::create_symlink("sub", m_src / "out/link_dir");
        fs::create_symlink(m_src / "other.txt", m_src / "out/escape");
        write_text(m_src / "logs/l.txt", "log");
    }

    Result<ArtifactSet> collect_from(const std::vector<ArtifactSource>& sources,
                                     const ArtifactLimits& limits = {}) {
        return collect_artifacts(*m_workspace, m_src.path(), sources, limits, k_now);
    }

    ArtifactSet collect(const ArtifactLimits& limits = {}) {
        auto set = collect_from({{"outputs", m_src / "out"},
                                 {"logs", m_src / "logs"},
                                 {"system_logs", m_src / "missing"}},
                                limits);
        EXPECT_TRUE(set) << set.error().message;
        return set ? *set : ArtifactSet{};
    }

    std::vector<snapshot::ManifestEntry> read_back(const std::string& id) {
        auto entries = read_artifacts(m_workspace->blobs(), id);
        EXPECT_TRUE(entries) << entries.error().message;
        return entries ? *entries : std::vector<snapshot::ManifestEntry>{};
    }

    // "path" for a file, "path -> target" for a link, of the collected manifest.
    std::vector<std::string> paths_of(const std::string& id) {
        std::vector<std::string> paths;
        for (const auto& entry : read_back(id)) {
            paths.push_back(entry.is_link() ? entry.path + " -> " + entry.target : entry.path);
        }
        return paths;
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
    EXPECT_EQ(set.files, 6U);
    EXPECT_EQ(set.bytes, 22U);  // alpha, beta, #!/bin/sh\n, log
    EXPECT_EQ(set.skipped, (std::vector<std::string>{fmt::format(
                               "outputs/escape: a link leading outside outputs/ (to {}), not "
                               "followed",
                               (m_src / "other.txt").string())}));
    ASSERT_EQ(set.id.size(), 64U);

    const auto entries = read_back(set.id);
    ASSERT_EQ(entries.size(), 6U);
    const std::vector<std::tuple<std::string, std::string, std::string>> expected = {
        {"logs/l.txt", "100644", "log"},
        {"outputs/a.txt", "100644", "alpha"},
        {"outputs/link_dir", "120000", "sub"},
        {"outputs/link_file", "120000", "a.txt"},
        {"outputs/run.sh", "100755", "#!/bin/sh\n"},
        {"outputs/sub/b.txt", "100644", "beta"},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& [path, mode, content] = expected[i];
        EXPECT_EQ(entries[i].path, path);
        EXPECT_EQ(entries[i].mode, mode) << path;
        EXPECT_EQ(entries[i].size, content.size()) << path;
        EXPECT_EQ(entries[i].sha256, util::Sha256::of(content)) << path;
        if (entries[i].is_link()) {
            EXPECT_EQ(entries[i].target, content) << path;
        } else {
            EXPECT_EQ(entries[i].target, "") << path;
            EXPECT_EQ(read(m_workspace->blobs().path_of(entries[i].sha256)), content) << path;
        }
    }
}

TEST_F(RunArtifacts, SameFilesSameId) {
    make_sources();
    const ArtifactSet first = collect();
    const ArtifactSet second = collect();
    EXPECT_EQ(first.id, second.id);
}

TEST_F(RunArtifacts, MissingSourcesAreEmpty) {
    auto set = collect_from({{"outputs", m_src / "nope"}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->files, 0U);
    EXPECT_EQ(set->bytes, 0U);
    EXPECT_TRUE(set->skipped.empty());
    EXPECT_EQ(set->id, util::Sha256::of(snapshot::k_manifest_header));
    EXPECT_TRUE(read_back(set->id).empty());
}

TEST_F(RunArtifacts, AMissingRunDirectoryIsEmpty) {
    auto set = collect_artifacts(*m_workspace, m_src / "gone", {{"outputs", m_src / "gone/out"}},
                                 {}, k_now);
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->files, 0U);
    EXPECT_TRUE(set->skipped.empty());
}

TEST_F(RunArtifacts, SpecialFilesAreSkippedAndNamed) {
    fs::create_directories(m_src / "out");
    ASSERT_EQ(::mkfifo((m_src / "out/fifo").c_str(), 0600), 0);
    write_text(m_src / "out/x.txt", "x");
    auto set = collect_from({{"outputs", m_src / "out"}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->files, 1U);
    EXPECT_EQ(set->skipped, (std::vector<std::string>{"outputs/fifo: not a regular file"}));
}

TEST_F(RunArtifacts, NamedOutputPrefixes) {
    write_text(m_src / "model/w.bin", "weights");
    auto set = collect_from({{"named-outputs/model", m_src / "model"}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(paths_of(set->id), (std::vector<std::string>{"named-outputs/model/w.bin"}));
}

// The links of a hostile job: none is followed, and only those that stay inside their
// source are kept, as links in normal form.
TEST_F(RunArtifacts, LinksLeadingOutAreNamedAndNeverFollowed) {
    write_text(m_src / "wd/outputs/a.txt", "alpha");
    write_text(m_src / "wd/README.txt", "code");
    const fs::path out = m_src / "wd/outputs";
    fs::create_directories(out / "sub");
    for (const auto& [name, target] :
         std::vector<std::pair<std::string, std::string>>{{"passwd", "/etc/passwd"},
                                                          {"etc", "/etc"},
                                                          {"env", "/proc/self/environ"},
                                                          {"code", "../README.txt"},
                                                          {"climb", "sub/../../outputs/../../x"},
                                                          {"again", "../outputs/sub"},
                                                          {"inside_abs", (out / "a.txt").string()},
                                                          {"sub/up", "../a.txt"},
                                                          {"sub/self", "."},
                                                          {"dangling", "nothing/here"}}) {
        fs::create_symlink(target, out / name);
    }
    auto set = collect_from({{"outputs", out}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(
        paths_of(set->id),
        (std::vector<std::string>{"outputs/a.txt", "outputs/again -> sub",
                                  "outputs/dangling -> nothing/here", "outputs/inside_abs -> a.txt",
                                  "outputs/sub/self -> .", "outputs/sub/up -> ../a.txt"}));
    const auto outside = [](std::string_view name, std::string_view target) {
        return fmt::format("outputs/{}: a link leading outside outputs/ (to {}), not followed",
                           name, target);
    };
    EXPECT_EQ(set->skipped,
              (std::vector<std::string>{outside("climb", "sub/../../outputs/../../x"),
                                        outside("code", "../README.txt"),
                                        outside("env", "/proc/self/environ"),
                                        outside("etc", "/etc"), outside("passwd", "/etc/passwd")}));
    EXPECT_EQ(set->files, 6U);
    EXPECT_EQ(set->bytes, 5U);
}

TEST_F(RunArtifacts, ASourceThatIsALinkIsLeftOutWhole) {
    write_text(m_src / "elsewhere/secret.txt", "secret");
    fs::create_directories(m_src / "wd");
    fs::create_symlink(m_src / "elsewhere", m_src / "wd/outputs");
    write_text(m_src / "wd/logs/l.txt", "log");
    auto set = collect_from({{"outputs", m_src / "wd/outputs"}, {"logs", m_src / "wd/logs"}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(paths_of(set->id), (std::vector<std::string>{"logs/l.txt"}));
    EXPECT_EQ(set->skipped,
              (std::vector<std::string>{fmt::format(
                  "outputs/: wd/outputs is a link (to {}), not followed; nothing stored from it",
                  (m_src / "elsewhere").string())}));
}

TEST_F(RunArtifacts, ASourceBelowALinkIsLeftOutWhole) {
    write_text(m_src / "elsewhere/outputs/secret.txt", "secret");
    fs::create_symlink("elsewhere", m_src / "wd");
    auto set = collect_from({{"outputs", m_src / "wd/outputs"}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_TRUE(paths_of(set->id).empty());
    EXPECT_EQ(set->skipped,
              (std::vector<std::string>{
                  "outputs/: wd is a link (to elsewhere), not followed; nothing stored from it"}));
}

TEST_F(RunArtifacts, ASourceThatIsAFileOrOutsideTheRunIsLeftOut) {
    write_text(m_src / "wd/outputs", "a file");
    TempDir elsewhere;
    write_text(elsewhere / "x.txt", "x");
    auto set = collect_from({{"outputs", m_src / "wd/outputs"},
                             {"named-outputs/m", elsewhere.path()},
                             {"logs", m_src.path()}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_TRUE(paths_of(set->id).empty());
    EXPECT_EQ(set->skipped,
              (std::vector<std::string>{
                  "outputs/: wd/outputs is not a directory; nothing stored from it",
                  fmt::format("named-outputs/m/: {} is not inside the run's directory {}; nothing "
                              "stored from it",
                              elsewhere.path().string(), m_src.path().string()),
                  fmt::format("logs/: {} is not inside the run's directory {}; nothing stored "
                              "from it",
                              m_src.path().string(), m_src.path().string())}));
}

TEST_F(RunArtifacts, TheFileLimitKeepsTheFirstFilesInOrder) {
    for (const char* name : {"e", "a", "d", "c", "b"}) {
        write_text(m_src / "out" / name, "12");
    }
    write_text(m_src / "logs/l.txt", "log");
    auto set = collect_from({{"logs", m_src / "logs"}, {"outputs", m_src / "out"}},
                            {.bytes = 1000, .files = 3});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(paths_of(set->id),
              (std::vector<std::string>{"logs/l.txt", "outputs/a", "outputs/b"}));
    EXPECT_EQ(set->over_files.files, 3U);
    EXPECT_EQ(set->over_files.bytes, 6U);
    EXPECT_EQ(
        left_out_lines(*set),
        (std::vector<std::string>{"3 files (6 B) over the artifact limit of 3 files "
                                  "(FERRY_ARTIFACT_FILES): outputs/c, outputs/d, outputs/e"}));
}

TEST_F(RunArtifacts, AFileOverTheSizeLimitIsLeftOutAndSmallerOnesKept) {
    write_text(m_src / "out/a_big.bin", std::string(2000, 'x'));
    write_text(m_src / "out/b_small.txt", "small");
    write_text(m_src / "out/c_big.bin", std::string(3000, 'y'));
    write_text(m_src / "out/d_big.bin", std::string(1019, 'z'));
    write_text(m_src / "out/e_big.bin", std::string(1030, 'w'));
    auto set = collect_from({{"outputs", m_src / "out"}}, {.bytes = 1024, .files = 100});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(paths_of(set->id),
              (std::vector<std::string>{"outputs/b_small.txt", "outputs/d_big.bin"}));
    EXPECT_EQ(set->bytes, 1024U);
    EXPECT_EQ(left_out_lines(*set),
              (std::vector<std::string>{
                  "3 files (5.9 KiB) over the artifact limit of 1.0 KiB (FERRY_ARTIFACT_LIMIT): "
                  "outputs/a_big.bin, outputs/c_big.bin, outputs/e_big.bin"}));
}

TEST_F(RunArtifacts, ManyLeftOutAreNamedUpToTwentyThenCounted) {
    fs::create_directories(m_src / "out");
    for (int i = 0; i < 25; ++i) {
        fs::create_symlink("/etc", m_src / "out" / fmt::format("l{:02}", i));
    }
    write_text(m_src / "out/zz", "123");
    auto set = collect_from({{"outputs", m_src / "out"}}, {.bytes = 1, .files = 100});
    ASSERT_TRUE(set) << set.error().message;
    const auto lines = left_out_lines(*set);
    ASSERT_EQ(lines.size(), 22U);
    EXPECT_EQ(lines[0], "outputs/l00: a link leading outside outputs/ (to /etc), not followed");
    EXPECT_EQ(lines[19], "outputs/l19: a link leading outside outputs/ (to /etc), not followed");
    EXPECT_EQ(lines[20], "5 more things");
    EXPECT_EQ(lines[21],
              "1 file (3 B) over the artifact limit of 1 B (FERRY_ARTIFACT_LIMIT): outputs/zz");
}

TEST_F(RunArtifacts, DirectoriesDeeperThanTheWalkGoesAreNamed) {
    fs::path deep = m_src / "out";
    for (int i = 0; i < 257; ++i) {
        deep /= "d";
    }
    write_text(deep / "x.txt", "x");
    write_text(m_src / "out/top.txt", "top");
    auto set = collect_from({{"outputs", m_src / "out"}});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(paths_of(set->id), (std::vector<std::string>{"outputs/top.txt"}));
    ASSERT_EQ(set->skipped.size(), 1U);
    EXPECT_THAT(set->skipped[0], ::testing::EndsWith("/d/: more than 256 directories deep"));
}

TEST(RunArtifactLimits, FromTheEnvironment) {
    auto defaults = artifact_limits(Environment());
    ASSERT_TRUE(defaults);
    EXPECT_EQ(defaults->bytes, std::uint64_t{100} << 30);
    EXPECT_EQ(defaults->files, 1'000'000U);
    auto set = artifact_limits(
        Environment(Variables{{"FERRY_ARTIFACT_LIMIT", "2g"}, {"FERRY_ARTIFACT_FILES", "500"}}));
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->bytes, std::uint64_t{2} << 30);
    EXPECT_EQ(set->files, 500U);
    for (const auto& [variable, value, message] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"FERRY_ARTIFACT_LIMIT", "lots",
              "FERRY_ARTIFACT_LIMIT: 'lots' is not a size (like "
              "500m or 20g)"},
             {"FERRY_ARTIFACT_LIMIT", "0",
              "FERRY_ARTIFACT_LIMIT: '0' is not a size (like 500m "
              "or 20g)"},
             {"FERRY_ARTIFACT_FILES", "10k",
              "FERRY_ARTIFACT_FILES: '10k' is not a count of "
              "files (like 10000)"},
             {"FERRY_ARTIFACT_FILES", "0",
              "FERRY_ARTIFACT_FILES: '0' is not a count of files "
              "(like 10000)"}}) {
        auto bad = artifact_limits(Environment(Variables{{variable, value}}));
        ASSERT_FALSE(bad) << value;
        EXPECT_EQ(bad.error().message, message);
        EXPECT_EQ(bad.error().code, ExitCode::usage);
    }
}

TEST_F(RunArtifacts, ReadArtifactsOfAnUnknownIdFails) {
    EXPECT_FALSE(read_artifacts(m_workspace->blobs(), std::string(64, 'a')));
}

TEST_F(RunArtifacts, DownloadWritesEveryFile) {
    const Entries entries = all_entries();
    auto result = download(entries);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->files, 6U);
    EXPECT_EQ(result->bytes, 22U);
    EXPECT_EQ(result->unchanged, 0U);
    const fs::path root = m_dest / "artifacts";
    EXPECT_EQ(entries_of(m_dest.path()), (std::vector<std::string>{"artifacts"}));
    EXPECT_EQ(entries_of(root), (std::vector<std::string>{"logs", "outputs"}));
    EXPECT_EQ(entries_of(root / "outputs"),
              (std::vector<std::string>{"a.txt", "link_dir", "link_file", "run.sh", "sub"}));
    EXPECT_EQ(read(root / "outputs/a.txt"), "alpha");
    EXPECT_EQ(read(root / "outputs/sub/b.txt"), "beta");
    EXPECT_EQ(fs::read_symlink(root / "outputs/link_file"), fs::path("a.txt"));
    EXPECT_EQ(fs::read_symlink(root / "outputs/link_dir"), fs::path("sub"));
    EXPECT_EQ(read(root / "outputs/link_dir/b.txt"), "beta");
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
    EXPECT_EQ(again->unchanged, 6U);
}

TEST_F(RunArtifacts, AnIdenticalExistingFileCountsAsUnchanged) {
    const Entries entries = all_entries();
    write_text(m_dest / "artifacts/outputs/a.txt", "alpha");
    auto result = download(entries);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->files, 5U);
    EXPECT_EQ(result->bytes, 17U);
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
    EXPECT_EQ(forced->files, 6U);
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
    // The download's link_dir -> sub resolves through the link already there, which leaves.
    EXPECT_THAT(result.error().message,
                HasSubstr("refusing to write the link 'artifacts/outputs/link_dir' -> 'sub'"));
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

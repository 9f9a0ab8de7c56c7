#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/assets/content.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::assets {
namespace {

using snapshot::ManifestEntry;
using test::TempDir;
using test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";
constexpr std::string_view k_file = "data.yml";

class AssetsContent : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("t", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    Content store(const std::vector<fs::path>& paths) {
        auto stored = store_paths(*m_workspace, paths, k_file, k_now);
        EXPECT_TRUE(stored) << stored.error().message;
        return stored ? *stored : Content{};
    }

    std::vector<ManifestEntry> entries(std::string_view id) {
        auto read = read_content(m_workspace->blobs(), id);
        EXPECT_TRUE(read) << read.error().message;
        return read ? *read : std::vector<ManifestEntry>{};
    }

    std::vector<std::string> paths(std::string_view id) {
        std::vector<std::string> out;
        for (const auto& entry : entries(id)) {
            out.push_back(entry.path);
        }
        return out;
    }

    std::int64_t blob_count() {
        auto count = m_workspace->db().prepare("SELECT count(*) FROM blobs");
        EXPECT_TRUE(count);
        if (!count) {
            return -1;
        }
        auto row = count->step();
        EXPECT_TRUE(row && *row);
        return count->integer(0);
    }

    ManifestEntry put(std::string path, std::string_view bytes) {
        auto blob = m_workspace->put_blob_bytes(bytes, k_now);
        EXPECT_TRUE(blob) << blob.error().message;
        ManifestEntry entry;
        entry.mode = "100644";
        entry.size = bytes.size();
        entry.sha256 = blob ? blob->sha256 : std::string(64, '0');
        entry.path = std::move(path);
        return entry;
    }

    // A run's artifacts: outputs/model/ (two files), outputs/model.pkl, outputs/modelx/c,
    // logs/std_log.txt.
    std::string artifacts() {
        auto stored = store_manifest(
            *m_workspace,
            {put("outputs/model/weights.bin", "weights"),
             put("outputs/model/cfg/config.json", "{}"), put("outputs/model.pkl", "pickle"),
             put("outputs/modelx/c.txt", "c"), put("logs/std_log.txt", "log")},
            k_now);
        EXPECT_TRUE(stored) << stored.error().message;
        return stored ? stored->id : "";
    }

    std::vector<std::string> select(std::string_view prefix, BaseName base_name) {
        auto selected = select_entries(*m_workspace, artifacts(), prefix, k_now, base_name);
        EXPECT_TRUE(selected) << prefix << ": " << selected.error().message;
        return selected ? paths(selected->id) : std::vector<std::string>{};
    }

    TempDir m_home;
    TempDir m_src;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(AssetsContent, FolderFilesAreAtTheTopLevel) {
    write_text(m_src / "data/a.csv", "1,2\n");
    write_text(m_src / "data/sub/b.csv", "3,4,5\n");
    const Content content = store({m_src / "data"});
    EXPECT_EQ(content.files, 2U);
    EXPECT_EQ(content.bytes, 10U);
    EXPECT_THAT(content.warnings, IsEmpty());
    EXPECT_THAT(paths(content.id), ElementsAre("a.csv", "sub/b.csv"));
    EXPECT_EQ(entries(content.id)[0].sha256, util::Sha256::of("1,2\n"));
}

TEST_F(AssetsContent, LinksInsideAreKeptLinksOutsideLeftOutWithAWarning) {
    write_text(m_src / "data/a.csv", "1,2\n");
    write_text(m_src / "secret.txt", "outside");
    fs::create_symlink("a.csv", m_src / "data/latest.csv");
    fs::create_symlink(m_src / "secret.txt", m_src / "data/escape.txt");
    const Content content = store({m_src / "data"});
    const auto listed = entries(content.id);
    ASSERT_THAT(listed, SizeIs(2));
    EXPECT_EQ(listed[0].path, "a.csv");
    EXPECT_EQ(listed[1].path, "latest.csv");
    EXPECT_TRUE(listed[1].is_link());
    EXPECT_EQ(listed[1].target, "a.csv");
    ASSERT_THAT(content.warnings, SizeIs(1));
    EXPECT_THAT(content.warnings[0], HasSubstr("escape.txt"));
    EXPECT_THAT(content.warnings[0], HasSubstr((m_src / "data").string()));
}

TEST_F(AssetsContent, NoIgnoreFilesApplyToData) {
    write_text(m_src / "data/.gitignore", "*.log\n.env\nignored/\n");
    write_text(m_src / "data/.ferryignore", "*.csv\n");
    write_text(m_src / "data/run.log", "log");
    write_text(m_src / "data/.env", "TOKEN=x\n");
    write_text(m_src / "data/a.csv", "1");
    write_text(m_src / "data/ignored/b.txt", "b");
    const Content content = store({m_src / "data"});
    EXPECT_THAT(paths(content.id), ElementsAre(".env", ".ferryignore", ".gitignore", "a.csv",
                                               "ignored/b.txt", "run.log"));
    EXPECT_THAT(content.warnings, IsEmpty());
}

TEST_F(AssetsContent, OneFileIsStoredUnderItsBaseName) {
    write_text(m_src / "deep/folder/train.csv", "x,y\n");
    const Content content = store({m_src / "deep/folder/train.csv"});
    EXPECT_EQ(content.files, 1U);
    EXPECT_EQ(content.bytes, 4U);
    EXPECT_THAT(paths(content.id), ElementsAre("train.csv"));
}

TEST_F(AssetsContent, AnExecutableFileKeepsItsMode) {
    write_text(m_src / "tool.sh", "#!/bin/sh\n");
    ASSERT_EQ(::chmod((m_src / "tool.sh").c_str(), 0755), 0);
    const Content content = store({m_src / "tool.sh"});
    const auto listed = entries(content.id);
    ASSERT_THAT(listed, SizeIs(1));
    EXPECT_EQ(listed[0].mode, "100755");
}

TEST_F(AssetsContent, SeveralPathsEachUnderItsBaseName) {
    write_text(m_src / "a/images/x.png", "xx");
    write_text(m_src / "a/images/sub/y.png", "yyy");
    write_text(m_src / "b/labels.csv", "l");
    write_text(m_src / "c/more/z.txt", "z");
    const Content content = store({m_src / "b/labels.csv", m_src / "a/images", m_src / "c/more"});
    EXPECT_EQ(content.files, 4U);
    EXPECT_EQ(content.bytes, 7U);
    EXPECT_THAT(paths(content.id),
                ElementsAre("images/sub/y.png", "images/x.png", "labels.csv", "more/z.txt"));
}

TEST_F(AssetsContent, SeveralPathsKeepTheWarningsOfEach) {
    write_text(m_src / "a/x.txt", "x");
    write_text(m_src / "b/y.txt", "y");
    write_text(m_src / "outside.txt", "o");
    fs::create_symlink(m_src / "outside.txt", m_src / "a/out1");
    fs::create_symlink(m_src / "outside.txt", m_src / "b/out2");
    const Content content = store({m_src / "a", m_src / "b"});
    EXPECT_THAT(paths(content.id), ElementsAre("a/x.txt", "b/y.txt"));
    ASSERT_THAT(content.warnings, SizeIs(2));
    EXPECT_THAT(content.warnings[0], HasSubstr("out1"));
    EXPECT_THAT(content.warnings[1], HasSubstr("out2"));
}

TEST_F(AssetsContent, LinksInsideAFolderOfSeveralPathsStillResolve) {
    write_text(m_src / "a/x.txt", "x");
    fs::create_symlink("x.txt", m_src / "a/y.txt");
    write_text(m_src / "b/z.txt", "z");
    const Content content = store({m_src / "a", m_src / "b"});
    const auto listed = entries(content.id);
    ASSERT_THAT(listed, SizeIs(3));
    EXPECT_EQ(listed[1].path, "a/y.txt");
    EXPECT_TRUE(listed[1].is_link());
    EXPECT_EQ(listed[1].target, "x.txt");  // relative to its folder, which moved with it
}

// "--path data/" (a shell's completion) names the folder "data", not "".
TEST_F(AssetsContent, SeveralPathsWithATrailingSlashKeepTheirNames) {
    write_text(m_src / "data/x.txt", "x");
    write_text(m_src / "extra/y.txt", "y");
    auto stored = store_paths(*m_workspace, {m_src / "data/", m_src / "extra/"}, k_file, k_now);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_THAT(paths(stored->id), ElementsAre("data/x.txt", "extra/y.txt"));
}

// A file given through a symbolic link (latest.csv -> v3.csv) is the file it points to.
TEST_F(AssetsContent, AFileGivenThroughALinkIsStored) {
    write_text(m_src / "versions/v3.csv", "v3");
    fs::create_symlink(m_src / "versions/v3.csv", m_src / "latest.csv");
    auto stored = store_paths(*m_workspace, {m_src / "latest.csv"}, k_file, k_now);
    ASSERT_TRUE(stored) << stored.error().message;
    const auto listed = entries(stored->id);
    ASSERT_THAT(listed, SizeIs(1));
    EXPECT_EQ(listed[0].path, "latest.csv");
    EXPECT_FALSE(listed[0].is_link());
    EXPECT_EQ(listed[0].sha256, util::Sha256::of("v3"));
}

TEST_F(AssetsContent, TwoPathsWithTheSameBaseNameAreRefused) {
    write_text(m_src / "a/data/x.txt", "x");
    write_text(m_src / "b/data/y.txt", "y");
    auto refused = store_paths(*m_workspace, {m_src / "a/data", m_src / "b/data"}, k_file, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "data.yml: two paths are named 'data'; a dataset holds each under its name");
}

TEST_F(AssetsContent, AMissingPathIsAUsageErrorNamingIt) {
    write_text(m_src / "here.txt", "h");
    const fs::path missing = m_src / "not-there";
    auto refused = store_paths(*m_workspace, {m_src / "here.txt", missing}, k_file, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_THAT(refused.error().message, ::testing::StartsWith("data.yml: "));
    EXPECT_THAT(refused.error().message, HasSubstr(missing.string()));
    EXPECT_EQ(refused.error().message.find('\n'), std::string::npos);
}

TEST_F(AssetsContent, AnEmptyFolderIsRefused) {
    fs::create_directories(m_src / "empty");
    auto refused = store_paths(*m_workspace, {m_src / "empty"}, k_file, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_THAT(refused.error().message, HasSubstr((m_src / "empty").string()));
}

TEST_F(AssetsContent, NoPathIsRefused) {
    auto refused = store_paths(*m_workspace, {}, k_file, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
}

TEST_F(AssetsContent, AnUnchangedTreeIsTheSameContentAndStoresNothingNew) {
    write_text(m_src / "data/a.csv", "1,2\n");
    write_text(m_src / "data/b.csv", "3,4\n");
    const Content first = store({m_src / "data"});
    const std::int64_t blobs = blob_count();
    EXPECT_EQ(blobs, 3);  // two files and the manifest
    const Content second = store({m_src / "data"});
    EXPECT_EQ(second.id, first.id);
    EXPECT_EQ(blob_count(), blobs);
}

TEST_F(AssetsContent, OneChangedFileStoresOnlyThatFile) {
    write_text(m_src / "data/a.csv", "1,2\n");
    write_text(m_src / "data/b.csv", "3,4\n");
    const Content first = store({m_src / "data"});
    const std::int64_t blobs = blob_count();
    write_text(m_src / "data/b.csv", "3,4,5\n");
    const Content second = store({m_src / "data"});
    EXPECT_NE(second.id, first.id);
    EXPECT_EQ(blob_count(), blobs + 2);  // the changed file and the new manifest
}

TEST_F(AssetsContent, SameFilesFromSeveralPathsAreTheSameContent) {
    write_text(m_src / "a/x.txt", "x");
    write_text(m_src / "b.txt", "b");
    const Content first = store({m_src / "a", m_src / "b.txt"});
    const std::int64_t blobs = blob_count();
    const Content second = store({m_src / "a", m_src / "b.txt"});
    EXPECT_EQ(second.id, first.id);
    EXPECT_EQ(blob_count(), blobs);
}

TEST_F(AssetsContent, SelectAFolderKeepingItsBaseName) {
    EXPECT_THAT(select("outputs/model", BaseName::keep),
                ElementsAre("model/cfg/config.json", "model/weights.bin"));
}

TEST_F(AssetsContent, SelectAFolderDroppingItsBaseName) {
    EXPECT_THAT(select("outputs/model", BaseName::drop),
                ElementsAre("cfg/config.json", "weights.bin"));
}

TEST_F(AssetsContent, SelectAFileKeepingItsBaseName) {
    EXPECT_THAT(select("outputs/model.pkl", BaseName::keep), ElementsAre("model.pkl"));
}

// A file has no name to drop but its own: it is selected, not "no file at".
TEST_F(AssetsContent, SelectAFileWithBaseNameDropKeepsTheFile) {
    EXPECT_THAT(select("outputs/model.pkl", BaseName::drop), ElementsAre("model.pkl"));
}

TEST_F(AssetsContent, SelectATopLevelFolder) {
    EXPECT_THAT(select("logs", BaseName::keep), ElementsAre("logs/std_log.txt"));
    EXPECT_THAT(select("logs", BaseName::drop), ElementsAre("std_log.txt"));
}

TEST_F(AssetsContent, SelectTakesTrailingSlashesAndDotSlash) {
    EXPECT_THAT(select("./outputs/model/", BaseName::keep),
                ElementsAre("model/cfg/config.json", "model/weights.bin"));
}

TEST_F(AssetsContent, SelectSharesTheBlobsAndCountsFilesAndBytes) {
    const std::string id = artifacts();
    const std::int64_t blobs = blob_count();
    auto selected = select_entries(*m_workspace, id, "outputs/model", k_now);
    ASSERT_TRUE(selected) << selected.error().message;
    EXPECT_EQ(selected->files, 2U);
    EXPECT_EQ(selected->bytes, 9U);
    EXPECT_EQ(blob_count(), blobs + 1);  // only the new manifest
    const auto listed = entries(selected->id);
    ASSERT_THAT(listed, SizeIs(2));
    EXPECT_EQ(listed[1].sha256, util::Sha256::of("weights"));
}

TEST_F(AssetsContent, SelectAMissingPrefixSaysNoFileAt) {
    const std::string id = artifacts();
    for (const std::string_view prefix : {"outputs/none", "outputs/mod", "outputs/model.pk"}) {
        auto refused = select_entries(*m_workspace, id, prefix, k_now);
        ASSERT_FALSE(refused) << prefix;
        EXPECT_EQ(refused.error().code, ExitCode::failure);
        EXPECT_EQ(refused.error().message, fmt::format("no file at {}", prefix));
    }
    auto dropped = select_entries(*m_workspace, id, "outputs/none/", k_now, BaseName::drop);
    ASSERT_FALSE(dropped);
    EXPECT_EQ(dropped.error().message, "no file at outputs/none");
}

TEST_F(AssetsContent, StoreManifestSorts) {
    auto stored = store_manifest(
        *m_workspace, {put("z.txt", "zz"), put("a/b.txt", "b"), put("a.txt", "aaa")}, k_now);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->files, 3U);
    EXPECT_EQ(stored->bytes, 6U);
    EXPECT_THAT(paths(stored->id), ElementsAre("a.txt", "a/b.txt", "z.txt"));
    EXPECT_TRUE(m_workspace->blobs().has(stored->id));
    // The order given does not change the id.
    auto again = store_manifest(
        *m_workspace, {put("a/b.txt", "b"), put("a.txt", "aaa"), put("z.txt", "zz")}, k_now);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->id, stored->id);
}

TEST_F(AssetsContent, ReadContentOfAnUnknownIdFails) {
    auto read = read_content(m_workspace->blobs(), std::string(64, 'a'));
    EXPECT_FALSE(read);
}

}  // namespace
}  // namespace ferry::assets

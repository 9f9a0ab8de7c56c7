#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/assets/data.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::assets {
namespace {

using test::TempDir;
using test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";
constexpr std::string_view k_later = "2026-01-02T00:00:00.000Z";
constexpr std::string_view k_file = "data.yml";

spec::Reference local(const fs::path& path) {
    spec::Reference reference;
    reference.kind = spec::ReferenceKind::local_path;
    reference.text = path.string();
    reference.path = path;
    return reference;
}

spec::Reference url(std::string_view text) {
    auto parsed = spec::parse_reference(text, spec::ReferenceRole::path);
    EXPECT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed ? parsed->kind : spec::ReferenceKind::local_path, spec::ReferenceKind::url);
    return parsed ? *parsed : spec::Reference{};
}

spec::DataSpec spec_of(std::string_view name, std::vector<spec::Reference> paths,
                       std::string_view type = "uri_folder", std::string_view version = "") {
    spec::DataSpec spec;
    spec.name = name;
    spec.version = version;
    spec.description = "about " + std::string(name);
    spec.tags = {{"source", "unit"}};
    spec.type = type;
    spec.paths = std::move(paths);
    spec.several_paths = spec.paths.size() > 1;
    return spec;
}

std::vector<std::string> labels_of(const std::vector<DatasetRecord>& records) {
    std::vector<std::string> labels;
    for (const auto& record : records) {
        labels.push_back(record.label());
    }
    return labels;
}

class AssetsData : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("t", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    store::Database& db() { return m_workspace->db(); }

    DatasetRecord create(const spec::DataSpec& spec) {
        auto created = create_dataset(*m_workspace, spec, k_file, k_now);
        EXPECT_TRUE(created) << created.error().message;
        return created ? *created : DatasetRecord{};
    }

    Error refused(const spec::DataSpec& spec) {
        auto created = create_dataset(*m_workspace, spec, k_file, k_now);
        EXPECT_FALSE(created) << "created " << created->label();
        return created ? Error{} : created.error();
    }

    std::vector<std::string> paths(std::string_view id) {
        auto read = read_content(m_workspace->blobs(), id);
        EXPECT_TRUE(read) << read.error().message;
        std::vector<std::string> out;
        for (const auto& entry : read ? *read : std::vector<snapshot::ManifestEntry>{}) {
            out.push_back(entry.path);
        }
        return out;
    }

    std::int64_t blob_count() {
        auto count = db().prepare("SELECT count(*) FROM blobs");
        EXPECT_TRUE(count);
        if (!count) {
            return -1;
        }
        auto row = count->step();
        EXPECT_TRUE(row && *row);
        return count->integer(0);
    }

    std::vector<std::string> list(bool all_versions, bool include_archived) {
        auto listed = list_datasets(db(), all_versions, include_archived);
        EXPECT_TRUE(listed) << listed.error().message;
        return listed ? labels_of(*listed) : std::vector<std::string>{};
    }

    TempDir m_home;
    TempDir m_src;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(AssetsData, LocalFolderIsStoredWithItsFilesAndBytes) {
    write_text(m_src / "iris/train.csv", "a,b\n1,2\n");
    write_text(m_src / "iris/test/test.csv", "a,b\n");
    const DatasetRecord record = create(spec_of("iris", {local(m_src / "iris")}));
    EXPECT_EQ(record.name, "iris");
    EXPECT_EQ(record.version, "1");
    EXPECT_EQ(record.type, "uri_folder");
    EXPECT_FALSE(record.remote);
    EXPECT_THAT(record.paths, ElementsAre((m_src / "iris").string()));
    EXPECT_EQ(record.files, 2U);
    EXPECT_EQ(record.bytes, 12U);
    EXPECT_EQ(record.created_at, k_now);
    EXPECT_TRUE(record.lineage.is_null());
    EXPECT_THAT(paths(record.content), ElementsAre("test/test.csv", "train.csv"));

    auto found = find_dataset(db(), "iris", "1");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    const DatasetRecord& stored = **found;
    EXPECT_EQ(stored.description, "about iris");
    EXPECT_EQ(stored.tags, (spec::StringMap{{"source", "unit"}}));
    EXPECT_EQ(stored.type, "uri_folder");
    EXPECT_EQ(stored.paths, record.paths);
    EXPECT_FALSE(stored.remote);
    EXPECT_EQ(stored.content, record.content);
    EXPECT_EQ(stored.files, 2U);
    EXPECT_EQ(stored.bytes, 12U);
    EXPECT_TRUE(stored.lineage.is_null());
    EXPECT_FALSE(stored.archived);
}

TEST_F(AssetsData, LocalFileIsStoredUnderItsBaseName) {
    write_text(m_src / "raw/iris.csv", "a,b\n");
    const DatasetRecord record =
        create(spec_of("iris", {local(m_src / "raw/iris.csv")}, "uri_file"));
    EXPECT_EQ(record.type, "uri_file");
    EXPECT_EQ(record.files, 1U);
    EXPECT_EQ(record.bytes, 4U);
    EXPECT_THAT(paths(record.content), ElementsAre("iris.csv"));
}

TEST_F(AssetsData, SeveralLocalPathsAreEachATopLevelEntry) {
    write_text(m_src / "images/a.png", "a");
    write_text(m_src / "labels.csv", "l");
    const DatasetRecord record =
        create(spec_of("set", {local(m_src / "images"), local(m_src / "labels.csv")}));
    EXPECT_THAT(record.paths,
                ElementsAre((m_src / "images").string(), (m_src / "labels.csv").string()));
    EXPECT_THAT(paths(record.content), ElementsAre("images/a.png", "labels.csv"));
}

TEST_F(AssetsData, WarningsSayWhatWasLeftOut) {
    write_text(m_src / "data/a.csv", "a");
    write_text(m_src / "elsewhere.csv", "e");
    fs::create_symlink(m_src / "elsewhere.csv", m_src / "data/link.csv");
    const DatasetRecord record = create(spec_of("d", {local(m_src / "data")}));
    EXPECT_THAT(paths(record.content), ElementsAre("a.csv"));
    ASSERT_THAT(record.warnings, SizeIs(1));
    EXPECT_THAT(record.warnings[0], HasSubstr("link.csv"));
}

TEST_F(AssetsData, UriFileWithAFolderIsRefused) {
    write_text(m_src / "iris/a.csv", "a");
    const Error error = refused(spec_of("iris", {local(m_src / "iris")}, "uri_file"));
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message, fmt::format("data.yml: {} is a folder, but the dataset's type is "
                                         "uri_file",
                                         (m_src / "iris").string()));
    EXPECT_THAT(list(true, true), IsEmpty());
}

TEST_F(AssetsData, UriFolderWithOneFileIsRefused) {
    write_text(m_src / "iris.csv", "a");
    const Error error = refused(spec_of("iris", {local(m_src / "iris.csv")}));
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message, fmt::format("data.yml: {} is a file, but the dataset's type is "
                                         "uri_folder (use --type uri_file)",
                                         (m_src / "iris.csv").string()));
    EXPECT_THAT(list(true, true), IsEmpty());
}

TEST_F(AssetsData, UriFileWithSeveralPathsIsRefused) {
    write_text(m_src / "a.csv", "a");
    write_text(m_src / "b.csv", "b");
    const Error error =
        refused(spec_of("two", {local(m_src / "a.csv"), local(m_src / "b.csv")}, "uri_file"));
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message, "data.yml: a uri_file dataset has one path");
    const Error urls = refused(spec_of(
        "two", {url("https://example.com/a.csv"), url("https://example.com/b.csv")}, "uri_file"));
    EXPECT_EQ(urls.code, ExitCode::usage);
    EXPECT_EQ(urls.message, "data.yml: a uri_file dataset has one path");
    EXPECT_THAT(list(true, true), IsEmpty());
}

TEST_F(AssetsData, LocalAndUrlPathsMixedAreRefused) {
    write_text(m_src / "data/a.csv", "a");
    const Error error =
        refused(spec_of("mixed", {local(m_src / "data"), url("https://example.com/b.csv")}));
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message, "data.yml: a dataset's paths are all local or all URLs, not both");
    EXPECT_THAT(list(true, true), IsEmpty());
}

TEST_F(AssetsData, AMissingPathIsAUsageErrorAndNothingIsRecorded) {
    const fs::path missing = m_src / "nowhere";
    const Error error = refused(spec_of("gone", {local(missing)}));
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message, fmt::format("data.yml: {} does not exist", missing.string()));
    EXPECT_THAT(list(true, true), IsEmpty());
}

TEST_F(AssetsData, UrlDatasetsAreKeptByReferenceWithNoContent) {
    const std::int64_t blobs = blob_count();
    const DatasetRecord record =
        create(spec_of("remote", {url("https://example.invalid/data/iris.csv")}, "uri_file"));
    EXPECT_TRUE(record.remote);
    EXPECT_THAT(record.paths, ElementsAre("https://example.invalid/data/iris.csv"));
    EXPECT_EQ(record.content, "");
    EXPECT_EQ(record.files, 0U);
    EXPECT_EQ(record.bytes, 0U);
    EXPECT_EQ(blob_count(), blobs);  // nothing fetched

    auto found = find_dataset(db(), "remote", "");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_TRUE((*found)->remote);
    EXPECT_EQ((*found)->type, "uri_file");
    EXPECT_EQ((*found)->content, "");
    auto pin = dataset_pin(db(), **found);
    ASSERT_TRUE(pin) << pin.error().message;
    EXPECT_TRUE(pin->is_null());
}

TEST_F(AssetsData, SeveralUrlsMakeAFolderDataset) {
    const DatasetRecord record = create(spec_of(
        "remote", {url("https://example.invalid/a.csv"), url("http://example.invalid/b.csv")}));
    EXPECT_TRUE(record.remote);
    EXPECT_EQ(record.type, "uri_folder");
    EXPECT_THAT(record.paths,
                ElementsAre("https://example.invalid/a.csv", "http://example.invalid/b.csv"));
}

TEST_F(AssetsData, AnExplicitExistingVersionIsRefused) {
    write_text(m_src / "d/a.csv", "a");
    create(spec_of("iris", {local(m_src / "d")}, "uri_folder", "1"));
    const Error error = refused(spec_of("iris", {local(m_src / "d")}, "uri_folder", "1"));
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message,
              "dataset 'iris:1' already exists; a version is never overwritten (leave out the "
              "version to register iris:2)");
}

TEST_F(AssetsData, VersionsCountUpAndASecondVersionStoresOnlyWhatChanged) {
    write_text(m_src / "d/a.csv", "a");
    write_text(m_src / "d/b.csv", "b");
    const DatasetRecord first = create(spec_of("iris", {local(m_src / "d")}));
    const std::int64_t blobs = blob_count();
    write_text(m_src / "d/b.csv", "B!");
    const DatasetRecord second = create(spec_of("iris", {local(m_src / "d")}));
    EXPECT_EQ(first.version, "1");
    EXPECT_EQ(second.version, "2");
    EXPECT_NE(second.content, first.content);
    EXPECT_EQ(second.bytes, 3U);
    EXPECT_EQ(blob_count(), blobs + 2);  // b.csv and the manifest
}

TEST_F(AssetsData, RegisterContentKeepsLineage) {
    write_text(m_src / "out/result.csv", "r");
    auto content = store_paths(*m_workspace, {m_src / "out"}, "run", k_now);
    ASSERT_TRUE(content) << content.error().message;
    DatasetRecord record;
    record.name = "predictions";
    record.type = "uri_folder";
    record.paths = {"/runs/r1/named-outputs/preds"};
    record.content = content->id;
    record.files = content->files;
    record.bytes = content->bytes;
    record.lineage = {{"run", "r1"}, {"experiment", "exp"}};
    auto registered = register_content(*m_workspace, record, k_later);
    ASSERT_TRUE(registered) << registered.error().message;
    EXPECT_EQ(registered->version, "1");
    EXPECT_EQ(registered->created_at, k_later);

    auto found = find_dataset(db(), "predictions", "1");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->lineage, (Json{{"run", "r1"}, {"experiment", "exp"}}));
    EXPECT_EQ((*found)->content, content->id);
    EXPECT_EQ((*found)->files, 1U);
    EXPECT_EQ((*found)->bytes, 1U);
    EXPECT_THAT((*found)->paths, ElementsAre("/runs/r1/named-outputs/preds"));
    EXPECT_FALSE((*found)->remote);

    record.version = "1";
    auto again = register_content(*m_workspace, record, k_later);
    ASSERT_FALSE(again);
    EXPECT_THAT(again.error().message, ::testing::StartsWith("dataset 'predictions:1' already "
                                                             "exists"));
}

TEST_F(AssetsData, FindListAndArchive) {
    write_text(m_src / "d/a.csv", "a");
    create(spec_of("wine", {local(m_src / "d")}));
    create(spec_of("iris", {local(m_src / "d")}));
    create(spec_of("iris", {local(m_src / "d")}));
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"iris:2", "wine:1"}));
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"iris:1", "iris:2", "wine:1"}));

    auto archived = set_dataset_archived(db(), "iris", "2", true);
    ASSERT_TRUE(archived) << archived.error().message;
    EXPECT_EQ(*archived, 1);
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"iris:1", "wine:1"}));
    EXPECT_EQ(list(false, true), (std::vector<std::string>{"iris:2", "wine:1"}));
    auto latest = find_dataset(db(), "iris", "");
    ASSERT_TRUE(latest && latest->has_value());
    EXPECT_EQ((*latest)->version, "1");
    auto explicit_one = find_dataset(db(), "iris", "2");
    ASSERT_TRUE(explicit_one && explicit_one->has_value());
    EXPECT_TRUE((*explicit_one)->archived);

    auto all = set_dataset_archived(db(), "iris", "", true);
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, 2);
    auto none = find_dataset(db(), "iris", "");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    auto restored = set_dataset_archived(db(), "iris", "", false);
    ASSERT_TRUE(restored);
    EXPECT_EQ(*restored, 2);
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"iris:2", "wine:1"}));
    auto unknown = find_dataset(db(), "nothing", "");
    ASSERT_TRUE(unknown);
    EXPECT_FALSE(unknown->has_value());
}

TEST_F(AssetsData, UrlFileNames) {
    EXPECT_EQ(url_file_name("https://example.com/data/iris.csv"), "iris.csv");
    EXPECT_EQ(url_file_name("https://example.com/data/iris.csv?sv=2024&sig=a/b.c"), "iris.csv");
    EXPECT_EQ(url_file_name("https://example.com/data/iris.csv#part"), "iris.csv");
    EXPECT_EQ(url_file_name("https://example.com/data/folder/"), "folder");
    EXPECT_EQ(url_file_name("https://example.com/data/folder//"), "folder");
    EXPECT_EQ(url_file_name("http://example.com:8080/a.tar.gz"), "a.tar.gz");
    EXPECT_EQ(url_file_name("https://example.com"), "data");
    EXPECT_EQ(url_file_name("https://example.com/"), "data");
    EXPECT_EQ(url_file_name("https://example.com?file=x.csv"), "data");
    EXPECT_EQ(url_file_name("https://example.com/?file=/x.csv"), "data");
    EXPECT_EQ(url_file_name("https://example.com/a/.."), "data");
    EXPECT_EQ(url_file_name("https://example.com/a/."), "data");
}

TEST_F(AssetsData, ContentOfALocalDatasetNeedsNoNetwork) {
    write_text(m_src / "d/a.csv", "abc");
    const DatasetRecord record = create(spec_of("iris", {local(m_src / "d")}));
    auto content = dataset_content(*m_workspace, record, false, k_later);
    ASSERT_TRUE(content) << content.error().message;
    EXPECT_EQ(content->id, record.content);
    EXPECT_EQ(content->files, 1U);
    EXPECT_EQ(content->bytes, 3U);
    auto refreshed = dataset_content(*m_workspace, record, true, k_later);
    ASSERT_TRUE(refreshed) << refreshed.error().message;
    EXPECT_EQ(refreshed->id, record.content);
    auto pin = dataset_pin(db(), record);
    ASSERT_TRUE(pin) << pin.error().message;
    EXPECT_TRUE(pin->is_null());
}

}  // namespace
}  // namespace ferry::assets

#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/assets/model.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::assets {
namespace {

using snapshot::ManifestEntry;
using test::TempDir;
using test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";
constexpr std::string_view k_file = "model.yml";

ModelRecord record_of(std::string_view name, std::string path, std::string_view version = "") {
    ModelRecord record;
    record.name = name;
    record.version = version;
    record.description = "about " + std::string(name);
    record.tags = {{"team", "ml"}};
    record.properties = {{"accuracy", "0.9"}};
    record.type = "mlflow_model";
    record.framework = "pytorch";
    record.framework_version = "2.3";
    record.path = std::move(path);
    return record;
}

nlohmann::ordered_json lineage_of(std::string_view run) {
    return {{"run", run},
            {"experiment", "exp"},
            {"snapshot", "abc"},
            {"runtime", "local"},
            {"environment", nullptr}};
}

class AssetsModel : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("t", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    store::Database& db() { return m_workspace->db(); }

    std::vector<std::string> paths(std::string_view id) {
        auto read = read_content(m_workspace->blobs(), id);
        EXPECT_TRUE(read) << read.error().message;
        std::vector<std::string> out;
        for (const auto& entry : read ? *read : std::vector<ManifestEntry>{}) {
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

    // A run's stored artifacts, as the run would have them.
    std::string artifacts() {
        auto stored = store_manifest(
            *m_workspace,
            {put("outputs/model/weights.bin", "weights"),
             put("outputs/model/MLmodel", "flavors: {}\n"), put("outputs/model.pkl", "pickle"),
             put("outputs/metrics.json", "{}"), put("logs/std_log.txt", "log")},
            k_now);
        EXPECT_TRUE(stored) << stored.error().message;
        return stored ? stored->id : "";
    }

    ModelRecord from_run(std::string_view name, std::string path, std::string_view run) {
        ModelRecord record = record_of(name, std::move(path));
        record.lineage = lineage_of(run);
        auto registered = register_run_model(*m_workspace, record, artifacts(), k_now);
        EXPECT_TRUE(registered) << registered.error().message;
        return registered ? *registered : ModelRecord{};
    }

    ModelRecord from_local(std::string_view name, const fs::path& path) {
        auto registered =
            register_local_model(*m_workspace, record_of(name, path.string()), k_file, k_now);
        EXPECT_TRUE(registered) << registered.error().message;
        return registered ? *registered : ModelRecord{};
    }

    std::vector<std::string> of_run(std::string_view run) {
        auto models = models_of_run(db(), run);
        EXPECT_TRUE(models) << models.error().message;
        return models ? *models : std::vector<std::string>{};
    }

    TempDir m_home;
    TempDir m_src;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(AssetsModel, LocalFolderKeepsItsBaseNameAsTheTopLevel) {
    write_text(m_src / "net/weights.bin", "weights");
    write_text(m_src / "net/cfg/config.json", "{}");
    const ModelRecord model = from_local("net", m_src / "net");
    EXPECT_EQ(model.version, "1");
    EXPECT_EQ(model.path, (m_src / "net").string());
    EXPECT_EQ(model.files, 2U);
    EXPECT_EQ(model.bytes, 9U);
    EXPECT_TRUE(model.lineage.is_null());
    EXPECT_THAT(paths(model.content), ElementsAre("net/cfg/config.json", "net/weights.bin"));
}

// "--path net/" (a shell's completion) is the folder net, not a folder without a name.
TEST_F(AssetsModel, LocalFolderWithATrailingSlashKeepsItsBaseName) {
    write_text(m_src / "net/weights.bin", "weights");
    auto registered = register_local_model(
        *m_workspace, record_of("net", (m_src / "net/").string()), k_file, k_now);
    ASSERT_TRUE(registered) << registered.error().message;
    EXPECT_THAT(paths(registered->content), ElementsAre("net/weights.bin"));
}

TEST_F(AssetsModel, LocalFileIsStoredUnderItsName) {
    write_text(m_src / "out/model.pkl", "pickle");
    const ModelRecord model = from_local("clf", m_src / "out/model.pkl");
    EXPECT_EQ(model.files, 1U);
    EXPECT_EQ(model.bytes, 6U);
    EXPECT_THAT(paths(model.content), ElementsAre("model.pkl"));
}

TEST_F(AssetsModel, LocalFolderWarnsOfLinksLeftOut) {
    write_text(m_src / "net/weights.bin", "weights");
    write_text(m_src / "shared.bin", "shared");
    fs::create_symlink(m_src / "shared.bin", m_src / "net/shared.bin");
    const ModelRecord model = from_local("net", m_src / "net");
    EXPECT_THAT(paths(model.content), ElementsAre("net/weights.bin"));
    ASSERT_EQ(model.warnings.size(), 1U);
    EXPECT_THAT(model.warnings[0], HasSubstr("shared.bin"));
}

TEST_F(AssetsModel, AMissingLocalPathIsAUsageError) {
    const fs::path missing = m_src / "nothing";
    auto refused =
        register_local_model(*m_workspace, record_of("net", missing.string()), k_file, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              fmt::format("model.yml: {} does not exist", missing.string()));
    auto listed = list_models(db(), true, true);
    ASSERT_TRUE(listed);
    EXPECT_THAT(*listed, IsEmpty());
}

TEST_F(AssetsModel, RunFolderBecomesModelSlashFiles) {
    const std::string id = artifacts();
    const std::int64_t blobs = blob_count();
    ModelRecord record = record_of("net", "outputs/model");
    record.lineage = lineage_of("run-1");
    auto registered = register_run_model(*m_workspace, record, id, k_now);
    ASSERT_TRUE(registered) << registered.error().message;
    EXPECT_EQ(registered->version, "1");
    EXPECT_EQ(registered->path, "outputs/model");
    EXPECT_EQ(registered->files, 2U);
    EXPECT_EQ(registered->bytes, 19U);
    EXPECT_EQ(registered->lineage, lineage_of("run-1"));
    EXPECT_THAT(paths(registered->content), ElementsAre("model/MLmodel", "model/weights.bin"));
    EXPECT_EQ(blob_count(), blobs + 1);  // the files are shared; only the manifest is new
}

TEST_F(AssetsModel, RunFileKeepsItsName) {
    const ModelRecord model = from_run("clf", "outputs/model.pkl", "run-1");
    EXPECT_THAT(paths(model.content), ElementsAre("model.pkl"));
    EXPECT_EQ(model.files, 1U);
    EXPECT_EQ(model.bytes, 6U);
}

TEST_F(AssetsModel, ARunPathThatIsNotThereIsRefused) {
    ModelRecord record = record_of("net", "outputs/nothing");
    record.lineage = lineage_of("run-1");
    auto refused = register_run_model(*m_workspace, record, artifacts(), k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::failure);
    EXPECT_EQ(refused.error().message, "no file at outputs/nothing");
    EXPECT_TRUE(of_run("run-1").empty());
}

TEST_F(AssetsModel, EveryFieldIsKept) {
    from_run("net", "outputs/model", "run-1");
    auto found = find_model(db(), "net", "");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    const ModelRecord& model = **found;
    EXPECT_EQ(model.name, "net");
    EXPECT_EQ(model.version, "1");
    EXPECT_EQ(model.description, "about net");
    EXPECT_EQ(model.tags, (spec::StringMap{{"team", "ml"}}));
    EXPECT_EQ(model.properties, (spec::StringMap{{"accuracy", "0.9"}}));
    EXPECT_EQ(model.type, "mlflow_model");
    EXPECT_EQ(model.framework, "pytorch");
    EXPECT_EQ(model.framework_version, "2.3");
    EXPECT_EQ(model.path, "outputs/model");
    EXPECT_EQ(model.files, 2U);
    EXPECT_EQ(model.bytes, 19U);
    EXPECT_EQ(model.lineage, lineage_of("run-1"));
    EXPECT_EQ(model.created_at, k_now);
    EXPECT_FALSE(model.archived);
    EXPECT_THAT(paths(model.content), ElementsAre("model/MLmodel", "model/weights.bin"));
}

TEST_F(AssetsModel, AnExplicitExistingVersionIsRefused) {
    write_text(m_src / "model.pkl", "p");
    ASSERT_TRUE(register_local_model(
        *m_workspace, record_of("clf", (m_src / "model.pkl").string(), "3"), k_file, k_now));
    auto refused = register_local_model(
        *m_workspace, record_of("clf", (m_src / "model.pkl").string(), "3"), k_file, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "model 'clf:3' already exists; a version is never overwritten (leave out the "
              "version to register clf:4)");
}

TEST_F(AssetsModel, FindListAndArchive) {
    from_run("net", "outputs/model", "run-1");
    from_run("net", "outputs/model", "run-2");
    from_run("clf", "outputs/model.pkl", "run-2");
    auto latest = list_models(db(), false, false);
    ASSERT_TRUE(latest) << latest.error().message;
    ASSERT_EQ(latest->size(), 2U);
    EXPECT_EQ((*latest)[0].label(), "clf:1");
    EXPECT_EQ((*latest)[1].label(), "net:2");
    EXPECT_EQ((*latest)[1].lineage, lineage_of("run-2"));

    auto archived = set_model_archived(db(), "net", "2", true);
    ASSERT_TRUE(archived);
    EXPECT_EQ(*archived, 1);
    auto found = find_model(db(), "net", "");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->version, "1");
    auto all = list_models(db(), true, false);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2U);
    EXPECT_EQ((*all)[0].label(), "clf:1");
    EXPECT_EQ((*all)[1].label(), "net:1");
    auto everything = list_models(db(), true, true);
    ASSERT_TRUE(everything);
    EXPECT_EQ(everything->size(), 3U);
    auto restored = set_model_archived(db(), "net", "", false);
    ASSERT_TRUE(restored);
    EXPECT_EQ(*restored, 2);
    auto unknown = find_model(db(), "nothing", "1");
    ASSERT_TRUE(unknown);
    EXPECT_FALSE(unknown->has_value());
}

TEST_F(AssetsModel, ModelsOfARunAreThoseWhoseLineageNamesIt) {
    write_text(m_src / "local.pkl", "l");
    from_run("net", "outputs/model", "run-1");
    from_run("clf", "outputs/model.pkl", "run-2");
    from_local("local", m_src / "local.pkl");
    from_run("net", "outputs/model", "run-2");
    from_run("alpha", "outputs/model.pkl", "run-1");
    EXPECT_THAT(of_run("run-1"), ElementsAre("net:1", "alpha:1"));
    EXPECT_THAT(of_run("run-2"), ElementsAre("clf:1", "net:2"));
    EXPECT_THAT(of_run("run-3"), IsEmpty());
    EXPECT_THAT(of_run("run"), IsEmpty());
    // A dataset registered from the run is not a model.
    auto data = db().prepare(
        "INSERT INTO assets(kind, name, version, description, tags, properties, body, "
        "archived, created_at) VALUES ('data', 'd', '1', '', '{}', '{}', "
        "'{\"lineage\": {\"run\": \"run-1\"}}', 0, 'now')");
    ASSERT_TRUE(data) << data.error().message;
    ASSERT_TRUE(data->run());
    EXPECT_THAT(of_run("run-1"), ElementsAre("net:1", "alpha:1"));
}

TEST_F(AssetsModel, ArchivedModelsOfARunAreStillListed) {
    from_run("net", "outputs/model", "run-1");
    ASSERT_TRUE(set_model_archived(db(), "net", "1", true));
    EXPECT_THAT(of_run("run-1"), ElementsAre("net:1"));
}

}  // namespace
}  // namespace ferry::assets

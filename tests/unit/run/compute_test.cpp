#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::run {
namespace {

using test::TempDir;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

spec::ComputeSpec local_spec(const std::string& name, std::optional<std::int64_t> max = {},
                             std::optional<std::int64_t> gpus = {}) {
    spec::ComputeSpec spec;
    spec.name = name;
    spec.type = "local";
    spec.max_concurrent_runs = max;
    spec.gpus = gpus;
    return spec;
}

std::vector<std::string> names_of(const std::vector<ComputeRecord>& computes) {
    std::vector<std::string> names;
    for (const auto& compute : computes) {
        names.push_back(compute.name);
    }
    return names;
}

class RunCompute : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_dir.path(), "", k_now));
        auto opened = store::Workspace::open("t", m_dir.path());
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    store::Database& db() { return m_workspace->db(); }

    std::optional<ComputeRecord> find(std::string_view name) {
        auto found = find_compute(db(), name);
        EXPECT_TRUE(found) << found.error().message;
        return found ? *found : std::nullopt;
    }

    TempDir m_dir;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(RunCompute, LocalExistsImplicitly) {
    const auto local = find("local");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->name, "local");
    EXPECT_EQ(local->type, "local");
    EXPECT_EQ(local->max_concurrent_runs, 1);
    EXPECT_FALSE(local->gpus);
    EXPECT_EQ(local->created_at, "");
    EXPECT_TRUE(local->implicit);
    EXPECT_EQ(local->spec.dump(), R"({"name":"local","type":"local","max_concurrent_runs":1})");
}

TEST_F(RunCompute, UnknownComputeIsNotFound) {
    EXPECT_FALSE(find("gpu"));
    EXPECT_FALSE(find("Local"));
}

TEST_F(RunCompute, InsertThenFind) {
    spec::ComputeSpec spec = local_spec("gpu", 2, 1);
    spec.description = "the box";
    auto inserted = store_compute(db(), spec, k_now, Storing::create);
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(inserted->name, "gpu");

    const auto found = find("gpu");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "gpu");
    EXPECT_EQ(found->type, "local");
    EXPECT_EQ(found->max_concurrent_runs, 2);
    EXPECT_EQ(found->gpus, 1);
    EXPECT_EQ(found->description, "the box");
    EXPECT_EQ(found->created_at, k_now);
    EXPECT_FALSE(found->implicit);
    EXPECT_EQ(found->spec["max_concurrent_runs"], 2);
}

TEST_F(RunCompute, WithoutMaxConcurrentRunsOneAtATime) {
    ASSERT_TRUE(store_compute(db(), local_spec("cpu"), k_now, Storing::create));
    const auto found = find("cpu");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->max_concurrent_runs, 1);
    EXPECT_FALSE(found->gpus);
    EXPECT_EQ(found->spec["max_concurrent_runs"], 1);
}

TEST_F(RunCompute, DuplicateIsRefused) {
    ASSERT_TRUE(store_compute(db(), local_spec("gpu", 2), k_now, Storing::create));
    auto again = store_compute(db(), local_spec("gpu", 5), k_now, Storing::create);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ExitCode::usage);
    EXPECT_EQ(again.error().message,
              "compute 'gpu' already exists (change it with 'ferry compute update gpu', or delete "
              "it first)");
    EXPECT_EQ(find("gpu")->max_concurrent_runs, 2);
}

TEST_F(RunCompute, CreatingLocalSetsItsValues) {
    ASSERT_TRUE(store_compute(db(), local_spec("local", 3), k_now, Storing::create));
    const auto local = find("local");
    ASSERT_TRUE(local);
    EXPECT_FALSE(local->implicit);
    EXPECT_EQ(local->max_concurrent_runs, 3);
    EXPECT_EQ(local->created_at, k_now);
    // Created once, it is refused a second time like any other.
    EXPECT_FALSE(store_compute(db(), local_spec("local", 4), k_now, Storing::create));
}

TEST_F(RunCompute, UpdateChangesValuesAndKeepsTheCreationTime) {
    ASSERT_TRUE(store_compute(db(), local_spec("gpu", 2, 1), k_now, Storing::create));
    auto updated =
        store_compute(db(), local_spec("gpu", 4, 1), "2026-02-01T00:00:00.000Z", Storing::update);
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_EQ(updated->max_concurrent_runs, 4);
    EXPECT_EQ(updated->gpus, 1);
    EXPECT_EQ(updated->created_at, k_now);
    EXPECT_EQ(find("gpu")->max_concurrent_runs, 4);
}

TEST_F(RunCompute, UpdatingTheImplicitLocalGivesItValues) {
    auto updated = store_compute(db(), local_spec("local", 3), k_now, Storing::update);
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_FALSE(updated->implicit);
    EXPECT_EQ(find("local")->max_concurrent_runs, 3);
}

TEST_F(RunCompute, UpdateOfAnUnknownComputeOrOfItsTypeIsRefused) {
    auto unknown = store_compute(db(), local_spec("gpu", 2), k_now, Storing::update);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message, "no compute named 'gpu'");
    EXPECT_FALSE(find("gpu"));

    ASSERT_TRUE(store_compute(db(), local_spec("gpu", 2), k_now, Storing::create));
    spec::ComputeSpec slurm;
    slurm.name = "gpu";
    slurm.type = "slurm";
    auto retyped = store_compute(db(), slurm, k_now, Storing::update);
    ASSERT_FALSE(retyped);
    EXPECT_EQ(retyped.error().message,
              "compute 'gpu' is of type local: a type does not change (delete the compute and "
              "create it anew)");
    EXPECT_EQ(find("gpu")->type, "local");
    slurm.name = "local";
    EXPECT_FALSE(store_compute(db(), slurm, k_now, Storing::update));
    EXPECT_TRUE(find("local")->implicit);
}

TEST_F(RunCompute, ListHasLocalFirst) {
    auto only = list_computes(db());
    ASSERT_TRUE(only) << only.error().message;
    ASSERT_EQ(names_of(*only), (std::vector<std::string>{"local"}));
    EXPECT_TRUE(only->front().implicit);

    ASSERT_TRUE(store_compute(db(), local_spec("zeta"), k_now, Storing::create));
    ASSERT_TRUE(store_compute(db(), local_spec("alpha"), k_now, Storing::create));
    ASSERT_TRUE(store_compute(db(), local_spec("kappa"), k_now, Storing::create));
    auto all = list_computes(db());
    ASSERT_TRUE(all);
    EXPECT_EQ(names_of(*all), (std::vector<std::string>{"local", "alpha", "kappa", "zeta"}));
    EXPECT_TRUE(all->front().implicit);

    ASSERT_TRUE(store_compute(db(), local_spec("local", 2), k_now, Storing::create));
    all = list_computes(db());
    ASSERT_TRUE(all);
    EXPECT_EQ(names_of(*all), (std::vector<std::string>{"local", "alpha", "kappa", "zeta"}));
    EXPECT_FALSE(all->front().implicit);
    EXPECT_EQ(all->front().max_concurrent_runs, 2);
}

TEST_F(RunCompute, DeleteForgetsACreatedCompute) {
    ASSERT_TRUE(store_compute(db(), local_spec("gpu"), k_now, Storing::create));
    auto deleted = delete_compute(db(), "gpu");
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_TRUE(*deleted);
    EXPECT_FALSE(find("gpu"));
    deleted = delete_compute(db(), "gpu");
    ASSERT_TRUE(deleted);
    EXPECT_FALSE(*deleted);
}

TEST_F(RunCompute, DeleteOfTheImplicitLocalIsFalse) {
    auto deleted = delete_compute(db(), "local");
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_FALSE(*deleted);
    EXPECT_TRUE(find("local"));

    ASSERT_TRUE(store_compute(db(), local_spec("local", 4), k_now, Storing::create));
    deleted = delete_compute(db(), "local");
    ASSERT_TRUE(deleted);
    EXPECT_TRUE(*deleted);
    const auto local = find("local");  // back to the implicit one
    ASSERT_TRUE(local);
    EXPECT_TRUE(local->implicit);
    EXPECT_EQ(local->max_concurrent_runs, 1);
}

}  // namespace
}  // namespace ferry::run

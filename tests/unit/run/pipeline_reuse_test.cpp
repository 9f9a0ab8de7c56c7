// A pipeline step's fingerprint: what its result depends on, and nothing else.
#include <gtest/gtest.h>

#include "../../../src/run/pipeline_reuse.hpp"
#include "../test_support.hpp"

namespace ferry::run {
namespace {

class Fingerprint : public ::testing::Test {
protected:
    void SetUp() override {
        test::write_text(m_dir.path() / "data/a.csv", "1,2\n");
        test::write_text(m_dir.path() / "conda.yml", "dependencies: [numpy]\n");
    }

    [[nodiscard]] Json job() const {
        return {
            {"type", "command"},
            {"name", "p_train"},
            {"display_name", "train"},
            {"experiment_name", "e"},
            {"compute", "azureml:local"},
            {"command", "python3 train.py --data ${{inputs.data}} --n ${{inputs.n}}"},
            {"environment", {{"name", "e"}, {"conda_file", (m_dir.path() / "conda.yml").string()}}},
            {"inputs",
             {{"n", 3},
              {"data",
               {{"type", "uri_folder"},
                {"path", (m_dir.path() / "data").string()},
                {"mode", "ro_mount"}}},
              {"model", {{"type", "uri_folder"}, {"path", "/placeholder"}}}}}};
    }

    [[nodiscard]] std::string of(const Json& job, const std::string& model = "m1") const {
        auto fingerprint = step_fingerprint(job, "snap", {{"model", model}});
        EXPECT_TRUE(fingerprint) << fingerprint.error().message;
        return fingerprint.value_or("");
    }

    test::TempDir m_dir;
};

TEST_F(Fingerprint, NamesAndComputeDoNotCount) {
    Json other = job();
    other["name"] = "q_train";
    other["display_name"] = "other";
    other["experiment_name"] = "f";
    other["compute"] = "azureml:cluster";
    EXPECT_EQ(of(job()), of(other));
}

TEST_F(Fingerprint, WhatTheResultDependsOnCounts) {
    const std::string first = of(job());
    Json literal = job();
    literal["inputs"]["n"] = 4;
    EXPECT_NE(of(literal), first);
    Json command = job();
    command["command"] = "python3 train.py";
    EXPECT_NE(of(command), first);
    EXPECT_NE(of(job(), "m2"), first);  // the upstream's output changed
    auto other_snapshot = step_fingerprint(job(), "snap2", {{"model", "m1"}});
    ASSERT_TRUE(other_snapshot);
    EXPECT_NE(*other_snapshot, first);
}

TEST_F(Fingerprint, FilesCountByContentNotByPath) {
    const std::string first = of(job());
    test::write_text(m_dir.path() / "data/a.csv", "1,3\n");
    const std::string data_changed = of(job());
    EXPECT_NE(data_changed, first);
    test::write_text(m_dir.path() / "conda.yml", "dependencies: [numpy, scipy]\n");
    EXPECT_NE(of(job()), data_changed);
    EXPECT_EQ(of(job()), of(job()));
}

TEST_F(Fingerprint, WhatCannotBeReadNeverMatches) {
    Json missing = job();
    missing["inputs"]["data"]["path"] = (m_dir.path() / "nope").string();
    EXPECT_NE(of(missing), of(missing));
}

}  // namespace
}  // namespace ferry::run

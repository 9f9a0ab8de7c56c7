#include "../../src/cli/az_names.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/cli/command_tree.hpp"

namespace ferry::cli {
namespace {

class AzNames : public ::testing::Test {
protected:
    AzNames() {
        add_submit_verb(m_tree);
        add_run_verbs(m_tree);
        add_dataset_verbs(m_tree);
        add_env_verbs(m_tree);
    }

    std::optional<std::string> answer(const std::vector<std::string>& words) {
        return az_ml_answer(m_tree.root(), words);
    }

    CommandTree m_tree;
};

TEST_F(AzNames, AGroupOfAzMlIsAnsweredWithTheFerryCommandAndItsWords) {
    EXPECT_EQ(answer({"job", "create", "-f", "job.yml", "--name", "x"}),
              "'job' is az ml's name for runs; ferry's is 'run': use 'ferry run submit -f "
              "job.yml --name x'");
    EXPECT_EQ(answer({"job", "show", "-n", "my run"}),
              "'job' is az ml's name for runs; ferry's is 'run': use 'ferry run show -n 'my "
              "run''");
    EXPECT_EQ(answer({"data", "list"}),
              "'data' is az ml's name for datasets; ferry's is 'dataset': use 'ferry dataset "
              "list'");
    EXPECT_EQ(answer({"environment", "--help"}),
              "'environment' is az ml's name for environments; ferry's is 'env': see 'ferry env "
              "--help'");
}

TEST_F(AzNames, AVerbFerryDoesNotHaveIsNamedAndOtherWordsAreNotAzMls) {
    EXPECT_EQ(answer({"job", "update", "-n", "x"}),
              "'job' is az ml's name for runs; ferry's is 'run', which has no verb 'update': see "
              "'ferry run --help'");
    EXPECT_FALSE(answer({"model", "list"}));  // the same name in ferry
    EXPECT_FALSE(answer({"jobs"}));
    EXPECT_FALSE(answer({}));
}

}  // namespace
}  // namespace ferry::cli

#include "ferry/cli/tensorboard.hpp"

#include <gtest/gtest.h>

namespace ferry::cli {
namespace {

TEST(LogdirSpec, NamesEachRunsFolder) {
    auto spec = logdir_spec({{"lr_1", "/w/runs/lr_1/wd/logs", true},
                             {"lr_2", "/w/cache/tensorboard/lr_2/artifacts/logs", false}});
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(*spec, "lr_1:/w/runs/lr_1/wd/logs,lr_2:/w/cache/tensorboard/lr_2/artifacts/logs");
}

TEST(LogdirSpec, RefusesAPathTensorBoardWouldSplit) {
    auto spec = logdir_spec({{"a", "/w/a,b/logs", true}});
    ASSERT_FALSE(spec);
    EXPECT_NE(spec.error().message.find("/w/a,b/logs"), std::string::npos);
}

}  // namespace
}  // namespace ferry::cli

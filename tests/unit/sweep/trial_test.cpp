#include <gtest/gtest.h>

#include "ferry/spec/load.hpp"
#include "ferry/sweep/trial.hpp"

namespace ferry::sweep {
namespace {

spec::SweepJob sweep_of(std::string_view text) {
    auto job = spec::load_sweep_job(text, "sweep.yml", "/base", {});
    EXPECT_TRUE(job.has_value());
    return job ? *job : spec::SweepJob{};
}

constexpr std::string_view k_sweep = R"(type: sweep
experiment_name: tune
compute: azureml:gpu
tags: {team: vision}
inputs:
  data: {type: uri_folder, path: /data}
  epochs: 3
trial:
  command: python train.py --lr ${{search_space.lr}} --opt ${{search_space.opt}} --data ${{inputs.data}} --epochs ${{inputs.epochs}}
  environment_variables:
    LEARNING_RATE: ${{search_space.lr}}
    FIXED: same
search_space:
  lr: {type: uniform, min_value: 0.001, max_value: 0.1}
  opt: {type: choice, values: [adam, sgd]}
sampling_algorithm: random
objective: {goal: maximize, primary_metric: accuracy}
limits: {max_total_trials: 4, trial_timeout: 60}
)";

TEST(TrialJob, ReplacesTheSearchSpaceAndKeepsTheRest) {
    const auto sweep = sweep_of(k_sweep);
    const auto job = trial_job(sweep, {{"lr", 0.01}, {"opt", "adam"}});
    EXPECT_EQ(job.command,
              "python train.py --lr 0.01 --opt adam --data ${{inputs.data}} --epochs "
              "${{inputs.epochs}}");
    ASSERT_EQ(job.environment_variables.size(), 2U);
    EXPECT_EQ(job.environment_variables[0].second, "0.01");
    EXPECT_EQ(job.environment_variables[1].second, "same");
    EXPECT_EQ(job.experiment_name, "tune");
    EXPECT_EQ(job.compute.name, "gpu");
    EXPECT_EQ(job.inputs.size(), 2U);
    ASSERT_EQ(job.tags.size(), 1U);
    EXPECT_EQ(job.timeout, 60);  // limits.trial_timeout is each trial's limits.timeout
    EXPECT_TRUE(job.name.empty());
}

TEST(TrialJob, ValuesAsACommandSeesThem) {
    EXPECT_EQ(value_text("sgd"), "sgd");
    EXPECT_EQ(value_text(3), "3");
    EXPECT_EQ(value_text(3.0), "3");
    EXPECT_EQ(value_text(0.1), "0.1");
    EXPECT_EQ(value_text(-2.5e-7), "-2.5e-07");
    EXPECT_EQ(value_text(true), "true");
    EXPECT_EQ(value_text(nullptr), "None");
}

}  // namespace
}  // namespace ferry::sweep

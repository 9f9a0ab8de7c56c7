#include <gtest/gtest.h>

#include <fstream>

#include "ferry/spec/load.hpp"
#include "ferry/spec/pipeline.hpp"
#include "spec_files.hpp"

namespace ferry::spec {
namespace {

std::string errors_of(std::string_view text) {
    const auto job = load_job(text, "p.yml", "/project");
    return job ? std::string("loaded") : render(job.error(), text);
}

TEST(ParseBinding, TheThreeShapes) {
    const auto input = parse_binding("${{parent.inputs.rate}}");
    ASSERT_TRUE(input && *input);
    EXPECT_EQ((*input)->kind, Binding::Kind::parent_input);
    EXPECT_EQ((*input)->name, "rate");
    const auto output = parse_binding(" ${{ parent.outputs.model }} ");
    ASSERT_TRUE(output && *output);
    EXPECT_EQ((*output)->kind, Binding::Kind::parent_output);
    EXPECT_EQ((*output)->name, "model");
    const auto step = parse_binding("${{parent.jobs.train.outputs.model}}");
    ASSERT_TRUE(step && *step);
    EXPECT_EQ((*step)->kind, Binding::Kind::step_output);
    EXPECT_EQ((*step)->step, "train");
    EXPECT_EQ((*step)->name, "model");
}

TEST(ParseBinding, OtherTextIsNoBindingAndAMalformedOneIsAnError) {
    EXPECT_FALSE(parse_binding("plain"));
    EXPECT_FALSE(parse_binding("${{inputs.x}}"));
    EXPECT_FALSE(parse_binding("prefix ${{parent.inputs.x}}"));
    const auto wrong = parse_binding("${{parent.jobs.train.model}}");
    ASSERT_TRUE(wrong);
    ASSERT_FALSE(*wrong);
    EXPECT_NE(wrong->error().find("invalid binding"), std::string::npos);
    const auto empty = parse_binding("${{parent.inputs.}}");
    ASSERT_TRUE(empty);
    EXPECT_FALSE(*empty);
}

TEST(LoadPipeline, InlineStepsAndTheirBindings) {
    const auto loaded = load_job(
        "type: pipeline\ninputs:\n  n: 3\nsettings:\n  default_compute: azureml:gpu\n"
        "  continue_on_step_failure: true\njobs:\n"
        "  make:\n    command: seq ${{inputs.n}} > ${{outputs.out}}/n.txt\n"
        "    inputs:\n      n: ${{parent.inputs.n}}\n    outputs:\n      out:\n"
        "  use:\n    command: cat ${{inputs.data}}/n.txt\n    compute: azureml:local\n"
        "    inputs:\n      data:\n        type: uri_folder\n"
        "        path: ${{parent.jobs.make.outputs.out}}\n        mode: download\n",
        "p.yml", "/project");
    ASSERT_TRUE(loaded) << render(loaded.error(), "");
    const auto& job = std::get<PipelineJob>(*loaded);
    EXPECT_TRUE(job.continue_on_step_failure);
    ASSERT_TRUE(job.default_compute);
    EXPECT_EQ(job.default_compute->name, "gpu");
    ASSERT_EQ(job.steps.size(), 2u);
    const PipelineStep& use = job.steps[1];
    EXPECT_EQ(use.compute->name, "local");
    ASSERT_EQ(use.inputs.size(), 1u);
    EXPECT_TRUE(use.inputs[0].is_data);
    EXPECT_EQ(use.inputs[0].binding.kind, Binding::Kind::step_output);
    EXPECT_EQ(use.inputs[0].binding.step, "make");
    EXPECT_EQ(use.inputs[0].data.mode, InputMode::download);
    ASSERT_TRUE(job.steps[0].component);
    EXPECT_EQ(job.steps[0].component->command, "seq ${{inputs.n}} > ${{outputs.out}}/n.txt");
    // What validate prints loads again as the same pipeline.
    const auto again = load_job(job.to_json().dump(), "again", "/project");
    ASSERT_TRUE(again) << render(again.error(), job.to_json().dump());
    EXPECT_EQ(std::get<PipelineJob>(*again).to_json(), job.to_json());
}

TEST(LoadPipeline, ErrorsAcrossStepsAreAtTheirPlace) {
    EXPECT_EQ(errors_of("type: pipeline\ninputs:\n  rate: 1\njobs:\n  a:\n"
                        "    command: echo ${{inputs.x}}\n    inputs:\n"
                        "      x: ${{parent.inputs.rat}}\n"),
              "p.yml:8:10: undefined pipeline input 'rat' (did you mean 'rate'?)\n"
              "        x: ${{parent.inputs.rat}}\n"
              "           ^\n");
    EXPECT_NE(errors_of("type: pipeline\njobs:\n  a:\n    command: echo\n"
                        "    outputs:\n      o: ${{parent.outputs.missing}}\n")
                  .find("p.yml:6:10: undefined pipeline output 'missing'"),
              std::string::npos);
    EXPECT_NE(errors_of("type: pipeline\njobs:\n  a:\n    inputs:\n      x: 1\n")
                  .find("p.yml:4:5: step 'a' needs 'component' or 'command'"),
              std::string::npos);
    EXPECT_NE(errors_of("type: pipeline\njobs:\n  a:\n    command: echo\n"
                        "    inputs:\n      x: ${{parent.jobs.a.nope}}\n")
                  .find("invalid binding"),
              std::string::npos);
    EXPECT_NE(errors_of("type: pipeline\njobs:\n  s:\n    type: sweep\n")
                  .find("p.yml:4:5: missing required key 'trial'"),
              std::string::npos)
        << errors_of("type: pipeline\njobs:\n  s:\n    type: sweep\n");
    // A pipeline output may not take a step's name: download --all writes both there.
    EXPECT_NE(errors_of("type: pipeline\noutputs:\n  a:\njobs:\n  a:\n    command: echo\n")
                  .find("pipeline output 'a' has the name of a step"),
              std::string::npos);
}

TEST(LoadPipeline, ACycleOfThreeIsNamedOnce) {
    const std::string errors = errors_of(
        "type: pipeline\njobs:\n"
        "  a:\n    command: echo ${{inputs.i}}\n    inputs: {i: '${{parent.jobs.c.outputs.o}}'}\n"
        "    outputs: {o: }\n"
        "  b:\n    command: echo ${{inputs.i}}\n    inputs: {i: '${{parent.jobs.a.outputs.o}}'}\n"
        "    outputs: {o: }\n"
        "  c:\n    command: echo ${{inputs.i}}\n    inputs: {i: '${{parent.jobs.b.outputs.o}}'}\n"
        "    outputs: {o: }\n");
    EXPECT_NE(errors.find("cycle: a -> c -> b -> a"), std::string::npos) << errors;
    EXPECT_EQ(errors.find("cycle", errors.find("cycle") + 1), std::string::npos) << errors;
}

ComponentSpec component_of_text(std::string_view text) {
    auto loaded = load_component(text, "c.yml", "/project");
    EXPECT_TRUE(loaded) << (loaded ? "" : render(loaded.error(), text));
    return loaded ? *loaded : ComponentSpec{};
}

TEST(CheckPipeline, RegisteredComponentsAreCheckedTooTypesIncluded) {
    const auto loaded = load_job(
        "type: pipeline\njobs:\n"
        "  train:\n    component: azureml:train:1\n"
        "  score:\n    component: azureml:score@latest\n    inputs:\n"
        "      model: ${{parent.jobs.train.outputs.model}}\n      extra: 1\n",
        "p.yml", "/project");
    ASSERT_TRUE(loaded) << render(loaded.error(), "");
    const auto& job = std::get<PipelineJob>(*loaded);
    std::map<std::string, ComponentSpec, std::less<>> registered;
    registered.emplace("train",
                       component_of_text("name: train\ncommand: echo > ${{outputs.model}}/m\n"
                                         "outputs:\n  model: {type: uri_file}\n"));
    registered.emplace(
        "score", component_of_text("name: score\ncommand: echo ${{inputs.model}} ${{inputs.n}}\n"
                                   "inputs:\n  model: {type: uri_folder}\n"
                                   "  n: {type: integer}\n"));
    const auto problems = check_pipeline(job, registered);
    std::vector<std::string> messages;
    for (const auto& problem : problems) {
        messages.push_back(problem.key + ": " + problem.message);
    }
    EXPECT_EQ(messages,
              (std::vector<std::string>{
                  "jobs.score.inputs.model: type mismatch: input 'model' of step 'score' is "
                  "uri_folder, and output 'model' of step 'train' is uri_file",
                  "jobs.score.inputs.extra: component score has no input 'extra'",
                  "jobs.score.inputs: step 'score': missing required input 'n' of component "
                  "score"}));
    // Unknown components are not guessed at.
    EXPECT_TRUE(check_pipeline(job, {}).empty());
}

TEST(LoadPipeline, ASweepStepTakesItsParametersAsInputs) {
    const std::string component_dir = ::testing::TempDir() + "ferry_sweep_step";
    std::filesystem::create_directories(component_dir);
    {
        std::ofstream out(component_dir + "/t.yml");
        out << "name: t\ncommand: run ${{inputs.x}}\ninputs:\n  x: {type: integer}\n";
    }
    const std::string text =
        "type: pipeline\njobs:\n  tune:\n    type: sweep\n    trial: ./t.yml\n"
        "    inputs:\n      x: ${{search_space.y}}\n"
        "    search_space:\n      x: {type: choice, values: [1, 2]}\n"
        "    objective: {goal: maximize, primary_metric: s}\n"
        "    sampling_algorithm: grid\n";
    const auto bad = load_job(text, "p.yml", component_dir);
    ASSERT_FALSE(bad);
    EXPECT_NE(render(bad.error(), text)
                  .find("p.yml:7:10: undefined search_space parameter 'y' (did you mean 'x'?)"),
              std::string::npos)
        << render(bad.error(), text);
    std::string fixed = text;
    fixed.replace(fixed.find("search_space.y"), 14, "search_space.x");
    const auto good = load_job(fixed, "p.yml", component_dir);
    ASSERT_TRUE(good) << render(good.error(), fixed);
    const PipelineStep& step = std::get<PipelineJob>(*good).steps[0];
    ASSERT_TRUE(step.sweep);
    EXPECT_EQ(step.sweep->sampling_algorithm, "grid");
    EXPECT_EQ(step.component->name, "t");
    EXPECT_EQ(step.to_json()["trial"], "./t.yml");
}

TEST(LoadComponent, DefaultsFitTheirTypeAndOptionalInputsSitInOptionalBlocks) {
    const std::string text =
        "name: c\ncommand: run ${{inputs.a}} ${{inputs.b}}\ninputs:\n"
        "  a: {type: integer, default: 'x'}\n  b: {type: string, optional: true}\n";
    const auto loaded = load_component(text, "c.yml", "/project");
    ASSERT_FALSE(loaded);
    const std::string errors = render(loaded.error(), text);
    EXPECT_NE(errors.find("c.yml:4:31: default of input 'a' is not an integer"), std::string::npos)
        << errors;
    EXPECT_NE(errors.find("input 'b' has no value; put it in an optional block"), std::string::npos)
        << errors;
    const auto fine = load_component(
        "name: c\nversion: '2'\ncommand: run ${{inputs.a}} $[[--b ${{inputs.b}}]]\ninputs:\n"
        "  a: {type: integer, default: 3, min: 1}\n  b: {type: string, optional: true}\n"
        "outputs:\n  o: {type: uri_folder}\nis_deterministic: false\n",
        "c.yml", "/project");
    ASSERT_TRUE(fine) << render(fine.error(), "");
    EXPECT_FALSE(fine->is_deterministic);
    EXPECT_EQ(fine->input("a")->default_value, 3);
    EXPECT_TRUE(fine->input("b")->optional);
    EXPECT_EQ(fine->output("o")->type, "uri_folder");
    const auto again = load_component(fine->to_json().dump(), "again", "/project");
    ASSERT_TRUE(again) << render(again.error(), "");
    EXPECT_EQ(again->to_json(), fine->to_json());
}

TEST(LoadPipeline, TheSamplesLoadWithTheirComponents) {
    const auto dir = test::source_dir() / "samples" / "pipeline-train-score-eval";
    const auto loaded = load_job(test::slurp(dir / "pipeline.yml"), "pipeline.yml", dir);
    ASSERT_TRUE(loaded) << render(loaded.error(), "");
    const auto& job = std::get<PipelineJob>(*loaded);
    ASSERT_EQ(job.steps.size(), 3u);
    EXPECT_EQ(job.steps[0].component->name, "digits_train");
    EXPECT_EQ(job.steps[0].component->code, dir / "train" / "src");
    EXPECT_EQ(*job.steps[2].component_file, dir / "eval" / "eval.yml");
    EXPECT_EQ(job.steps[2].outputs[0].parent_output, "report");
}

}  // namespace
}  // namespace ferry::spec

// Specs written to hurt (alias bombs, a second document, control characters, names execve
// cannot take) and specs written carelessly (an empty command, repeated keys).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/spec/load.hpp"

namespace ferry::spec {
namespace {

std::string errors_of(std::string_view text, std::vector<std::string> sets = {}) {
    const auto job = load_job(text, "job.yml", "/project", sets);
    return job ? std::string("loaded") : render(job.error(), text);
}

TEST(HostileSpec, AliasBombInAConda_fileStopsAtTheAlias) {
    std::string text = "command: echo\nenvironment:\n  image: python\n  conda_file:\n";
    text += "    a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char level = 'b'; level <= 'j'; ++level) {
        const std::string alias = std::string("*") + static_cast<char>(level - 1);
        text += std::string("    ") + level + ": &" + level + " [" + alias;
        for (int i = 1; i < 10; ++i) {
            text += ", " + alias;
        }
        text += "]\n";
    }
    const std::string errors = errors_of(text);
    EXPECT_TRUE(errors.starts_with("job.yml:10:")) << errors;
    EXPECT_NE(errors.find("alias '*e' expands the document to more than 1,000,000 values"),
              std::string::npos)
        << errors;
}

TEST(HostileSpec, ASecondDocumentIsNotIgnored) {
    EXPECT_EQ(errors_of("type: sweep\n---\ncommand: echo\n"),
              "job.yml:2:1: a second YAML document: the file must hold one document\n"
              "  ---\n  ^\n");
}

TEST(HostileSpec, VariableNamesFromSetsAreCheckedToo) {
    EXPECT_EQ(errors_of("command: echo\n", {"environment_variables.A\nB=1"}),
              "job.yml: invalid variable name 'A\\nB' in 'environment_variables': it must not "
              "be empty or hold '=' or control characters\n");
    EXPECT_EQ(errors_of("command: echo\n", {"environment_variables.A=B=C"}), "loaded");
}

TEST(HostileSpec, NamesShownInTablesHoldNoControlCharacters) {
    EXPECT_EQ(errors_of("command: echo\n", {"experiment_name=\x1b[2Jx"}),
              "job.yml: 'experiment_name' must be one line of printable text, got "
              "'\\x1b[2Jx'\n");
    const std::string model_text = "name: m\npath: .\nframework: \"py\\ttorch\"\n";
    const auto model = load_model(model_text, "m.yml", "/p");
    ASSERT_FALSE(model);
    EXPECT_EQ(render(model.error(), model_text),
              "m.yml:3:12: 'framework' must be one line of printable text, got 'py\\ttorch'\n"
              "  framework: \"py\\ttorch\"\n"
              "             ^\n");
}

TEST(HostileSpec, CommandsOfBlanksAreRefused) {
    EXPECT_EQ(errors_of("command: \"\"\n"),
              "job.yml:1:10: 'command' needs a value\n  command: \"\"\n           ^\n");
    EXPECT_EQ(errors_of("command: echo\n", {"command=  "}),
              "--set command=  : 'command' needs a value\n");
}

TEST(HostileSpec, ManyVariablesKeepTheirOrderAndRepeatsAreReported) {
    std::string text = "command: echo\nenvironment_variables:\n";
    for (int i = 0; i < 2000; ++i) {
        text += "  V" + std::to_string(1999 - i) + ": x" + std::to_string(i) + "\n";
    }
    const auto job = load_command_job(text, "job.yml", "/p");
    ASSERT_TRUE(job) << render(job.error(), text);
    ASSERT_EQ(job->environment_variables.size(), 2000u);
    EXPECT_EQ(job->environment_variables.front().first, "V1999");
    EXPECT_EQ(job->environment_variables.back(),
              (std::pair<std::string, std::string>{"V0", "x1999"}));
    const auto json = job->to_json();
    EXPECT_EQ(json["environment_variables"].begin().key(), "V1999");
    EXPECT_EQ(errors_of("command: echo\nenvironment_variables:\n  A: 1\n  B: 2\n  A: 3\n"),
              "job.yml:5:3: duplicate key 'A'\n    A: 3\n    ^\n");
}

TEST(HostileSpec, FreeMapsKeepTheFirstPlaceAndTheLastValueOfARepeatedKey) {
    const auto job =
        load_command_job("command: echo\nresources:\n  properties:\n    a: 1\n    b: 2\n    a: 3\n",
                         "job.yml", "/p");
    ASSERT_TRUE(job) << render(job.error(), "");
    EXPECT_EQ(job->resources.properties.dump(), R"({"a":3,"b":2})");
}

}  // namespace
}  // namespace ferry::spec

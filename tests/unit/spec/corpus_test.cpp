// Every tests/specs/bad/NAME.yml must render exactly NAME.expected; every file of
// tests/specs/good must load without diagnostics. FERRY_REGENERATE_SPECS=1 rewrites the
// .expected files (review the diff before committing).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/spec/load.hpp"
#include "spec_files.hpp"

namespace ferry::spec {
namespace {

using test::fs::path;

std::vector<path> specs_in(const path& dir) {
    std::vector<path> files;
    for (const auto& entry : test::fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".yml") {
            files.push_back(entry.path());
        }
    }
    std::ranges::sort(files);
    return files;
}

std::vector<std::string> sets_of(const path& spec) {
    std::vector<std::string> sets;
    path set_file = spec;
    set_file.replace_extension(".set");
    std::ifstream in(set_file);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            sets.push_back(line);
        }
    }
    return sets;
}

TEST(SpecCorpus, BadSpecsRenderTheirExpectedDiagnostics) {
    const path dir = test::source_dir() / "tests/specs/bad";
    const std::vector<path> files = specs_in(dir);
    ASSERT_GE(files.size(), 45u);
    const bool regenerate = std::getenv("FERRY_REGENERATE_SPECS") != nullptr;
    for (const path& spec : files) {
        const std::string stem = spec.stem().string();
        const std::string name = "tests/specs/bad/" + spec.filename().string();
        const std::string text = test::slurp(spec);
        const std::vector<std::string> sets = sets_of(spec);
        std::string rendered;
        path strict = spec;
        strict.replace_extension(".strict");
        if (test::fs::exists(strict)) {
            // It loads, its Azure key noted: what --strict makes of the note (see say_ignored).
            const auto job = load_job(text, name, dir, sets);
            ASSERT_TRUE(job.has_value()) << name << ":\n" << render(job.error(), text);
            const auto& ignored = std::visit([](const auto& typed) { return typed.ignored; }, *job);
            ASSERT_FALSE(ignored.empty()) << name << " has no key that ferry ignores";
            rendered = render(strict_errors(name, ignored), text);
        } else {
            const auto loaded = test::load_by_prefix(stem, text, name, dir, sets);
            ASSERT_FALSE(loaded.has_value()) << name << " loaded:\n" << loaded->dump(2);
            rendered = render(loaded.error(), text);
        }
        path expected_file = spec;
        expected_file.replace_extension(".expected");
        if (regenerate) {
            std::ofstream(expected_file, std::ios::binary) << rendered;
            continue;
        }
        EXPECT_EQ(rendered, test::slurp(expected_file)) << "for " << name;
    }
}

TEST(SpecCorpus, GoodSpecsLoadWithoutDiagnostics) {
    const path dir = test::source_dir() / "tests/specs/good";
    const std::vector<path> files = specs_in(dir);
    ASSERT_GE(files.size(), 7u);
    for (const path& spec : files) {
        const std::string stem = spec.stem().string();
        const std::string text = test::slurp(spec);
        const auto loaded = test::load_by_prefix(stem, text, spec.filename().string(), dir, {});
        EXPECT_TRUE(loaded.has_value()) << spec.filename() << ":\n"
                                        << (loaded ? std::string() : render(loaded.error(), text));
    }
}

}  // namespace
}  // namespace ferry::spec

namespace ferry::spec {
namespace {

TEST(SpecCorpus, GoodCommandJobResolvesEverything) {
    const test::fs::path dir = test::source_dir() / "tests/specs/good";
    const std::string text = test::slurp(dir / "job_command.yml");
    const auto job = load_command_job(text, "job_command.yml", "/base");
    ASSERT_TRUE(job) << render(job.error(), text);
    if (std::getenv("FERRY_PRINT_SPECS") != nullptr) {
        std::cout << job->to_json().dump(2) << "\n";
    }
    EXPECT_EQ(job->code, test::fs::path("/base/src"));
    EXPECT_EQ(job->compute.name, "local");
    EXPECT_EQ(job->resources.shm_size, 512u << 20U);
    EXPECT_EQ(job->distribution->process_count_per_instance, 2);
    EXPECT_EQ(job->timeout, 3600);
    ASSERT_EQ(job->inputs.size(), 6u);
    EXPECT_EQ(job->inputs[0].path->path, test::fs::path("/base/data"));
    EXPECT_EQ(job->inputs[0].mode, InputMode::download);
    EXPECT_EQ(job->inputs[1].value.dump(), "1.0");
    EXPECT_EQ(job->inputs[4].value, "yes");
    EXPECT_FALSE(job->inputs[5].has_value());
    ASSERT_EQ(job->outputs.size(), 2u);
    EXPECT_EQ(job->outputs[0].mode, "rw_mount");
    EXPECT_EQ(job->outputs[1].asset_name, "mnist-report");
    EXPECT_EQ(job->environment_variables, (StringMap{{"OMP_NUM_THREADS", "4"}}));
    EXPECT_EQ(job->tags, (StringMap{{"team", "vision"}, {"priority", "1"}}));
}

}  // namespace
}  // namespace ferry::spec

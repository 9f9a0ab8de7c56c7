// Mutated corpus files: every loader must answer with a spec or diagnostics, never throw or
// crash (the sanitizer build checks the rest).
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/spec/interpolate.hpp"
#include "spec_files.hpp"

namespace ferry::spec {
namespace {

constexpr int k_rounds = 400;

std::string mutate(std::string text, std::mt19937& rng) {
    static const std::string k_alphabet = "{}[]:-,'\"|>&*!#%@ \n\tabc01.$";
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits && !text.empty(); ++i) {
        const std::size_t at = rng() % text.size();
        const char c = k_alphabet[rng() % k_alphabet.size()];
        switch (rng() % 3) {
            case 0:
                text[at] = c;
                break;
            case 1:
                text.erase(at, 1 + rng() % 5);
                break;
            default:
                text.insert(at, 1, c);
        }
    }
    return text;
}

TEST(SpecRobustness, MutatedFilesNeverThrow) {
    std::vector<test::fs::path> files;
    for (const char* folder : {"tests/specs/bad", "tests/specs/good"}) {
        for (const auto& entry : test::fs::directory_iterator(test::source_dir() / folder)) {
            if (entry.path().extension() == ".yml") {
                files.push_back(entry.path());
            }
        }
    }
    ASSERT_FALSE(files.empty());
    std::mt19937 rng(20261121);
    const std::vector<std::string> sets = {"inputs.x.path=a", "limits.timeout=5",
                                           "environment.build.path=x", "distribution.type=mpi",
                                           "search_space.a.type=choice"};
    int failures = 0;
    for (int round = 0; round < k_rounds; ++round) {
        const std::string text = mutate(test::slurp(files[rng() % files.size()]), rng);
        const bool with_sets = rng() % 4 == 0;
        for (const char* prefix :
             {"job_", "sweep_", "env_", "data_", "model_", "compute_", "workspace_"}) {
            const auto loaded = test::load_by_prefix(
                prefix, text, "f.yml", "/base",
                with_sets ? std::span<const std::string>(sets) : std::span<const std::string>());
            if (!loaded) {
                EXPECT_FALSE(render(loaded.error(), text).empty());
                ++failures;
            }
        }
        std::ignore = expand(text, InterpolationValues{});
    }
    EXPECT_GT(failures, 0);
}

}  // namespace
}  // namespace ferry::spec

#pragma once

#include <optional>
#include <span>
#include <string>

#include <CLI/CLI.hpp>

// What an `az ml` user types out of habit: `ferry job create -f job.yml` is answered with the
// ferry command that does it.
namespace ferry::cli {

// For `words` that begin with one of az ml's group names that ferry names otherwise (job,
// data, environment), the message that gives the ferry command; nullopt for any other word.
[[nodiscard]] std::optional<std::string> az_ml_answer(CLI::App& root,
                                                      std::span<const std::string> words);

}  // namespace ferry::cli

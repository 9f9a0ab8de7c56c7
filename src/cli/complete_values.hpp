#pragma once

#include <optional>
#include <string>
#include <vector>

// Completion candidates for values that need no workspace.
namespace ferry::cli {

struct Candidate {
    std::string word;
    std::string description;
};

// Output formats, run statuses, compute types, runtimes, ranks and curated environments by
// their type name (value::format, ...); nullopt for a type whose values are elsewhere.
[[nodiscard]] std::optional<std::vector<Candidate>> fixed_candidates(const std::string& type);

// The curated environments ferry knows, as a job names them (AzureML-NAME@latest) and in their
// registry's form, for `env map`.
[[nodiscard]] std::vector<Candidate> curated_references();

}  // namespace ferry::cli

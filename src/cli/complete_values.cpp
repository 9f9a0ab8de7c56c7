#include "complete_values.hpp"

#include <fmt/format.h>

#include "ferry/cli/command_tree.hpp"
#include "ferry/env/curated.hpp"
#include "ferry/run/status.hpp"

namespace ferry::cli {

std::optional<std::vector<Candidate>> fixed_candidates(const std::string& type) {
    if (type == value::format) {
        return std::vector<Candidate>{{"table", "aligned columns"},
                                      {"json", "one JSON document"},
                                      {"yaml", "one YAML document"},
                                      {"tsv", "tab-separated rows"}};
    }
    if (type == value::status) {
        std::vector<Candidate> names;
        for (const auto status :
             {run::Status::not_started, run::Status::queued, run::Status::preparing,
              run::Status::starting, run::Status::running, run::Status::finalizing,
              run::Status::cancel_requested, run::Status::completed, run::Status::failed,
              run::Status::canceled}) {
            names.push_back({std::string(run::status_name(status)), ""});
        }
        return names;
    }
    if (type == value::compute_type) {
        return std::vector<Candidate>{{"local", "this machine"}, {"slurm", "a Slurm cluster"}};
    }
    if (type == value::runtime) {
        return std::vector<Candidate>{{"host", "this machine as it is"}};
    }
    if (type == value::rank) {
        return std::vector<Candidate>{{"0", "rank 0, the default"},
                                      {"all", "every rank, each line prefixed"}};
    }
    if (type == value::curated) {
        std::vector<Candidate> names;
        for (const auto& curated : env::curated_environments()) {
            names.push_back({std::string(curated.name), fmt::format("Python {}", curated.python)});
        }
        return names;
    }
    return std::nullopt;
}

std::vector<Candidate> curated_references() {
    std::vector<Candidate> names;
    for (const auto& curated : env::curated_environments()) {
        names.push_back({fmt::format("AzureML-{}", curated.name), "a curated environment"});
        names.push_back({fmt::format("azureml://registries/azureml/environments/{}", curated.name),
                         "a curated environment"});
    }
    return names;
}

}  // namespace ferry::cli

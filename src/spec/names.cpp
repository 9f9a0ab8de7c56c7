// The names of the spec's enums, as Azure's YAML writes them.
#include "ferry/util/names.hpp"
#include "ferry/spec/job.hpp"

namespace ferry::spec {

namespace {

constexpr util::NameTable<InputMode, 3> k_input_modes = {{
    {InputMode::ro_mount, "ro_mount"},
    {InputMode::download, "download"},
    {InputMode::direct, "direct"},
}};

constexpr util::NameTable<DistributionType, 3> k_distributions = {{
    {DistributionType::mpi, "mpi"},
    {DistributionType::pytorch, "pytorch"},
    {DistributionType::tensorflow, "tensorflow"},
}};

}  // namespace

std::string_view name_of(InputMode mode) {
    return util::name_in(k_input_modes, mode);
}

std::optional<InputMode> parse_input_mode(std::string_view text) {
    return util::parse_in(k_input_modes, text);
}

std::string_view name_of(DistributionType type) {
    return util::name_in(k_distributions, type);
}

std::optional<DistributionType> parse_distribution_type(std::string_view text) {
    return util::parse_in(k_distributions, text);
}

}  // namespace ferry::spec

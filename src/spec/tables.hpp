#pragma once

#include "ferry/spec/schema.hpp"

// The tables of each kind; schema.cpp builds each once.
namespace ferry::spec::tables {

[[nodiscard]] Field command_job();
[[nodiscard]] Field sweep_job();
[[nodiscard]] Field environment(bool inline_in_job);
[[nodiscard]] Field data();
[[nodiscard]] Field model();
[[nodiscard]] Field compute();
[[nodiscard]] Field workspace();

// `$schema` and the read-only keys of Azure's saved YAML, accepted by every kind.
void add_common_keys(std::vector<Field>& fields);

}  // namespace ferry::spec::tables

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
[[nodiscard]] Field component();
[[nodiscard]] Field pipeline_job();

// Builders of fields of a kind.
[[nodiscard]] Field integer(std::string name, double minimum, std::string description);
[[nodiscard]] Field number(std::string name, std::string description);
[[nodiscard]] Field tagged(std::string name, std::vector<Field> variants, std::string description);
[[nodiscard]] Field one_of(std::string name, std::vector<Field> alternatives,
                           std::string description);
[[nodiscard]] Field entries(std::string name, Field element, std::string description);
[[nodiscard]] Field unsupported_variant(std::string value, std::string why);

// Keys shared by the job and component tables.
[[nodiscard]] Field inputs();
[[nodiscard]] Field outputs();
[[nodiscard]] Field distribution();
[[nodiscard]] Field resources();
[[nodiscard]] Field environment_reference();
// The keys of a command: code, command, environment, its variables, distribution, resources.
[[nodiscard]] std::vector<Field> trial_keys();
// What makes a sweep: search_space, sampling_algorithm, objective, limits, early_termination.
[[nodiscard]] std::vector<Field> sweep_keys();
// The keys every job has; `type` is the job's kind.
[[nodiscard]] std::vector<Field> common_job_keys(std::string type);
// Azure's keys of a job or a pipeline step that change nothing here (identity, services,
// queue_settings): accepted, each with a note.
[[nodiscard]] std::vector<Field> azure_only_keys();

// `$schema` and the read-only keys of Azure's saved YAML, accepted by every kind.
void add_common_keys(std::vector<Field>& fields);

}  // namespace ferry::spec::tables

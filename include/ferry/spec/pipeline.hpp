#pragma once

#include <map>
#include <string>
#include <vector>

#include "ferry/spec/job.hpp"

// The checks of a pipeline across its steps, made when the file loads (with the components of
// files) and again at submit (with the registered components, which only the workspace knows).
namespace ferry::spec {

// A problem at `key`, a dotted path into the file ("jobs.score.inputs.model").
struct PipelineProblem {
    std::string key;
    std::string message;
};

// Where a problem's key is in the file's text, as diagnostics name places: "FILE:LINE:COL"
// (a block, such as `inputs`, at its key), or FILE.
[[nodiscard]] std::string place(std::string_view text, std::string_view file, std::string_view key);

// The component a step runs: its own (a file's, or its inline command), else the registered
// one the caller resolved for it (by step name), else none.
[[nodiscard]] const ComponentSpec* component_of(
    const PipelineStep& step, const std::map<std::string, ComponentSpec, std::less<>>& registered);

// Bindings name a pipeline input or output or a step's output that exists; every input a
// known component requires is given, and none it does not declare; an input's type takes
// what feeds it (a uri_file is not a uri_folder, data is not a literal); the steps' bindings
// make no cycle.
[[nodiscard]] std::vector<PipelineProblem> check_pipeline(
    const PipelineJob& job, const std::map<std::string, ComponentSpec, std::less<>>& registered);

}  // namespace ferry::spec

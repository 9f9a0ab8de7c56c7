#pragma once

// What `run tensorboard` hands TensorBoard, apart from starting it (for its unit tests).
#include <filesystem>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"

namespace ferry::cli {

// A run's ./logs folder as TensorBoard reads it.
struct LogFolder {
    std::string run;
    std::filesystem::path path;
    bool live = false;  // the job's own folder, written as TensorBoard reads it
};

// TensorBoard's --logdir_spec: RUN:PATH pairs joined by ','; a path holding ',' is refused
// (TensorBoard would split it).
[[nodiscard]] Result<std::string> logdir_spec(const std::vector<LogFolder>& folders);

}  // namespace ferry::cli

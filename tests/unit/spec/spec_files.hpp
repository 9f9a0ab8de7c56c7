#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ferry/spec/load.hpp"

namespace ferry::spec::test {

namespace fs = std::filesystem;

// The source tree: $FERRY_SOURCE_DIR (set by ctest), else found from this file's path.
inline fs::path source_dir() {
    if (const char* dir = std::getenv("FERRY_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

inline std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Loads a spec file by its name's prefix (job_, sweep_, env_, data_, model_, compute_,
// workspace_) and returns the resolved JSON, or the rendered diagnostics.
inline LoadResult<nlohmann::ordered_json> load_by_prefix(const std::string& stem,
                                                         std::string_view text,
                                                         std::string_view file,
                                                         const fs::path& base_dir,
                                                         std::span<const std::string> sets) {
    auto as_json = [](LoadResult<Job> job) -> LoadResult<nlohmann::ordered_json> {
        if (!job) {
            return std::unexpected(job.error());
        }
        return std::visit([](const auto& spec) { return spec.to_json(); }, *job);
    };
    if (stem.starts_with("job_") || stem.starts_with("sweep_")) {
        return as_json(load_job(text, file, base_dir, sets));
    }
    if (stem.starts_with("env_")) {
        return load_any(Kind::environment, text, file, base_dir, sets);
    }
    if (stem.starts_with("data_")) {
        return load_any(Kind::data, text, file, base_dir, sets);
    }
    if (stem.starts_with("model_")) {
        return load_any(Kind::model, text, file, base_dir, sets);
    }
    if (stem.starts_with("compute_")) {
        return load_any(Kind::compute, text, file, base_dir, sets);
    }
    return load_any(Kind::workspace, text, file, base_dir, sets);
}

}  // namespace ferry::spec::test

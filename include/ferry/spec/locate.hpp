#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"

namespace ferry::spec {

// Where the value of `key` (a dotted path, as "trial.code") stands in a spec file's YAML
// text, as diagnostics name places: "FILE:LINE:COLUMN"; FILE alone when the text does not
// hold it (a default, a key a --set added, a text that is not YAML).
[[nodiscard]] std::string locate(std::string_view text, std::string_view file,
                                 std::string_view key);

// A job's `code` must be a directory on this machine; else a usage error at `where` (as
// locate gives it). validate and submit ask the same question.
[[nodiscard]] Result<void> check_code_directory(const std::optional<std::filesystem::path>& code,
                                                std::string_view where);

}  // namespace ferry::spec

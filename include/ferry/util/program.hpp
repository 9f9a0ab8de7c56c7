#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::util {

// Where `name` runs from with this PATH (colon-separated; empty entries skipped): itself when
// it holds a '/', else the first executable PATH/name; nullopt when there is none.
[[nodiscard]] std::optional<std::filesystem::path> find_program_on(std::string_view name,
                                                                   std::string_view path);

// This machine's host name (gethostname); empty when it has none.
[[nodiscard]] std::string host_name();

}  // namespace ferry::util

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/spec/diagnostics.hpp"

// A job file's keys that are Azure's and change nothing here (services, identity, ...): said
// once each on stderr, or refused when the user asks for strictness.
namespace ferry::cli {

// The help of --strict, for each verb that takes it.
inline constexpr const char* k_strict_help =
    "Refuse Azure's keys that ferry ignores with a note (services, identity, ...); "
    "FERRY_STRICT=1 does the same";

// Whether --strict was given or FERRY_STRICT=1 is set.
[[nodiscard]] bool strict_wanted(const Context& ctx, bool flag);

// With `strict`, each ignored key is an error at its place (rendered with its line, as a
// spec's errors are; exit 2); else each is a warning "FILE:LINE:COL: ignored: KEY (WHY)".
[[nodiscard]] Result<void> say_ignored(Context& ctx, const std::vector<spec::Diagnostic>& ignored,
                                       const std::string& file, std::string_view text, bool strict);

}  // namespace ferry::cli

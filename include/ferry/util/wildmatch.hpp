#pragma once

#include <string_view>

namespace ferry::util {

enum class WildPathname { no, yes };

// Git's glob matching: `*`, `?`, `[...]` classes (with `!`/`^` negation, ranges and
// `[:name:]`), backslash escapes, and with WildPathname::yes `*`, `?` and classes never
// match `/` while `**` between slashes matches any number of directories.
[[nodiscard]] bool wildmatch(std::string_view pattern, std::string_view text,
                             WildPathname pathname);

}  // namespace ferry::util

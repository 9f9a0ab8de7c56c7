#include "ignored_keys.hpp"

#include <fmt/format.h>

namespace ferry::cli {

bool strict_wanted(const Context& ctx, bool flag) {
    return flag || ctx.env.get("FERRY_STRICT") == "1";
}

Result<void> say_ignored(Context& ctx, const std::vector<spec::Diagnostic>& ignored,
                         const std::string& file, std::string_view text, bool strict) {
    if (!strict) {
        for (const auto& note : ignored) {
            ctx.warn(spec::place_of(file, note) + note.message);
        }
        return {};
    }
    if (ignored.empty()) {
        return {};
    }
    ctx.err << spec::render(spec::strict_errors(file, ignored), text);
    return usage_error("{}: {} error{}", file, ignored.size(), ignored.size() == 1 ? "" : "s");
}

}  // namespace ferry::cli

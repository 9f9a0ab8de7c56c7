#include "ferry/spec/interpolate.hpp"

#include <fmt/format.h>

#include "ferry/core/error.hpp"
#include "ferry/util/text.hpp"

namespace ferry::spec {

namespace {

constexpr std::string_view k_open = "${{";
constexpr std::string_view k_close = "}}";
constexpr std::string_view k_block_open = "$[[";
constexpr std::string_view k_block_close = "]]";

std::unexpected<InterpolationError> error(std::size_t offset, std::string message) {
    return std::unexpected(InterpolationError{offset, std::move(message)});
}

}  // namespace

std::expected<std::vector<Placeholder>, InterpolationError> find_placeholders(
    std::string_view command) {
    std::vector<Placeholder> found;
    std::optional<std::size_t> block_start;
    std::size_t i = 0;
    while (i < command.size()) {
        const std::string_view rest = command.substr(i);
        if (rest.starts_with(k_block_open)) {
            if (block_start) {
                return error(i, "optional blocks '$[[ ... ]]' cannot be nested");
            }
            block_start = i;
            i += k_block_open.size();
        } else if (block_start && rest.starts_with(k_block_close)) {
            block_start.reset();
            i += k_block_close.size();
        } else if (rest.starts_with(k_open)) {
            const std::size_t end = command.find(k_close, i + k_open.size());
            if (end == std::string_view::npos) {
                return error(i, "unterminated '${{': expected '}}'");
            }
            const std::string_view inner =
                util::trim(command.substr(i + k_open.size(), end - i - k_open.size()));
            const std::size_t dot = inner.find('.');
            Placeholder placeholder;
            placeholder.offset = i;
            placeholder.length = end + k_close.size() - i;
            placeholder.in_optional_block = block_start.has_value();
            if (dot == std::string_view::npos || dot == 0 || dot + 1 == inner.size()) {
                return error(i, fmt::format("bad placeholder '${{{{{}}}}}': expected "
                                            "inputs.NAME, outputs.NAME or search_space.NAME",
                                            inner));
            }
            placeholder.group = std::string(inner.substr(0, dot));
            placeholder.name = std::string(inner.substr(dot + 1));
            found.push_back(std::move(placeholder));
            i = end + k_close.size();
        } else {
            ++i;
        }
    }
    if (block_start) {
        return error(*block_start, "unterminated '$[[': expected ']]'");
    }
    return found;
}

namespace {

// The value of one placeholder; nullopt when it is an input without a value.
std::expected<std::optional<std::string>, InterpolationError> value_of(
    const Placeholder& placeholder, const InterpolationValues& values) {
    const std::string& name = placeholder.name;
    if (placeholder.group == "inputs") {
        const auto it = values.inputs.find(name);
        if (it == values.inputs.end()) {
            return error(placeholder.offset, fmt::format("undefined input '{}'", name));
        }
        return it->second;
    }
    if (placeholder.group == "outputs") {
        const auto it = values.outputs.find(name);
        if (it == values.outputs.end()) {
            return error(placeholder.offset, fmt::format("undefined output '{}'", name));
        }
        return std::optional<std::string>(it->second);
    }
    if (placeholder.group == "search_space") {
        const auto it = values.search_space.find(name);
        if (it == values.search_space.end()) {
            return error(placeholder.offset, fmt::format("undefined search_space '{}'", name));
        }
        return std::optional<std::string>(it->second);
    }
    return error(placeholder.offset,
                 fmt::format("unknown placeholder group '{}': expected inputs, outputs or "
                             "search_space",
                             placeholder.group));
}

}  // namespace

std::expected<std::string, InterpolationError> expand(std::string_view command,
                                                      const InterpolationValues& values) {
    TRY_ASSIGN(const auto placeholders, find_placeholders(command));
    std::string out;
    std::string block;  // text of the open optional block
    bool in_block = false;
    bool drop_block = false;
    std::size_t next = 0;
    std::size_t i = 0;
    auto emit = [&](std::string_view text) { (in_block ? block : out) += text; };
    while (i < command.size()) {
        const std::string_view rest = command.substr(i);
        if (rest.starts_with(k_block_open)) {
            in_block = true;
            drop_block = false;
            block.clear();
            i += k_block_open.size();
        } else if (in_block && rest.starts_with(k_block_close)) {
            in_block = false;
            if (!drop_block) {
                out += block;
            }
            i += k_block_close.size();
        } else if (next < placeholders.size() && (placeholders)[next].offset == i) {
            const Placeholder& placeholder = (placeholders)[next++];
            TRY_ASSIGN(const auto value, value_of(placeholder, values));
            if (!value) {
                if (!placeholder.in_optional_block) {
                    return error(placeholder.offset,
                                 fmt::format("input '{}' has no value; put it in an optional "
                                             "block '$[[ ... ]]'",
                                             placeholder.name));
                }
                drop_block = true;
            } else {
                emit(*value);
            }
            i += placeholder.length;
        } else {
            emit(command.substr(i, 1));
            ++i;
        }
    }
    return out;
}

}  // namespace ferry::spec

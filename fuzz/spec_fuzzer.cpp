// libFuzzer target for everything that reads a user's spec text. Input layout: the first
// byte picks the kind; the rest is the YAML text, optionally followed by a line
// "#--set" and one --set value per line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/interpolate.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/spec/schema.hpp"

namespace {

constexpr std::string_view k_sets_marker = "\n#--set\n";

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        lines.emplace_back(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ferry::spec;
    if (size == 0) {
        return 0;
    }
    const auto kinds = kind_names();
    const auto kind = kind_from_name(kinds[data[0] % kinds.size()]);
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string_view text = input;
    std::vector<std::string> sets;
    if (const auto marker = input.find(k_sets_marker); marker != std::string_view::npos) {
        text = input.substr(0, marker);
        sets = split_lines(input.substr(marker + k_sets_marker.size()));
    }
    auto loaded = load_any(*kind, text, "fuzz.yml", "/nonexistent/fuzz", sets);
    if (!loaded) {
        const std::string rendered = render(loaded.error(), text);
        if (rendered.empty()) {
            __builtin_trap();  // a failed load must explain itself
        }
    } else {
        // As the CLI prints it: bytes that are not UTF-8 (e.g. from "\udc00" escapes) are
        // replaced, not thrown on.
        static_cast<void>(
            loaded->dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    }
    static_cast<void>(find_placeholders(text));
    for (auto role : {ReferenceRole::asset, ReferenceRole::compute, ReferenceRole::path}) {
        static_cast<void>(parse_reference(text.substr(0, 200), role));
    }
    return 0;
}

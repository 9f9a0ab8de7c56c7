#include "az_names.hpp"

#include <array>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "ferry/run/plan.hpp"

namespace ferry::cli {

namespace {

struct Renamed {
    std::string_view az;
    std::string_view ferry;
    std::string_view what;  // what the group holds
};

constexpr std::array k_groups{Renamed{"job", "run", "runs"}, Renamed{"data", "dataset", "datasets"},
                              Renamed{"environment", "env", "environments"}};

// az ml's verb as ferry names it in `group`.
std::string_view verb_in(std::string_view group, std::string_view verb) {
    return group == "run" && verb == "create" ? std::string_view("submit") : verb;
}

}  // namespace

std::optional<std::string> az_ml_answer(CLI::App& root, std::span<const std::string> words) {
    if (words.empty()) {
        return std::nullopt;
    }
    const auto* renamed = std::ranges::find(k_groups, words.front(), &Renamed::az);
    if (renamed == k_groups.end()) {
        return std::nullopt;
    }
    const std::string group(renamed->ferry);
    const std::string lead = fmt::format("'{}' is az ml's name for {}; ferry's is '{}'",
                                         renamed->az, renamed->what, group);
    if (words.size() < 2 || words[1].starts_with("-")) {
        return fmt::format("{}: see 'ferry {} --help'", lead, group);
    }
    const std::string verb(verb_in(group, words[1]));
    CLI::App* app = root.get_subcommand(group);
    bool known = false;
    for (const auto* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
        known = known || sub->get_name() == verb;
    }
    if (!known) {
        return fmt::format("{}, which has no verb '{}': see 'ferry {} --help'", lead, words[1],
                           group);
    }
    std::vector<std::string> command{"ferry", group, verb};
    command.insert(command.end(), words.begin() + 2, words.end());
    return fmt::format("{}: use '{}'", lead, run::shell_join(command));
}

}  // namespace ferry::cli

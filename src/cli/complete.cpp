// The hidden "__complete" and "__commands" entry points: shells ask the binary, so the
// completions follow the command tree and can never drift from it.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "complete_values.hpp"
#include "ferry/assets/datastore.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/env/mapping.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/status.hpp"
#include "ferry/spec/overrides.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/store/database.hpp"
#include "ferry/store/registry.hpp"
#include "ferry/store/selection.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::cli {

std::vector<CLI::App*> visible_subcommands(CLI::App& app) {
    return app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); });
}

// Options visible at `app`, including those of its parents (they fall through).
std::vector<const CLI::Option*> visible_options(CLI::App& app) {
    std::vector<const CLI::Option*> options;
    for (CLI::App* level = &app; level != nullptr; level = level->get_parent()) {
        for (const auto* option : level->get_options()) {
            // Every level has its own --help; completion offers it once, at the end.
            // The root's --version too; a verb's own --version (a NAME:VERSION) is offered.
            if (!option->get_group().empty() && option->nonpositional() &&
                option->get_name() != "--help" &&
                (option->get_name() != "--version" || level->get_parent() != nullptr)) {
                options.push_back(option);
            }
        }
    }
    return options;
}

const CLI::Option* find_option(CLI::App& app, const std::string& word) {
    for (const auto* option : visible_options(app)) {
        if (option->check_name(word)) {
            return option;
        }
    }
    return nullptr;
}

// A flag expects no argument (CLI11 still gives a bool flag a type size of 1).
bool takes_value(const CLI::Option* option) {
    return option->get_expected_min() > 0;
}

namespace {

namespace fs = std::filesystem;

// The chosen workspace's database, opened read only: Tab must not create or migrate.
std::optional<store::Database> chosen_database(const Context& ctx) {
    auto home = store::ferry_home(ctx.env);
    auto choice = store::choose_workspace(ctx.workspace, ctx.env, ctx.cwd);
    if (!home || !choice) {
        return std::nullopt;
    }
    auto entries = store::Registry::peek(*home);
    if (!entries) {
        return std::nullopt;
    }
    for (const auto& entry : *entries) {
        if (entry.name == choice->name) {
            auto db = store::Database::open(entry.path / store::k_workspace_db,
                                            store::CreateIfMissing::no);
            return db ? std::optional<store::Database>(std::move(*db)) : std::nullopt;
        }
    }
    return std::nullopt;
}

// What `list` finds in the chosen workspace; nothing when it has no database, or one older
// than what is listed.
template <typename List>
auto listed(const Context& ctx, List list) {
    using Rows = typename std::invoke_result_t<List, store::Database&>::value_type;
    auto db = chosen_database(ctx);
    return db ? list(*db).value_or(Rows{}) : Rows{};
}

// Each name (its latest version) and every NAME:VERSION that is not archived, sorted.
std::vector<Candidate> asset_candidates(const Context& ctx, store::AssetKind kind) {
    const auto assets = listed(
        ctx, [kind](store::Database& db) { return store::list_assets(db, kind, true, false); });
    std::vector<Candidate> names;
    for (std::size_t i = 0; i < assets.size(); ++i) {
        // Listed by name, oldest first: the last of a name is its latest.
        if (i + 1 == assets.size() || assets[i + 1].name != assets[i].name) {
            names.push_back({assets[i].name, "latest: " + assets[i].version});
            names.push_back({assets[i].name + "@latest", "version " + assets[i].version});
        }
        names.push_back({assets[i].name + ":" + assets[i].version, ""});
    }
    std::ranges::stable_sort(names, {}, &Candidate::word);
    return names;
}

// Runs newest first, each with its status.
std::vector<Candidate> run_candidates(const Context& ctx) {
    std::vector<Candidate> names;
    for (const auto& [name, status] : listed(ctx, run::run_statuses)) {
        names.push_back({name, std::string(run::status_name(status))});
    }
    return names;
}

// `local` first, then the computes created, each with its type.
std::vector<Candidate> compute_candidates(const Context& ctx) {
    std::vector<Candidate> names{{std::string(run::k_local_compute), "this machine"}};
    for (const auto& compute : listed(ctx, run::list_computes)) {
        if (compute.name != run::k_local_compute) {
            names.push_back({compute.name, compute.type});
        }
    }
    return names;
}

std::vector<Candidate> values_of(const std::string& type, Context& ctx) {
    if (auto fixed = fixed_candidates(type)) {
        return *std::move(fixed);
    }
    if (type == value::workspace) {
        std::vector<Candidate> names;
        // Completion only reads: pressing Tab must not create a workspace.
        if (auto home = store::ferry_home(ctx.env)) {
            if (auto entries = store::Registry::peek(*home)) {
                for (const auto& entry : *entries) {
                    names.push_back({entry.name, entry.path.string()});
                }
            }
        }
        return names;
    }
    if (type == value::dataset) {
        return asset_candidates(ctx, store::AssetKind::data);
    }
    if (type == value::model) {
        return asset_candidates(ctx, store::AssetKind::model);
    }
    if (type == value::environment || type == value::environment_target) {
        auto names = asset_candidates(ctx, store::AssetKind::environment);
        if (type == value::environment_target) {
            names.insert(names.begin(), {"host", "this machine as it is"});
        }
        return names;
    }
    if (type == value::env_reference) {
        auto names = curated_references();
        for (const auto& mapping : listed(ctx, env::list_mappings)) {
            std::erase_if(names, [&](const auto& name) { return name.word == mapping.reference; });
            names.push_back({mapping.reference, "mapped to " + mapping.target});
        }
        return names;
    }
    if (type == value::component) {
        return asset_candidates(ctx, store::AssetKind::component);
    }
    if (type == value::datastore) {
        std::vector<Candidate> names;
        for (const auto name : assets::builtin_datastores()) {
            names.push_back({std::string(name), "built in"});
        }
        for (const auto& name : listed(ctx, assets::datastore_names)) {
            names.push_back({name, ""});
        }
        return names;
    }
    if (type == value::run) {
        return run_candidates(ctx);
    }
    if (type == value::experiment) {
        std::vector<Candidate> names;
        for (const auto& [name, runs] : listed(ctx, run::experiments)) {
            names.push_back({name, fmt::format("{} run{}", runs, runs == 1 ? "" : "s")});
        }
        return names;
    }
    if (type == value::compute) {
        return compute_candidates(ctx);
    }
    if (type == value::dir) {
        return {{":dir", ""}};
    }
    if (type == value::file || type == value::path) {
        return {{":file", ""}};
    }
    return {};
}

std::string long_name(const CLI::Option* option) {
    const auto& names = option->get_lnames();
    if (!names.empty()) {
        return "--" + names.front();
    }
    return "-" + option->get_snames().front();
}

// Names of runs and computes come from the workspace the command line names.
void take_workspace_flag(const std::vector<std::string>& words, Context& ctx) {
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        if ((words[i] == "-w" || words[i] == "--workspace") && i + 2 < words.size()) {
            ctx.workspace = words[i + 1];
        } else if (words[i].starts_with("--workspace=")) {
            ctx.workspace = words[i].substr(12);
        }
    }
}

// Where the words before the cursor lead: the command, how many positionals it was given,
// whether "--" ended the options, and an option still waiting for its value.
struct Position {
    CLI::App* app = nullptr;
    std::size_t positional = 0;
    bool options_done = false;
    const CLI::Option* pending = nullptr;
    CLI::App* help_of = nullptr;  // after `ferry help`: the group (or root) its words reach
    std::string spec_file;        // the value of -f/--file, whose keys --set may name
    std::vector<std::string> positionals;  // the verb's positionals typed so far
};

bool is_file_option(const CLI::Option* option) {
    return option != nullptr && option->check_name("--file");
}

Position walk(CLI::App& root, const std::vector<std::string>& words) {
    Position at{&root};
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const std::string& word = words[i];
        if (at.pending != nullptr) {
            if (is_file_option(at.pending)) {
                at.spec_file = word;
            }
            at.pending = nullptr;
            continue;
        }
        if (!at.options_done && word == "--") {
            at.options_done = true;
            continue;
        }
        if (!at.options_done && word.starts_with("-")) {
            const auto equals = word.find('=');
            const auto* option = find_option(*at.app, word.substr(0, equals));
            if (option != nullptr && takes_value(option) && equals == std::string::npos) {
                at.pending = option;
            } else if (is_file_option(option) && equals != std::string::npos) {
                at.spec_file = word.substr(equals + 1);
            }
            continue;
        }
        CLI::App* sub = nullptr;
        for (CLI::App* candidate : visible_subcommands(at.help_of ? *at.help_of : *at.app)) {
            if (candidate->get_name() == word) {
                sub = candidate;
            }
        }
        if (at.help_of != nullptr) {
            at.help_of = sub;  // its words name a group, then a verb
            ++at.positional;
        } else if (sub != nullptr && at.positional == 0) {
            at.app = sub;
            at.help_of = at.app->get_parent() == &root && word == "help" ? &root : nullptr;
        } else {
            ++at.positional;
            at.positionals.push_back(word);
        }
    }
    return at;
}

// The document of the spec file the command line names, or an undefined node: one that is
// missing, too large to be a spec, or not YAML.
YAML::Node spec_document(const Position& at, const Context& ctx) {
    if (at.spec_file.empty()) {
        return {};
    }
    const auto path = absolute_from(ctx, at.spec_file);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > (1U << 20)) {
        return {};
    }
    auto text = util::read_file(path);
    try {
        return text ? YAML::Load(*text) : YAML::Node();
    } catch (const YAML::Exception&) {
        return {};
    }
}

// The keys --set can name, each as "KEY.PATH=": those of the file given with -f (with their
// values), of the verb's kind of file (the file's `type` for a job).
std::vector<Candidate> set_candidates(const Position& at, Context& ctx) {
    const auto kinds = group_spec_kinds(at.app->get_parent()->get_name());
    if (kinds.empty()) {
        return {};
    }
    const YAML::Node document = spec_document(at, ctx);
    spec::Kind kind = kinds.front();
    if (const YAML::Node type = document.IsMap() ? document["type"] : YAML::Node();
        type.IsDefined() && type.IsScalar()) {
        const auto named = spec::kind_from_name(type.Scalar());
        if (named && std::ranges::find(kinds, *named) != kinds.end()) {
            kind = *named;
        }
    }
    std::vector<Candidate> candidates;
    for (auto& key : spec::set_keys(kind, document)) {
        candidates.push_back({key.path + "=", std::move(key.description)});
    }
    return candidates;
}

// The values an option or positional of `at` takes, `current` being what is typed of it.
std::vector<Candidate> values_at(const std::string& type, const Position& at,
                                 const std::string& current, Context& ctx) {
    if (type == value::set) {
        // Once its '=' is typed, the value is the user's own.
        return current.find('=') == std::string::npos ? set_candidates(at, ctx)
                                                      : std::vector<Candidate>{};
    }
    if (type == value::metric) {
        // The metrics of the run named before them, each with its last value.
        std::vector<Candidate> keys;
        auto db = chosen_database(ctx);
        if (!db || at.positionals.empty()) {
            return keys;
        }
        if (auto data = track::run_data(*db, at.positionals.front())) {
            for (const auto& [key, summary] : data->metrics) {
                keys.push_back({key, fmt::format("last {:.6g} at step {}", summary.last.value,
                                                 summary.last.step)});
            }
        }
        return keys;
    }
    if (type == value::spec_kind) {
        std::vector<Candidate> kinds;
        for (const auto kind : group_spec_kinds(at.app->get_parent()->get_name())) {
            kinds.push_back(
                {std::string(spec::kind_name(kind)), kinds.empty() ? "the default" : ""});
        }
        return kinds;
    }
    return values_of(type, ctx);
}

// What may stand at the cursor, and the start of the word kept in front of each candidate
// ("-o", "--output=").
struct Completion {
    std::vector<Candidate> candidates;
    std::string prefix;
};

std::vector<Candidate> option_candidates(CLI::App& root, CLI::App& app) {
    std::vector<Candidate> candidates;
    for (const auto* option : visible_options(app)) {
        candidates.push_back({long_name(option), option->get_description()});
    }
    candidates.push_back({"--help", "Print help and exit"});
    if (&app == &root) {
        candidates.push_back({"--version", "Print the version and exit"});
    }
    return candidates;
}

// The verbs of a group, then the values of the positional the cursor is at.
std::vector<Candidate> positional_candidates(const Position& at, const std::string& current,
                                             Context& ctx) {
    std::vector<Candidate> candidates;
    if (at.help_of != nullptr) {
        for (CLI::App* sub : visible_subcommands(*at.help_of)) {
            candidates.push_back({sub->get_name(), sub->get_description()});
        }
        return candidates;
    }
    if (at.positional == 0) {
        for (CLI::App* sub : visible_subcommands(*at.app)) {
            candidates.push_back({sub->get_name(), sub->get_description()});
        }
    }
    std::size_t index = 0;
    for (const auto* option : at.app->get_options()) {
        // A positional that takes many values (KEY...) takes every word from its own on.
        const bool many = option->get_expected_max() > 1;
        if (option->get_positional() &&
            (index++ == at.positional || (many && index - 1 < at.positional))) {
            auto values = values_at(option->get_type_name(), at, current, ctx);
            if (at.app->get_name() == "cancel" && option->get_type_name() == value::run) {
                // Only a run that has not ended can be canceled.
                std::erase_if(values, [](const Candidate& run) {
                    const auto status = run::parse_status(run.description);
                    return status && run::is_terminal(*status);
                });
            }
            candidates.insert(candidates.end(), values.begin(), values.end());
        }
    }
    return candidates;
}

Completion complete_at(CLI::App& root, const Position& at, const std::string& current,
                       Context& ctx) {
    if (at.pending != nullptr) {
        return {values_at(at.pending->get_type_name(), at, current, ctx), ""};
    }
    if (current.size() > 2 && current[0] == '-' && current[1] != '-') {
        // A short option with its value attached: -ojs -> -ojson.
        const auto* option = find_option(*at.app, current.substr(0, 2));
        if (option != nullptr && takes_value(option)) {
            return {values_of(option->get_type_name(), ctx),
                    current.substr(0, current[2] == '=' ? 3 : 2)};
        }
        return {};
    }
    if (const auto equals = current.find('=');
        current.starts_with("--") && equals != std::string::npos) {
        if (const auto* option = find_option(*at.app, current.substr(0, equals))) {
            return {values_at(option->get_type_name(), at, current.substr(equals + 1), ctx),
                    current.substr(0, equals + 1)};
        }
        return {};
    }
    if (current.starts_with("-")) {
        return {option_candidates(root, *at.app), ""};
    }
    return {positional_candidates(at, current, ctx), ""};
}

// The candidates that start like `current`, one a line with its description after a tab; a
// ":dir" or ":file" candidate alone asks the shell for its own completion.
void print_candidates(const Completion& completion, const std::string& current, Context& ctx) {
    for (const auto& candidate : completion.candidates) {
        if (candidate.word.starts_with(":")) {
            ctx.out << candidate.word << '\n';
            return;
        }
    }
    const std::string stem = current.substr(completion.prefix.size());
    for (const auto& candidate : completion.candidates) {
        if (candidate.word.starts_with(stem)) {
            ctx.out << completion.prefix << candidate.word;
            if (!candidate.description.empty()) {
                ctx.out << '\t' << candidate.description;
            }
            ctx.out << '\n';
        }
    }
}

}  // namespace

int complete(CLI::App& root, const std::vector<std::string>& words, Context& ctx) {
    if (words.empty()) {
        return 0;
    }
    take_workspace_flag(words, ctx);
    const Position at = walk(root, words);
    if (at.options_done) {
        return 0;  // no verb takes words after "--" yet
    }
    print_candidates(complete_at(root, at, words.back(), ctx), words.back(), ctx);
    return 0;
}

int print_commands(CLI::App& root, Context& ctx) {
    for (CLI::App* group : visible_subcommands(root)) {
        ctx.out << group->get_name() << '\n';
        for (CLI::App* verb : visible_subcommands(*group)) {
            ctx.out << group->get_name() << ' ' << verb->get_name();
            for (const auto* option : verb->get_options()) {
                if (!option->get_group().empty() && option->nonpositional() &&
                    option->get_name() != "--help") {
                    ctx.out << ' ' << long_name(option);
                }
            }
            ctx.out << '\n';
        }
    }
    return 0;
}

}  // namespace ferry::cli

// The hidden "__complete" and "__commands" entry points: shells ask the binary, so the
// completions follow the command tree and can never drift from it.
#include <algorithm>
#include <string>
#include <vector>

#include "ferry/cli/command_tree.hpp"
#include "ferry/run/status.hpp"
#include "ferry/store/database.hpp"
#include "ferry/store/registry.hpp"
#include "ferry/store/selection.hpp"
#include "ferry/store/workspace.hpp"

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
            if (!option->get_group().empty() && !option->get_positional() &&
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

struct Candidate {
    std::string word;
    std::string description;
};

// Names from the chosen workspace's database, read only: Tab must not create or migrate.
std::vector<Candidate> workspace_names(const std::string& sql, Context& ctx, bool with_local) {
    std::vector<Candidate> names;
    if (with_local) {
        names.push_back({"local", "this machine"});
    }
    auto home = store::ferry_home(ctx.env);
    auto choice = store::choose_workspace(ctx.workspace, ctx.env, ctx.cwd);
    if (!home || !choice) {
        return names;
    }
    auto entries = store::Registry::peek(*home);
    if (!entries) {
        return names;
    }
    for (const auto& entry : *entries) {
        if (entry.name != choice->name) {
            continue;
        }
        auto db =
            store::Database::open(entry.path / store::k_workspace_db, store::CreateIfMissing::no);
        if (!db) {
            return names;
        }
        auto stmt = db->prepare(sql);
        if (!stmt) {
            return names;  // a workspace older than runs
        }
        for (;;) {
            auto row = stmt->step();
            if (!row || !*row) {
                break;
            }
            if (stmt->text(0) != "local") {
                names.push_back({stmt->text(0), stmt->text(1)});
            }
        }
    }
    return names;
}

std::vector<Candidate> values_of(const std::string& type, Context& ctx) {
    if (type == value::format) {
        return {{"table", "aligned columns"},
                {"json", "one JSON document"},
                {"yaml", "one YAML document"},
                {"tsv", "tab-separated rows"}};
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
    if (type == value::status) {
        std::vector<Candidate> names;
        for (const auto status :
             {run::Status::not_started, run::Status::queued, run::Status::preparing,
              run::Status::starting, run::Status::running, run::Status::finalizing,
              run::Status::cancel_requested, run::Status::completed, run::Status::failed,
              run::Status::canceled}) {
            names.push_back({std::string(run::status_name(status)), ""});
        }
        return names;
    }
    if (type == value::compute_type) {
        return {{"local", "this machine"}, {"slurm", "a Slurm cluster"}};
    }
    if (type == value::runtime) {
        return {{"host", "this machine as it is"}};
    }
    if (type == value::dataset || type == value::model) {
        const std::string kind = type == value::dataset ? "data" : "model";
        return workspace_names(
            fmt::format("SELECT name, 'latest: ' || version FROM assets a WHERE kind = '{0}' AND "
                        "archived = 0 AND rowid = (SELECT max(rowid) FROM assets WHERE kind = "
                        "a.kind AND name = a.name AND archived = 0) UNION ALL SELECT name || ':' "
                        "|| version, '' FROM assets WHERE kind = '{0}' AND archived = 0 ORDER BY 1",
                        kind),
            ctx, false);
    }
    if (type == value::environment) {
        // Each name (its latest version) and every NAME:VERSION.
        return workspace_names(
            "SELECT name, 'latest: ' || version FROM assets a WHERE kind = 'environment' AND "
            "archived = 0 AND rowid = (SELECT max(rowid) FROM assets WHERE kind = a.kind AND "
            "name = a.name AND archived = 0) UNION ALL SELECT name || ':' || version, '' FROM "
            "assets WHERE kind = 'environment' AND archived = 0 ORDER BY 1",
            ctx, false);
    }
    if (type == value::run || type == value::compute) {
        return workspace_names(type == value::run
                                   ? "SELECT name, status FROM runs ORDER BY seq DESC"
                                   : "SELECT name, type FROM computes ORDER BY name",
                               ctx, type == value::compute);
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

}  // namespace

int complete(CLI::App& root, const std::vector<std::string>& words, Context& ctx) {
    if (words.empty()) {
        return 0;
    }
    // Names of runs and computes come from the workspace the command line names.
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        if ((words[i] == "-w" || words[i] == "--workspace") && i + 2 < words.size()) {
            ctx.workspace = words[i + 1];
        } else if (words[i].starts_with("--workspace=")) {
            ctx.workspace = words[i].substr(12);
        }
    }
    CLI::App* app = &root;
    std::size_t positional = 0;
    bool options_done = false;
    const CLI::Option* pending = nullptr;
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const std::string& word = words[i];
        if (pending != nullptr) {
            pending = nullptr;
            continue;
        }
        if (!options_done && word == "--") {
            options_done = true;
            continue;
        }
        if (!options_done && word.starts_with("-")) {
            const auto* option = find_option(*app, word.substr(0, word.find('=')));
            if (option != nullptr && takes_value(option) && word.find('=') == std::string::npos) {
                pending = option;
            }
            continue;
        }
        CLI::App* sub = nullptr;
        for (CLI::App* candidate : visible_subcommands(*app)) {
            if (candidate->get_name() == word) {
                sub = candidate;
            }
        }
        if (sub != nullptr && positional == 0) {
            app = sub;
        } else {
            ++positional;
        }
    }

    const std::string& current = words.back();
    std::vector<Candidate> candidates;
    std::string prefix;
    if (options_done) {
        // No verb takes words after "--" yet.
        return 0;
    }
    if (pending != nullptr) {
        candidates = values_of(pending->get_type_name(), ctx);
    } else if (current.size() > 2 && current[0] == '-' && current[1] != '-') {
        // A short option with its value attached: -ojs -> -ojson.
        const auto* option = find_option(*app, current.substr(0, 2));
        if (option != nullptr && takes_value(option)) {
            prefix = current.substr(0, current[2] == '=' ? 3 : 2);
            candidates = values_of(option->get_type_name(), ctx);
        }
    } else if (!options_done && current.starts_with("--") &&
               current.find('=') != std::string::npos) {
        const auto equals = current.find('=');
        if (const auto* option = find_option(*app, current.substr(0, equals))) {
            prefix = current.substr(0, equals + 1);
            candidates = values_of(option->get_type_name(), ctx);
        }
    } else if (!options_done && current.starts_with("-")) {
        for (const auto* option : visible_options(*app)) {
            candidates.push_back({long_name(option), option->get_description()});
        }
        candidates.push_back({"--help", "Print help and exit"});
        if (app == &root) {
            candidates.push_back({"--version", "Print the version and exit"});
        }
    } else {
        if (positional == 0) {
            for (CLI::App* sub : visible_subcommands(*app)) {
                candidates.push_back({sub->get_name(), sub->get_description()});
            }
        }
        std::size_t index = 0;
        for (const auto* option : app->get_options()) {
            if (option->get_positional()) {
                if (index++ == positional) {
                    auto values = values_of(option->get_type_name(), ctx);
                    candidates.insert(candidates.end(), values.begin(), values.end());
                }
            }
        }
    }
    for (const auto& candidate : candidates) {
        if (candidate.word.starts_with(":")) {
            ctx.out << candidate.word << '\n';
            return 0;
        }
    }
    const std::string stem = current.substr(prefix.size());
    for (const auto& candidate : candidates) {
        if (candidate.word.starts_with(stem)) {
            ctx.out << prefix << candidate.word;
            if (!candidate.description.empty()) {
                ctx.out << '\t' << candidate.description;
            }
            ctx.out << '\n';
        }
    }
    return 0;
}

int print_commands(CLI::App& root, Context& ctx) {
    for (CLI::App* group : visible_subcommands(root)) {
        ctx.out << group->get_name() << '\n';
        for (CLI::App* verb : visible_subcommands(*group)) {
            ctx.out << group->get_name() << ' ' << verb->get_name();
            for (const auto* option : verb->get_options()) {
                if (!option->get_group().empty() && !option->get_positional() &&
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

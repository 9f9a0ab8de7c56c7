#include "ferry/cli/app.hpp"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include "az_names.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/run/slurm_launch.hpp"
#include "ferry/run/supervisor.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/text.hpp"

namespace ferry::cli {

namespace {

std::vector<std::string> subcommand_names(CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* sub : visible_subcommands(app)) {
        names.push_back(sub->get_name());
    }
    return names;
}

// "ferry GROUP VERB" for the (sub)command `app`.
std::string command_name(const CLI::App* app) {
    std::string command;
    for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
        command.insert(0, " " + app->get_name());
    }
    return "ferry" + command;
}

// The option `name` ("--file", "-f") as `app` takes it: its own or a parent's (they fall
// through), hidden ones and --help included.
const CLI::Option* accepted_option(CLI::App& app, const std::string& name) {
    for (CLI::App* level = &app; level != nullptr; level = level->get_parent()) {
        for (const auto* option : level->get_options()) {
            if (option->nonpositional() && option->check_name(name)) {
                return option;
            }
        }
    }
    return nullptr;
}

Error unknown_option(CLI::App& app, const std::string& name) {
    std::vector<std::string> names{"--help"};
    for (const auto* option : visible_options(app)) {
        for (const auto& long_name : option->get_lnames()) {
            names.push_back("--" + long_name);
        }
        for (const auto& short_name : option->get_snames()) {
            names.push_back("-" + short_name);
        }
    }
    const std::string command = command_name(&app);
    return Error{ExitCode::usage,
                 fmt::format("unknown option '{}' for '{}'{}; see '{} --help'", name, command,
                             util::did_you_mean(name, names), command)};
}

// The option a word names: "--name" of "--name=value", "-x" of "-xvalue" or "-xy"; empty for
// a word that is no option ("-", "-1", a value).
std::string option_word(const std::string& word) {
    if (word.size() < 2 || word[0] != '-' || std::isdigit(static_cast<unsigned char>(word[1]))) {
        return "";
    }
    return word.starts_with("--") ? word.substr(0, word.find('=')) : word.substr(0, 2);
}

// Finds the group and verb words among the arguments, and the options given to them, so an
// unknown one gets a precise message with a did-you-mean instead of CLI11's "not expected".
Result<void> check_words(CLI::App& root, const std::vector<std::string>& args) {
    CLI::App* current = &root;
    int depth = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--") {
            return {};
        }
        if (const std::string name = option_word(word); !name.empty()) {
            const auto* option = accepted_option(*current, name);
            if (option == nullptr) {
                return std::unexpected(unknown_option(*current, name));
            }
            // An option's separate value is not a group, verb or option.
            if (takes_value(option) && name == word) {
                ++i;
            }
            continue;
        }
        const bool takes_arguments =
            !current->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
        if (depth == 2 || word.starts_with("-") || (depth == 1 && takes_arguments)) {
            continue;  // a verb's argument
        }
        CLI::App* sub = nullptr;
        try {
            sub = current->get_subcommand(word);
        } catch (const CLI::OptionNotFound&) {
            sub = nullptr;
        }
        if (sub == nullptr) {
            const auto names = subcommand_names(*current);
            if (depth == 1 && names.empty()) {
                return usage_error("'ferry {}' has no verbs in this version (got '{}')",
                                   current->get_name(), word);
            }
            const std::string hint = util::did_you_mean(word, names);
            if (depth == 0) {
                if (auto answer = az_ml_answer(root, std::span(args).subspan(i))) {
                    return usage_error("{}", *answer);
                }
                return usage_error("unknown group '{}'{}; see 'ferry --help'", word, hint);
            }
            return usage_error("unknown verb '{}' for 'ferry {}'{}; see 'ferry {} --help'", word,
                               current->get_name(), hint, current->get_name());
        }
        current = sub;
        ++depth;
    }
    return {};
}

int report(const Context& ctx, const Error& error) {
    if (error.message.empty()) {
        return to_int(error.code);  // an exit status alone: the command said what it had to
    }
    const bool colored = ctx.color && ctx.terminal.stderr_is_tty;
    // A name the user typed may hold control characters: never echo them raw.
    ctx.err << (colored ? "\x1b[31mferry: error:\x1b[0m " : "ferry: error: ")
            << util::escape_control(error.message, util::Keep::tabs_and_newlines) << '\n';
    ctx.err.flush();
    return to_int(error.code);
}

// The deepest subcommand the parse selected.
CLI::App* selected(CLI::App& root) {
    CLI::App* current = &root;
    for (;;) {
        auto subs = current->get_subcommands();
        if (subs.empty()) {
            return current;
        }
        current = subs.front();
    }
}

// The hidden entry points: the supervisor, the Slurm batch step and tasks, completion. Each
// is a composition root of its own and ends what it started; an exception is still reported.
std::optional<int> run_hidden(CLI::App& root, const std::vector<std::string>& args, Context& ctx) {
    try {
        if (args.size() == 4 && args.front() == run::k_supervise_command) {
            return run::supervise(args[1], args[2], args[3], ctx.env);
        }
        if (args.size() == 2 && args.front() == run::k_slurm_batch_command) {
            return run::slurm_batch(args[1], ctx.env);
        }
        if (args.size() == 2 && args.front() == run::k_slurm_task_command) {
            return run::slurm_task(args[1], ctx.env);
        }
        if (!args.empty() && args.front() == "__complete") {
            return complete(root, {args.begin() + 1, args.end()}, ctx);
        }
        if (!args.empty() && args.front() == "__commands") {
            return print_commands(root, ctx);
        }
    } catch (const std::exception& e) {
        return report(ctx, Error{ExitCode::infrastructure,
                                 fmt::format("internal error in {}: {}", args.front(), e.what())});
    }
    return std::nullopt;
}

// CLI11's words for a command line it cannot take, said as ferry says the rest.
std::string parse_error_text(const CLI::ParseError& error, const CLI::App& app) {
    const std::string command = command_name(&app);
    const std::string text = error.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
        // "The following argument(s) was/were not expected: a b"
        const auto colon = text.find(": ");
        const std::string words = colon == std::string::npos ? text : text.substr(colon + 2);
        return fmt::format("unexpected argument '{}' for '{}'", words, command);
    }
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr &&
        text.ends_with(" is required")) {
        // "names is required", "-f,--file is required"
        std::string what = text.substr(0, text.size() - 12);
        what = what.substr(what.rfind(',') == std::string::npos ? 0 : what.rfind(',') + 1);
        // A positional that may also be named (RUN, or -n RUN) is asked for by its value.
        for (const auto* option : app.get_options()) {
            if (option->get_positional() && option->nonpositional() && option->check_name(what)) {
                what = fmt::format("{0} (or {1} {0})", option->get_type_name(), what);
            }
        }
        return fmt::format("'{}' needs {}", command, what);
    }
    return text;
}

struct HelpOptions {
    std::vector<std::string> words;
};

// What `ferry [GROUP [VERB]] --help` prints.
Result<void> print_help(Context& ctx, CLI::App& root, const std::vector<std::string>& words) {
    if (words.size() > 2) {
        return usage_error("ferry help takes a group and one of its verbs at most (got '{}')",
                           fmt::join(words, " "));
    }
    CLI::App* app = &root;
    for (const auto& word : words) {
        const auto names = subcommand_names(*app);
        if (std::ranges::find(names, word) == names.end()) {
            return usage_error("{} has no {} '{}'{}; see '{} --help'", command_name(app),
                               app == &root ? "group" : "verb", word,
                               util::did_you_mean(word, names), command_name(app));
        }
        app = app->get_subcommand(word);
    }
    ctx.out << (app == &root ? app->help() : app->help(command_name(app->get_parent())));
    return {};
}

// `ferry help [GROUP [VERB]]`. Its words are read before parsing (run() does), since CLI11
// would take a group's name for that group.
void add_help_verb(CommandTree& tree) {
    CLI::App* root = &tree.root();
    tree.add_verb<HelpOptions>(
        root, "help", "Show the help of ferry, of a group or of a verb: help [GROUP [VERB]]",
        [](CLI::App& verb, HelpOptions& o) {
            verb.add_option("words", o.words, "A group, then one of its verbs")
                ->type_name("GROUP [VERB]");
        },
        [root](Context& ctx, const HelpOptions& o) { return print_help(ctx, *root, o.words); });
}

// Every group's verbs, and help.
void add_groups(CommandTree& tree) {
    add_workspace_verbs(tree);
    add_spec_verbs(tree);
    add_snapshot_verbs(tree);
    add_submit_verb(tree);
    add_run_verbs(tree);
    add_compute_verbs(tree);
    add_env_verbs(tree);
    add_dataset_verbs(tree);
    add_model_verbs(tree);
    add_component_verbs(tree);
    add_datastore_verbs(tree);
    add_ui_verb(tree);
    add_help_verb(tree);
}

}  // namespace

int run(int argc, const char* const* argv, Context& ctx) {
    CommandTree tree;
    add_groups(tree);
    CLI::App& root = tree.root();

    const std::vector<std::string> args(argv + 1, argv + argc);
    if (auto hidden = run_hidden(root, args, ctx)) {
        return *hidden;
    }
    if (!args.empty() && args.front() == "help" &&
        std::ranges::none_of(args, [](const std::string& w) { return w.starts_with("-"); })) {
        auto printed = print_help(ctx, root, {args.begin() + 1, args.end()});
        return printed ? to_int(ExitCode::success) : report(ctx, printed.error());
    }
    try {
        if (auto checked = check_words(root, args); !checked) {
            return report(ctx, checked.error());
        }
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        root.parse(reversed);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            // --help and --version: print to stdout, succeed.
            std::ostringstream out;
            std::ostringstream err;
            const int code = root.exit(e, out, err);
            ctx.out << out.str();
            ctx.err << err.str();
            return code;
        }
        const CLI::App* app = selected(root);
        return report(
            ctx, Error{ExitCode::usage, fmt::format("{} (see '{} --help')",
                                                    parse_error_text(e, *app), command_name(app))});
    }

    auto format = parse_output_format(tree.output);
    if (!format) {
        return report(ctx,
                      Error{ExitCode::usage,
                            fmt::format("unknown output format '{}': use table, json, yaml or tsv",
                                        tree.output)});
    }
    ctx.format = *format;
    ctx.verbose = tree.verbose;
    ctx.color = !tree.no_color && !ctx.env.get("NO_COLOR") && ctx.env.get("TERM") != "dumb";
    if (!tree.workspace.empty()) {
        ctx.workspace = tree.workspace;
    }

    CLI::App* chosen = selected(root);
    for (const auto& verb : tree.verbs()) {
        if (verb.app == chosen) {
            try {
                auto result = verb.action(ctx);
                if (!result) {
                    return report(ctx, result.error());
                }
                return to_int(ExitCode::success);
            } catch (const std::exception& e) {
                // Only a bug or resource exhaustion gets here; still one line, still exit 1.
                return report(
                    ctx, Error{ExitCode::failure, fmt::format("internal error: {}", e.what())});
            }
        }
    }
    // A group (or nothing) without a verb: its help, and nothing else.
    ctx.out << (chosen == &root ? root.help() : chosen->help(root.get_name()));
    return to_int(ExitCode::success);
}

int main_entry(int argc, char** argv) {
    Environment env = Environment::from_process();
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (ec) {
        if (auto pwd = env.get("PWD")) {
            cwd = *pwd;
        }
    }
    const Terminal terminal = Terminal::detect(env);
    SystemRunner runner(env.variables());
    Context ctx(std::move(env), std::move(cwd), std::cout, std::cerr, std::cin, terminal, runner);
    std::ios::sync_with_stdio(true);
    return run(argc, argv, ctx);
}

}  // namespace ferry::cli

#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/spec/schema.hpp"

namespace ferry::cli {

// Names that tell completion what kind of value an option or positional takes.
namespace value {
inline constexpr const char* workspace = "WORKSPACE";
inline constexpr const char* format = "FORMAT";
inline constexpr const char* dir = "DIR";
inline constexpr const char* file = "FILE";
inline constexpr const char* path = "PATH";  // a file or directory
inline constexpr const char* size = "SIZE";
inline constexpr const char* text = "TEXT";
inline constexpr const char* run = "RUN";
inline constexpr const char* compute = "COMPUTE";
inline constexpr const char* status = "STATUS";
inline constexpr const char* runtime = "RUNTIME";
inline constexpr const char* compute_type = "TYPE";
inline constexpr const char* environment = "ENVIRONMENT";
inline constexpr const char* environment_target = "ENVIRONMENT|host";
inline constexpr const char* env_reference = "REFERENCE";  // a registry or curated environment
inline constexpr const char* curated = "CURATED";          // a curated environment's name
inline constexpr const char* dataset = "DATASET";
inline constexpr const char* model = "MODEL";
inline constexpr const char* component = "COMPONENT";
inline constexpr const char* datastore = "DATASTORE";
inline constexpr const char* experiment = "EXPERIMENT";
inline constexpr const char* rank = "N|all";
inline constexpr const char* set = "KEY=VALUE";  // a --set: KEY.PATH=VALUE
inline constexpr const char* spec_kind = "KIND";
inline constexpr const char* metric = "METRIC";  // a metric the run named before it logged
}  // namespace value

using Action = std::function<Result<void>(Context&)>;

struct Verb {
    CLI::App* app;
    Action action;
};

// What a verb's --help ends with: the global options it takes too, and its manual page.
[[nodiscard]] std::string verb_footer(const CLI::App& group);

// The whole command line grammar: groups, verbs, their options, and what each verb does.
// Options structs live as long as the tree; CLI11 fills them, actions read them.
class CommandTree {
public:
    CommandTree();
    CLI::App& root() { return m_root; }
    CLI::App* group(const std::string& name);
    // Adds a verb whose options struct is created here and bound by `bind`.
    template <typename Options>
    void add_verb(CLI::App* group, const std::string& name, const std::string& description,
                  const std::function<void(CLI::App&, Options&)>& bind,
                  std::function<Result<void>(Context&, const Options&)> execute) {
        auto options = std::make_shared<Options>();
        CLI::App* app = group->add_subcommand(name, description);
        app->fallthrough();
        app->footer(verb_footer(*group));
        bind(*app, *options);
        m_verbs.push_back({app, [options, execute = std::move(execute)](Context& ctx) {
                               return execute(ctx, *options);
                           }});
    }
    [[nodiscard]] const std::vector<Verb>& verbs() const { return m_verbs; }

    // Global options, filled by parsing.
    std::string output = "table";
    std::string workspace;
    bool verbose = false;
    bool no_color = false;

private:
    CLI::App m_root;
    std::vector<Verb> m_verbs;
};

// Registers each group's verbs.
void add_workspace_verbs(CommandTree& tree);
// `workspace verify` and `workspace gc`, in the group made by add_workspace_verbs.
void add_workspace_care_verbs(CommandTree& tree, CLI::App* group);
// `validate` and `schema` in every group that reads spec files.
void add_spec_verbs(CommandTree& tree);
// The kinds of spec file a group reads, its default first; none for a group that reads none.
[[nodiscard]] std::span<const spec::Kind> group_spec_kinds(std::string_view group);
// A path the user typed, made absolute against the context's directory and normalized;
// "dir/" and "dir/." name dir.
[[nodiscard]] std::filesystem::path absolute_from(const Context& ctx, const std::string& path);

// `run snapshot`.
void add_snapshot_verbs(CommandTree& tree);
// `run submit`; `run list|show|stream|wait|cancel|download`; `compute create|list|show|delete`.
void add_submit_verb(CommandTree& tree);
void add_run_verbs(CommandTree& tree);
// `run log-metric|log-param|tag|metrics`, in the group made by add_run_verbs.
void add_run_tracking_verbs(CommandTree& tree, CLI::App* group);
// `run compare`, registered by add_run_tracking_verbs.
void add_run_compare_verb(CommandTree& tree, CLI::App* group);
// `run download`, registered by add_run_verbs.
void add_run_download_verb(CommandTree& tree, CLI::App* group);
// `run resume`, registered by add_run_verbs.
void add_run_resume_verb(CommandTree& tree, CLI::App* group);
// `run archive|restore`, registered by add_run_verbs.
void add_run_archive_verbs(CommandTree& tree, CLI::App* group);
// `run tensorboard`, registered by add_run_tracking_verbs.
void add_run_tensorboard_verb(CommandTree& tree, CLI::App* group);
void add_compute_verbs(CommandTree& tree);
// `env create|list|show|build|archive|restore`.
void add_env_verbs(CommandTree& tree);
void add_datastore_verbs(CommandTree& tree);
// `dataset create|list|show|files|download|archive|restore`; `model create|register|list|
// show|download|archive|restore`.
void add_dataset_verbs(CommandTree& tree);
void add_model_verbs(CommandTree& tree);
// `component create|list|show|archive|restore`.
void add_component_verbs(CommandTree& tree);
// `ui`: the workspace as web pages.
void add_ui_verb(CommandTree& tree);

// What the parser sees at `app`: its visible verbs, the options visible there (its own and
// its parents', which fall through), and whether an option takes a value.
[[nodiscard]] std::vector<CLI::App*> visible_subcommands(CLI::App& app);
[[nodiscard]] std::vector<const CLI::Option*> visible_options(CLI::App& app);
[[nodiscard]] const CLI::Option* find_option(CLI::App& app, const std::string& word);
[[nodiscard]] bool takes_value(const CLI::Option* option);

// The hidden entry points used by the shell completions and the docs tests.
[[nodiscard]] int complete(CLI::App& root, const std::vector<std::string>& words, Context& ctx);
[[nodiscard]] int print_commands(CLI::App& root, Context& ctx);

}  // namespace ferry::cli

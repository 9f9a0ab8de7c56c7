#pragma once

// What the verbs of the versioned registries (env, dataset, model) share.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "ferry/cli/command_tree.hpp"
#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/spec/assets.hpp"
#include "ferry/spec/diagnostics.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::cli {

// NAME, NAME:VERSION, NAME@latest, with or without azureml:, as (name, version); an empty
// version means the latest. A refusal names the kind's noun.
[[nodiscard]] Result<std::pair<std::string, std::string>> parse_asset_name(const std::string& text,
                                                                           store::AssetKind kind);

// The noun with its indefinite article: "a model", "an environment".
[[nodiscard]] std::string with_article(std::string_view noun);

// "N@latest" or "N:V", for messages.
[[nodiscard]] std::string asset_label(const std::string& name, const std::string& version);

// " (did you mean 'NAME'?)" with the closest name of that kind in the workspace, or "".
[[nodiscard]] std::string asset_suggestion(store::Workspace& workspace, store::AssetKind kind,
                                           const std::string& name);

// The record TEXT names, through `find` (env::find_environment, assets::find_dataset, ...);
// a name or version the workspace lacks is an error that points at `ferry GROUP list`.
template <typename Find>
[[nodiscard]] auto find_named(store::Workspace& workspace, const std::string& text,
                              store::AssetKind kind, std::string_view group, Find find)
    -> Result<typename decltype(find(workspace.db(), "", ""))::value_type::value_type> {
    TRY_ASSIGN(const auto parsed, parse_asset_name(text, kind));
    const auto& [name, version] = parsed;
    TRY_ASSIGN(auto found, find(workspace.db(), name, version));
    if (!found) {
        return usage_error("no {} '{}' in workspace '{}'{} (see 'ferry {} list')",
                           store::asset_noun(kind), asset_label(name, version), workspace.name(),
                           asset_suggestion(workspace, kind, name), group);
    }
    return std::move(*found);
}

// `archive`/`restore` of NAME (every version) or NAME:VERSION of one kind.
[[nodiscard]] Result<void> archive_assets(Context& ctx, store::AssetKind kind,
                                          const std::vector<std::string>& names, bool archived);

// `archive` and `restore` of a registry group: NAME (every version) or NAME:VERSION, several.
void add_archive_verbs(CommandTree& tree, CLI::App* group, store::AssetKind kind,
                       const char* value_type);

// What every registry group's `create` takes: a spec file, its --set values, and flags that set
// the name, the version, the description and tags.
struct CreateFlags {
    std::string file;
    std::vector<std::string> sets;
    std::string name;
    std::string version;
    std::string description;
    std::vector<std::string> tags;
};
// -f/--file ("The FILE_NOUN file (YAML)"), --set, -n/--name ("The NOUN's name") and --version;
// returns -f, for a group whose create needs it.
CLI::Option* add_spec_flags(CLI::App& verb, CreateFlags& flags, std::string_view file_noun,
                            std::string_view noun);
// --description (`about` its help) and --tag, after the group's own flags.
void add_about_flags(CLI::App& verb, CreateFlags& flags, std::string_view about);
// The flags as --set lines after the file's: the name, the version, each of `more` (KEY, VALUE)
// that is given, the description, then the tags.
[[nodiscard]] Result<std::vector<std::string>> flag_sets(
    const CreateFlags& flags, std::initializer_list<std::pair<const char*, std::string>> more = {});

// `list`'s flags, the same in every registry group.
struct ListFlags {
    bool all_versions = false;
    bool include_archived = false;
};
void add_list_flags(CLI::App& verb, ListFlags& flags);

// A progress line on stderr while a large upload (16 MiB or more) is stored, when stderr is a
// terminal; nothing otherwise.
[[nodiscard]] snapshot::StoreProgress upload_progress(Context& ctx);

// Tags and properties as a JSON object.
[[nodiscard]] output::Json pairs_json(const spec::StringMap& pairs);

// KEY=VALUE flags as --set lines under `key` ("tags", "properties").
[[nodiscard]] Result<void> add_pair_sets(const std::vector<std::string>& flags,
                                         std::string_view flag, std::string_view key,
                                         std::vector<std::string>& sets);

// Writes the files of a stored manifest into DIR (relative to the context's directory) with
// run download's checks, says what it wrote on stderr, and prints a record with -o json.
[[nodiscard]] Result<void> download_content(Context& ctx, store::Workspace& workspace,
                                            const std::string& content, const std::string& dir,
                                            bool overwrite, const std::string& label);

// What a download wrote: "downloaded N files (SIZE)OF to DIR" on stderr, and with -o json or
// yaml a record {SOURCE_KEY: SOURCE_VALUE, directory, files, bytes, unchanged}.
void print_download(Context& ctx, const run::DownloadResult& written,
                    const std::filesystem::path& directory,
                    const std::pair<std::string, std::string>& source, const std::string& of);

// Reads a spec file (relative to the context's directory) for a creating verb: its text, the
// name to show in messages, and the directory its paths are relative to. Without a file:
// "{}", "command line" and the current directory.
struct SpecText {
    std::string text = "{}\n";
    std::string file = "command line";
    std::filesystem::path base;
};
[[nodiscard]] Result<SpecText> read_spec_text(const Context& ctx, const std::string& file);

// Loads a spec with the --set lines through `load` (spec::load_environment, load_data, ...);
// its problems go to stderr with their lines, and the error counts them (exit 2).
template <typename Load>
[[nodiscard]] auto load_spec(Context& ctx, const SpecText& source,
                             const std::vector<std::string>& sets, Load load)
    -> Result<typename decltype(load(source.text, source.file, source.base, sets))::value_type> {
    auto spec = load(source.text, source.file, source.base, sets);
    if (!spec) {
        ctx.err << spec::render(spec.error(), source.text);
        const auto count = spec.error().size();
        return usage_error("{}: {} error{}", source.file, count, count == 1 ? "" : "s");
    }
    return std::move(*spec);
}

}  // namespace ferry::cli

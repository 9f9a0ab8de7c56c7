#include "asset_support.hpp"

#include "ferry/cli/command_tree.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "run_support.hpp"

namespace ferry::cli {

std::string with_article(std::string_view noun) {
    const bool vowel =
        !noun.empty() && std::string_view("aeiou").find(noun.front()) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", noun);
}

Result<std::pair<std::string, std::string>> parse_asset_name(const std::string& text,
                                                             store::AssetKind kind) {
    auto reference = spec::parse_reference(text, spec::ReferenceRole::asset);
    if (reference && reference->kind == spec::ReferenceKind::asset) {
        return std::pair{reference->name, reference->latest ? std::string() : reference->version};
    }
    const std::string name = text.starts_with("azureml:") ? text.substr(8) : text;
    if (!spec::is_valid_name(name)) {
        return usage_error("'{}' is not {} (NAME, NAME:VERSION or NAME@latest)", text,
                           with_article(store::asset_noun(kind)));
    }
    return std::pair{name, std::string()};
}

std::string asset_suggestion(store::Workspace& workspace, store::AssetKind kind,
                             const std::string& name) {
    auto assets = store::list_assets(workspace.db(), kind, false, false);
    if (!assets) {
        return "";  // the message is about the missing name; a failed hint is no news
    }
    std::vector<std::string> names;
    for (const auto& asset : *assets) {
        names.push_back(asset.name);
    }
    return util::did_you_mean(name, names);
}

std::string asset_label(const std::string& name, const std::string& version) {
    return version.empty() ? name + "@latest" : name + ":" + version;
}

Result<void> archive_assets(Context& ctx, store::AssetKind kind,
                            const std::vector<std::string>& names, bool archived) {
    const std::string_view what = store::asset_noun(kind);
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    for (const auto& text : names) {
        if (text.ends_with("@latest")) {
            return usage_error("{}: give NAME (every version) or NAME:VERSION", text);
        }
        TRY_ASSIGN(auto parsed, parse_asset_name(text, kind));
        const auto& [name, version] = parsed;
        TRY_ASSIGN(auto changed,
                   store::set_asset_archived(workspace.db(), kind, name, version, archived));
        if (changed == 0) {
            return usage_error("no {} '{}' in workspace '{}'", what,
                               version.empty() ? name : name + ":" + version, workspace.name());
        }
        ctx.err << fmt::format("{} {} version{} of {} '{}'\n", archived ? "archived" : "restored",
                               changed, changed == 1 ? "" : "s", what, name);
    }
    return {};
}

namespace {
struct ArchiveNames {
    std::vector<std::string> names;
};
}  // namespace

void add_archive_verbs(CommandTree& tree, CLI::App* group, store::AssetKind kind,
                       const char* value_type) {
    for (const bool archived : {true, false}) {
        tree.add_verb<ArchiveNames>(
            group, archived ? "archive" : "restore",
            archived ? fmt::format("Hide {} (every version, or NAME:VERSION) from list and "
                                   "@latest",
                                   with_article(store::asset_noun(kind)))
                     : std::string("Bring archived versions back"),
            [value_type](CLI::App& verb, ArchiveNames& o) {
                verb.add_option("names", o.names, "NAME or NAME:VERSION (several)")
                    ->required()
                    ->type_name(value_type);
            },
            [kind, archived](Context& ctx, const ArchiveNames& o) {
                return archive_assets(ctx, kind, o.names, archived);
            });
    }
}

CLI::Option* add_spec_flags(CLI::App& verb, CreateFlags& flags, std::string_view file_noun,
                            std::string_view noun) {
    CLI::Option* file =
        verb.add_option("-f,--file", flags.file, fmt::format("The {} file (YAML)", file_noun))
            ->type_name(value::file);
    verb.add_option("--set", flags.sets, "Override a value of the file: KEY.PATH=VALUE")
        ->type_name(value::set);
    verb.add_option("-n,--name", flags.name, fmt::format("The {}'s name", noun))
        ->type_name(value::text);
    verb.add_option("--version", flags.version,
                    "Its version (default: the next integer; never overwritten)")
        ->type_name(value::text);
    return file;
}

void add_about_flags(CLI::App& verb, CreateFlags& flags, std::string_view about) {
    verb.add_option("--description", flags.description, std::string(about))->type_name(value::text);
    verb.add_option("--tag", flags.tags, "A tag KEY=VALUE (repeatable)")->type_name(value::text);
}

Result<std::vector<std::string>> flag_sets(
    const CreateFlags& flags, std::initializer_list<std::pair<const char*, std::string>> more) {
    std::vector<std::string> sets = flags.sets;
    const auto add = [&sets](std::string_view key, const std::string& value) {
        if (!value.empty()) {
            sets.push_back(fmt::format("{}={}", key, value));
        }
    };
    add("name", flags.name);
    add("version", flags.version);
    for (const auto& [key, value] : more) {
        add(key, value);
    }
    add("description", flags.description);
    TRY(add_pair_sets(flags.tags, "--tag", "tags", sets));
    return sets;
}

void add_list_flags(CLI::App& verb, ListFlags& flags) {
    verb.add_flag("--all-versions", flags.all_versions, "Every version, not only the latest");
    verb.add_flag("--include-archived", flags.include_archived, "Archived versions too");
}

snapshot::StoreProgress upload_progress(Context& ctx) {
    if (!ctx.terminal.stderr_is_tty) {
        return {};
    }
    constexpr std::uint64_t k_large = 16ULL << 20U;
    auto finished = std::make_shared<bool>(false);  // the last line is ended once
    return [&ctx, finished](std::uint64_t done, std::uint64_t total) {
        if (total < k_large || *finished) {
            return;
        }
        *finished = done == total;
        ctx.err << fmt::format("\rstoring {} of {} ({}%)\x1b[K", util::human_bytes(done),
                               util::human_bytes(total), done * 100 / total)
                << (*finished ? "\n" : "") << std::flush;
    };
}

output::Json pairs_json(const spec::StringMap& pairs) {
    output::Json json = output::Json::object();
    for (const auto& [key, value] : pairs) {
        json[key] = value;
    }
    return json;
}

Result<void> add_pair_sets(const std::vector<std::string>& flags, std::string_view flag,
                           std::string_view key, std::vector<std::string>& sets) {
    for (const auto& pair : flags) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
            return usage_error("{} {}: give KEY=VALUE", flag, pair);
        }
        sets.push_back(fmt::format("{}.{}={}", key, pair.substr(0, eq), pair.substr(eq + 1)));
    }
    return {};
}

Result<void> download_content(Context& ctx, store::Workspace& workspace, const std::string& content,
                              const std::string& dir, bool overwrite, const std::string& label) {
    TRY_ASSIGN(auto entries, run::read_artifacts(workspace.blobs(), content));
    std::vector<std::pair<snapshot::ManifestEntry, std::string>> selected;
    for (auto& entry : entries) {
        std::string path = entry.path;
        selected.emplace_back(std::move(entry), std::move(path));
    }
    const std::filesystem::path directory = absolute_from(ctx, dir.empty() ? "." : dir);
    TRY(util::create_directories(directory, 0755));
    TRY_ASSIGN(auto written,
               run::download_entries(workspace.blobs(), selected, directory,
                                     overwrite ? run::Overwrite::yes : run::Overwrite::no));
    print_download(ctx, written, directory, {"asset", label}, " of " + label);
    return {};
}

void print_download(Context& ctx, const run::DownloadResult& written,
                    const std::filesystem::path& directory,
                    const std::pair<std::string, std::string>& source, const std::string& of) {
    ctx.err << fmt::format(
        "downloaded {} file{} ({}){} to {}{}\n", written.files, written.files == 1 ? "" : "s",
        util::human_bytes(written.bytes), of, directory.string(),
        written.unchanged > 0 ? fmt::format("; {} already there", written.unchanged)
                              : std::string());
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        output::Json record;
        record[source.first] = source.second;
        record["directory"] = directory.string();
        record["files"] = written.files;
        record["bytes"] = written.bytes;
        record["unchanged"] = written.unchanged;
        output::print_record(ctx, record);
    }
}

Result<SpecText> read_spec_text(const Context& ctx, const std::string& file) {
    SpecText spec;
    spec.base = ctx.cwd;
    if (file.empty()) {
        return spec;
    }
    const std::filesystem::path path = absolute_from(ctx, file);
    auto read = util::read_file(path);
    if (!read) {
        return std::unexpected(Error{ExitCode::usage, read.error().message});
    }
    spec.text = std::move(*read);
    spec.file = file;
    spec.base = path.parent_path();
    return spec;
}

}  // namespace ferry::cli

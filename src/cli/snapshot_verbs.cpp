// `ferry run snapshot`: what a submit would take from a code directory, why a path is in or
// out, and storing it ahead of time.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "asset_support.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/snapshot/ferry_data.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/locate.hpp"
#include "ferry/store/selection.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/time.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct SnapshotOptions {
    std::string directory;
    std::string file;
    std::vector<std::string> sets;
    std::string explain;
    std::string limit;
    bool store = false;
};

long milliseconds_since(std::chrono::steady_clock::time_point start) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count());
}

// The directory to snapshot: DIR, or the `code` of the job file, or the current directory.
Result<fs::path> source_directory(const Context& ctx, const SnapshotOptions& options) {
    if (options.file.empty()) {
        return absolute_from(ctx, options.directory.empty() ? "." : options.directory);
    }
    if (!options.directory.empty()) {
        return usage_error("give a directory or -f JOB_FILE, not both");
    }
    TRY_ASSIGN(const auto source, read_spec_text(ctx, options.file));
    auto job = spec::load_job(source.text, source.file, source.base, options.sets);
    if (!job) {
        ctx.err << spec::render(job.error(), source.text);
        const auto count = job.error().size();
        return usage_error("{}: {} error{}", options.file, count, count == 1 ? "" : "s");
    }
    const auto* command = std::get_if<spec::CommandJob>(&*job);
    const auto& code = command ? command->code : std::get<spec::SweepJob>(*job).trial.code;
    if (!code) {
        return usage_error("{}: the job has no 'code' directory, so there is nothing to snapshot",
                           options.file);
    }
    TRY(spec::check_code_directory(
        code, spec::locate(source.text, source.file, command ? "code" : "trial.code")));
    return *code;
}

Json entry_record(const snapshot::Entry& entry) {
    Json record;
    record["path"] = entry.path;
    record["type"] = entry.kind == snapshot::EntryKind::symlink ? "symlink" : "file";
    record["mode"] = entry.mode();
    record["size"] = entry.size;
    if (entry.kind == snapshot::EntryKind::symlink) {
        record["target"] = entry.target;
    }
    return record;
}

Result<void> list(Context& ctx, const snapshot::Listing& listing,
                  const std::vector<std::string>& warnings, std::uint64_t limit) {
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        Json entries = Json::array();
        for (const auto& entry : listing.entries) {
            entries.push_back(entry_record(entry));
        }
        Json left_out = Json::array();
        for (const auto& left : listing.left_out) {
            left_out.push_back({{"path", left.path},
                                {"reason", snapshot::reason_name(left.reason)},
                                {"detail", left.detail}});
        }
        Json document;
        document["root"] = listing.root.string();
        document["files"] = listing.entries.size();
        document["bytes"] = listing.bytes;
        document["limit"] = limit;
        document["entries"] = std::move(entries);
        document["left_out"] = std::move(left_out);
        document["warnings"] = warnings;
        output::print_record(ctx, document);
    } else {
        const bool human = ctx.format == OutputFormat::table;
        std::vector<std::vector<std::string>> rows;
        rows.reserve(listing.entries.size() + 1);
        rows.push_back({"PATH", "SIZE", "MODE"});
        for (const auto& entry : listing.entries) {
            rows.push_back({entry.path,
                            human ? util::human_bytes(entry.size) : std::to_string(entry.size),
                            std::string(entry.mode())});
        }
        output::print_rows(ctx, std::move(rows));
    }
    ctx.err << fmt::format("{} file{}, {}\n", util::with_thousands(listing.entries.size()),
                           listing.entries.size() == 1 ? "" : "s",
                           util::human_bytes(listing.bytes));
    if (listing.bytes > limit) {
        ctx.warn(fmt::format("{} is over the snapshot limit of {}: a submit would be refused",
                             util::human_bytes(listing.bytes), util::human_bytes(limit)));
    }
    return {};
}

Result<void> store(Context& ctx, const snapshot::Listing& listing, std::uint64_t limit) {
    if (auto within = snapshot::check_limit(listing, limit); !within) {
        return within;  // before a workspace is opened, let alone created
    }
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    TRY_ASSIGN(auto workspace, store::open_chosen_workspace(ctx, registry));
    const auto started = std::chrono::steady_clock::now();
    TRY_ASSIGN(auto cost,
               snapshot::store_snapshot(workspace, listing, limit, util::format_utc(ctx.now())));
    ctx.debug(fmt::format("stored in {} ms; {} file{} read, the stat cache vouched for the rest",
                          milliseconds_since(started), util::with_thousands(cost.hashed_files),
                          cost.hashed_files == 1 ? "" : "s"));
    ctx.err << snapshot::describe(cost) << '\n';
    if (ctx.format == OutputFormat::table || ctx.format == OutputFormat::tsv) {
        ctx.out << cost.id << '\n';
        return {};
    }
    Json record;
    record["id"] = cost.id;
    record["root"] = listing.root.string();
    record["files"] = cost.files;
    record["bytes"] = cost.bytes;
    record["new_files"] = cost.new_files;
    record["new_bytes"] = cost.new_bytes;
    record["workspace"] = workspace.name();
    output::print_record(ctx, record);
    return {};
}

std::string rule_text(const snapshot::IgnoreRule& rule) {
    return fmt::format("{}:{}: {}", rule.source, rule.line_number, rule.line);
}

// The line `--explain` prints about one path.
std::string verdict_of(const snapshot::Explanation& why) {
    std::string verdict;
    if (why.git_directory) {
        verdict = "never included (.git/ is git's own data)";
    } else if (why.left_out == snapshot::LeftOutReason::ferry_data) {
        verdict = fmt::format(
            "left out: {}/ holds ferry's own data ({}), which no snapshot takes",
            why.decided_by_directory.empty() ? why.path : why.decided_by_directory, why.detail);
    } else if (!why.decided_by_directory.empty()) {
        verdict = fmt::format("excluded: its directory {}/ is excluded by {}",
                              why.decided_by_directory, rule_text(*why.rule));
    } else if (!why.below_link.empty()) {
        verdict = fmt::format(
            "not part of the snapshot: {} is a symbolic link, kept as a link "
            "and not followed",
            why.below_link);
    } else if (why.left_out == snapshot::LeftOutReason::outside_link) {
        verdict = fmt::format("left out: a symbolic link (to {}) that leads outside the tree",
                              why.detail);
    } else if (why.left_out == snapshot::LeftOutReason::special_file) {
        verdict = fmt::format("left out: {}", why.detail);
    } else if (why.rule && why.rule->credential) {
        verdict = fmt::format(
            "excluded by {} (looks like a credential; a '!' line for it in an ignore file "
            "brings it back)",
            rule_text(*why.rule));
    } else if (why.rule) {
        verdict =
            fmt::format("{} by {}", why.included ? "included" : "excluded", rule_text(*why.rule));
    } else {
        verdict = "included: no rule matches";
    }
    if (!why.exists && !why.git_directory && why.decided_by_directory.empty() &&
        why.below_link.empty()) {
        verdict +=
            fmt::format(" (no such path; judged as a {})", why.is_directory ? "directory" : "file");
    }
    return verdict;
}

Result<void> explain(Context& ctx, const fs::path& root, const std::string& path,
                     std::span<const snapshot::FerryDirectory> ferry_data) {
    // PATH is read from the current directory, as a shell completes it.
    const fs::path absolute = absolute_from(ctx, path);
    std::string relative = absolute.lexically_relative(root).generic_string();
    if (relative.empty() || relative == "." || relative.starts_with("..")) {
        // The root may have been named through a link: compare where both really are.
        std::error_code ec;
        const fs::path real_root = fs::weakly_canonical(root, ec);
        relative =
            fs::weakly_canonical(absolute, ec).lexically_relative(real_root).generic_string();
    }
    if (relative.empty() || relative == ".." || relative.starts_with("../")) {
        return usage_error("{}: not inside {}", path, root.string());
    }
    if (relative == ".") {
        return usage_error("{}: name a file or directory inside {}", path, root.string());
    }
    const bool marked_directory = path.ends_with('/');
    if (marked_directory) {
        relative += '/';
    }
    TRY_ASSIGN(auto why, snapshot::explain(root, relative, ferry_data));
    const std::string verdict = verdict_of(why);
    const std::string shown =
        why.path + (marked_directory && why.is_directory && !why.path.ends_with('/') ? "/" : "");
    if (ctx.format == OutputFormat::table || ctx.format == OutputFormat::tsv) {
        ctx.out << shown << ": " << verdict << '\n';
        return {};
    }
    Json record;
    record["path"] = shown;
    record["included"] = why.included;
    record["exists"] = why.exists;
    record["verdict"] = verdict;
    if (why.rule) {
        record["rule"] = {{"file", why.rule->source},
                          {"line", why.rule->line_number},
                          {"pattern", why.rule->line},
                          {"negative", why.rule->negative}};
    } else {
        record["rule"] = nullptr;
    }
    record["excluded_directory"] =
        why.decided_by_directory.empty() ? Json(nullptr) : Json(why.decided_by_directory + "/");
    output::print_record(ctx, record);
    return {};
}

Result<void> snapshot_verb(Context& ctx, const SnapshotOptions& options) {
    TRY_ASSIGN(auto root, source_directory(ctx, options));
    TRY_ASSIGN(auto limit,
               snapshot::resolve_limit(options.limit, ctx.env.get("FERRY_SNAPSHOT_LIMIT")));
    TRY_ASSIGN(const auto ferry_data, snapshot::ferry_directories(ctx.env));
    if (!options.explain.empty()) {
        return explain(ctx, root, options.explain, ferry_data);
    }
    const auto started = std::chrono::steady_clock::now();
    TRY_ASSIGN(auto listing,
               snapshot::list_tree(root, snapshot::IgnoreFiles::honoured, ferry_data));
    ctx.debug(fmt::format("walked {} in {} ms", root.string(), milliseconds_since(started)));
    TRY(snapshot::require_files(listing));
    const auto warnings = snapshot::listing_warnings(listing);
    for (const auto& warning : warnings) {
        ctx.warn(warning);
    }
    return options.store ? store(ctx, listing, limit) : list(ctx, listing, warnings, limit);
}

}  // namespace

std::filesystem::path absolute_from(const Context& ctx, const std::string& path) {
    std::filesystem::path absolute =
        (std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : ctx.cwd / path)
            .lexically_normal();
    if (!absolute.has_filename() && absolute.has_relative_path()) {
        absolute = absolute.parent_path();  // "dir/." and "dir/" name dir
    }
    return absolute;
}

void add_snapshot_verbs(CommandTree& tree) {
    tree.add_verb<SnapshotOptions>(
        tree.group("run"), "snapshot",
        "List what a submit would take from a code directory (honouring ignore files), "
        "explain why a path is in or out, or store the snapshot",
        [](CLI::App& verb, SnapshotOptions& o) {
            verb.add_option("dir", o.directory, "The code directory (default: the current one)")
                ->type_name(value::dir);
            verb.add_option("-f,--file", o.file, "Take the code directory of this job file")
                ->type_name(value::file);
            verb.add_option("--set", o.sets, "Override a value of the job file: KEY.PATH=VALUE")
                ->type_name(value::set);
            verb.add_option("--explain", o.explain,
                            "Say which rule of which ignore file decides PATH")
                ->type_name(value::path);
            verb.add_flag("--store", o.store,
                          "Store the snapshot in the workspace and print its id");
            verb.add_option("--snapshot-limit", o.limit,
                            "Refuse snapshots larger than SIZE (default 2g, or "
                            "FERRY_SNAPSHOT_LIMIT)")
                ->type_name(value::size);
        },
        snapshot_verb);
}

}  // namespace ferry::cli

// `validate` and `schema` of every group that takes spec files: the same loader the
// creating verbs use, so what validates is what runs.
#include <filesystem>
#include <string>
#include <vector>

#include "asset_support.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/locate.hpp"
#include "ferry/util/fs.hpp"
#include "ignored_keys.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct ValidateOptions {
    std::string file;
    std::vector<std::string> sets;
    std::string name;
    bool strict = false;  // a job's: refuse Azure's keys that ferry ignores
};

struct SchemaOptions {
    std::string kind;
};

// A group's spec kinds; the first is the default of `schema`.
struct SpecGroup {
    const char* group;
    std::vector<spec::Kind> kinds;
    const char* noun;
};

const std::vector<SpecGroup>& spec_groups() {
    static const std::vector<SpecGroup> k_groups = {
        {"run", {spec::Kind::command_job, spec::Kind::sweep_job, spec::Kind::pipeline_job}, "job"},
        {"env", {spec::Kind::environment}, "environment"},
        {"dataset", {spec::Kind::data}, "data asset"},
        {"model", {spec::Kind::model}, "model"},
        {"component", {spec::Kind::component}, "component"},
        {"compute", {spec::Kind::compute}, "compute target"},
        {"workspace", {spec::Kind::workspace}, "workspace"},
    };
    return k_groups;
}

// The spec resolved, and the keys it has that ferry ignores (a job's).
struct Validated {
    Json resolved;
    std::vector<spec::Diagnostic> ignored;
};

spec::LoadResult<Validated> load_for(const SpecGroup& group, std::string_view text,
                                     std::string_view file, const fs::path& base,
                                     const std::vector<std::string>& sets) {
    if (group.kinds.size() > 1) {
        TRY_ASSIGN(auto job, spec::load_job(text, file, base, sets));
        return std::visit(
            [](const auto& typed) {
                return Validated{typed.to_json(), typed.ignored};
            },
            job);
    }
    TRY_ASSIGN(auto resolved, spec::load_any(group.kinds.front(), text, file, base, sets));
    return Validated{std::move(resolved), {}};
}

// What a job names on this machine that the loader does not look at: its code directory,
// the same check a submit makes.
Result<void> check_job_paths(const Json& job, const SpecText& source) {
    if (job.value("type", "") == "pipeline") {
        const Json steps = job.value("jobs", Json::object());
        for (const auto& [step, value] : steps.items()) {
            if (value.contains("code") && value["code"].is_string()) {
                TRY(spec::check_code_directory(
                    fs::path(value["code"].get<std::string>()),
                    spec::locate(source.text, source.file, fmt::format("jobs.{}.code", step))));
            }
        }
        return {};
    }
    const bool sweep = job.value("type", "") == "sweep";
    const Json& trial = sweep ? job.value("trial", Json::object()) : job;
    if (!trial.contains("code") || !trial["code"].is_string()) {
        return {};
    }
    return spec::check_code_directory(
        fs::path(trial["code"].get<std::string>()),
        spec::locate(source.text, source.file, sweep ? "trial.code" : "code"));
}

Result<void> validate(Context& ctx, const SpecGroup& group, const ValidateOptions& options) {
    TRY_ASSIGN(const auto source, read_spec_text(ctx, options.file));
    std::vector<std::string> sets = options.sets;
    if (!options.name.empty()) {
        sets.push_back("name=" + options.name);
    }
    auto loaded = load_for(group, source.text, source.file, source.base, sets);
    if (!loaded) {
        ctx.err << spec::render(loaded.error(), source.text);
        const auto count = loaded.error().size();
        return usage_error("{}: {} error{}", options.file, count, count == 1 ? "" : "s");
    }
    TRY(say_ignored(ctx, loaded->ignored, source.file, source.text,
                    strict_wanted(ctx, options.strict)));
    // A component's code is snapshotted by create: the same check.
    if (group.kinds.front() == spec::Kind::command_job ||
        group.kinds.front() == spec::Kind::component) {
        TRY(check_job_paths(loaded->resolved, source));
    }
    output::print_document(ctx, loaded->resolved);
    return {};
}

Result<void> schema(Context& ctx, const SpecGroup& group, const SchemaOptions& options) {
    spec::Kind kind = group.kinds.front();
    if (!options.kind.empty()) {
        auto named = spec::kind_from_name(options.kind);
        if (!named || std::ranges::find(group.kinds, *named) == group.kinds.end()) {
            std::string allowed;
            for (auto k : group.kinds) {
                allowed += (allowed.empty() ? "" : ", ") + std::string(spec::kind_name(k));
            }
            return usage_error("unknown {} kind '{}': use {}", group.noun, options.kind, allowed);
        }
        kind = *named;
    }
    // A schema is a JSON document unless YAML is asked for.
    const auto format = ctx.format == OutputFormat::yaml ? OutputFormat::yaml : OutputFormat::json;
    ctx.out << output::render_record(format, spec::to_json_schema(kind), {});
    return {};
}

}  // namespace

std::span<const spec::Kind> group_spec_kinds(std::string_view group) {
    for (const auto& each : spec_groups()) {
        if (each.group == group) {
            return each.kinds;
        }
    }
    return {};
}

void add_spec_verbs(CommandTree& tree) {
    for (const auto& group : spec_groups()) {
        CLI::App* app = tree.group(group.group);
        const SpecGroup* spec_group = &group;
        tree.add_verb<ValidateOptions>(
            app, "validate",
            fmt::format("Check {} spec file and print it resolved, or every error in it",
                        with_article(group.noun)),
            [spec_group](CLI::App& verb, ValidateOptions& o) {
                verb.add_option("-f,--file", o.file, "The YAML spec file")
                    ->required()
                    ->type_name(value::file);
                verb.add_option("--set", o.sets, "Override a value: KEY.PATH=VALUE (repeatable)")
                    ->type_name(value::set);
                verb.add_option("-n,--name", o.name, "Override the name")->type_name(value::text);
                if (spec_group->kinds.size() > 1) {
                    verb.add_flag("--strict", o.strict, k_strict_help);
                }
            },
            [spec_group](Context& ctx, const ValidateOptions& o) {
                return validate(ctx, *spec_group, o);
            });
        tree.add_verb<SchemaOptions>(
            app, "schema",
            fmt::format("Print the JSON Schema (draft 2020-12) of {} spec files", group.noun),
            [spec_group](CLI::App& verb, SchemaOptions& o) {
                if (spec_group->kinds.size() > 1) {
                    verb.add_option("kind", o.kind, "command (default), sweep or pipeline")
                        ->type_name(value::spec_kind);
                }
            },
            [spec_group](Context& ctx, const SchemaOptions& o) {
                return schema(ctx, *spec_group, o);
            });
    }
}

}  // namespace ferry::cli

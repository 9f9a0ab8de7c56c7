#include "ferry/run/resolve.hpp"

#include "ferry/assets/data.hpp"
#include "ferry/assets/model.hpp"
#include "ferry/env/curated.hpp"
#include "ferry/env/mapping.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/env/registry.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/util/time.hpp"

namespace ferry::run {

namespace {

// An input path that names a registered asset: azureml:N:V, azureml:N@latest, or N:V and
// N@latest where no such local path exists.
std::optional<spec::Reference> asset_reference(const spec::Reference& path) {
    if (path.kind == spec::ReferenceKind::asset) {
        return path;
    }
    if (path.kind != spec::ReferenceKind::local_path) {
        return std::nullopt;
    }
    const std::string text = path.text;
    if (text.find('/') != std::string::npos ||
        (text.find(':') == std::string::npos && !text.ends_with("@latest"))) {
        return std::nullopt;
    }
    std::error_code ec;
    if (fs::exists(path.path, ec)) {
        return std::nullopt;
    }
    auto parsed = spec::parse_reference(text, spec::ReferenceRole::asset);
    return parsed ? std::optional(*parsed) : std::nullopt;
}

Result<ResolvedInput> model_input(store::Workspace& workspace, const spec::InputSpec& input,
                                  const spec::Reference& reference, const std::string& file) {
    TRY_ASSIGN(auto model, assets::find_model(workspace.db(), reference.name,
                                              reference.latest ? "" : reference.version));
    if (!model) {
        return usage_error("{}: input '{}': no model '{}' in workspace '{}'", file, input.name,
                           reference.canonical(), workspace.name());
    }
    return ResolvedInput{.kind = store::AssetKind::model,
                         .name = reference.name,
                         .version = model->version,
                         .content = model->content};
}

// The one file of a dataset that a uri_file input takes.
Result<std::string> dataset_file(store::Workspace& workspace, const spec::InputSpec& input,
                                 const assets::DatasetRecord& record, const std::string& file) {
    if (record.remote) {
        if (record.paths.size() != 1) {
            return usage_error(
                "{}: input '{}': dataset {} has {} URLs; a uri_file input takes one file", file,
                input.name, record.label(), record.paths.size());
        }
        return assets::url_file_name(record.paths.front());
    }
    TRY_ASSIGN(auto entries, assets::read_content(workspace.blobs(), record.content));
    if (entries.size() != 1) {
        return usage_error(
            "{}: input '{}': dataset {} has {} files; a uri_file input takes one (use "
            "uri_folder)",
            file, input.name, record.label(), entries.size());
    }
    return entries.front().path;
}

Result<ResolvedInput> dataset_input(store::Workspace& workspace, const spec::InputSpec& input,
                                    const spec::Reference& reference, const std::string& file) {
    TRY_ASSIGN(auto dataset, assets::find_dataset(workspace.db(), reference.name,
                                                  reference.latest ? "" : reference.version));
    if (!dataset) {
        return usage_error("{}: input '{}': no dataset '{}' in workspace '{}'", file, input.name,
                           reference.canonical(), workspace.name());
    }
    ResolvedInput asset{.kind = store::AssetKind::data,
                        .name = reference.name,
                        .version = dataset->version,
                        .content = dataset->remote ? std::string() : dataset->content};
    if (input.type == "uri_file") {
        TRY_ASSIGN(asset.file_name, dataset_file(workspace, input, *dataset, file));
    }
    return asset;
}

// Why a job's environment is not here, and the commands that would make it so.
std::string missing_environment(store::Workspace& workspace, const spec::Reference& reference) {
    const std::string text = reference.canonical();
    if (reference.registry.empty() && env::curated_name(reference).empty()) {
        return fmt::format("no environment '{}' in workspace '{}' (see 'ferry env list')", text,
                           workspace.name());
    }
    const std::string curated = env::curated_name(reference);
    const std::string name = curated.empty() ? reference.name : curated;
    const std::string create = env::find_curated(name) != nullptr
                                   ? fmt::format("ferry env create --from-curated {}", name)
                                   : fmt::format("ferry env create --name {} ...", name);
    return fmt::format(
        "environment '{}' is {} environment not in workspace '{}'; register one named '{}' "
        "('{}') or map it ('ferry env map {} LOCAL_ENV', or 'ferry env map {} host')",
        text, curated.empty() ? "a registry" : "an Azure curated", workspace.name(), name, create,
        env::any_version_key(reference), env::any_version_key(reference));
}

}  // namespace

Result<std::optional<env::Environment>> resolve_environment(
    Context& ctx, store::Workspace& workspace, const spec::CommandJob& job, const std::string& file,
    std::string_view where, Runtime runtime, StoreDefinition store) {
    if (runtime == Runtime::host || std::holds_alternative<std::monostate>(job.environment)) {
        return std::optional<env::Environment>{};
    }
    env::Environment environment;
    if (const auto* reference = std::get_if<spec::Reference>(&job.environment)) {
        auto found = env::find_for_job(workspace.db(), *reference);
        if (!found) {
            return std::unexpected(with_context(found.error(), where));
        }
        if (found->host) {
            return std::optional<env::Environment>{};
        }
        if (!found->record) {
            return usage_error("{}: {}", where, missing_environment(workspace, *reference));
        }
        environment = std::move(found->record->environment);
    } else {
        TRY_ASSIGN(auto defined, env::define(std::get<spec::EnvironmentSpec>(job.environment), file,
                                             store == StoreDefinition::yes ? &workspace : nullptr,
                                             util::format_utc(ctx.now())));
        for (const auto& warning : defined.warnings) {
            ctx.warn(warning);
        }
        environment = std::move(defined);
    }
    if (environment.kind == env::Kind::host) {
        return std::optional<env::Environment>{};
    }
    if (auto possible = env::check_can_materialize(environment, ctx.runner); !possible) {
        return usage_error("{}: environment{}: {}", file,
                           environment.name.empty() ? "" : " " + environment.label(),
                           possible.error().message);
    }
    return std::optional<env::Environment>{std::move(environment)};
}

Result<std::map<std::string, ResolvedInput>> resolve_inputs(store::Workspace& workspace,
                                                            const spec::CommandJob& job,
                                                            const std::string& file) {
    std::map<std::string, ResolvedInput> resolved;
    for (const auto& input : job.inputs) {
        if (input.is_literal || !input.path) {
            continue;
        }
        const auto reference = asset_reference(*input.path);
        if (!reference) {
            continue;
        }
        if (input.type.ends_with("_model")) {
            TRY_ASSIGN(resolved[input.name], model_input(workspace, input, *reference, file));
        } else {
            TRY_ASSIGN(resolved[input.name], dataset_input(workspace, input, *reference, file));
        }
    }
    return resolved;
}

Json environment_record(const std::optional<env::Environment>& environment,
                        const fs::path& workspace_root, std::string_view interpreter) {
    if (!environment) {
        return nullptr;
    }
    Json record;
    record["name"] = environment->name.empty() ? Json(nullptr) : Json(environment->name);
    record["version"] = environment->version.empty() ? Json(nullptr) : Json(environment->version);
    record["hash"] = environment->hash;
    record["runtime"] = env::kind_name(environment->kind);
    record["cache"] = nullptr;
    record["location"] = env::location_of(*environment, workspace_root, interpreter);
    return record;
}

}  // namespace ferry::run

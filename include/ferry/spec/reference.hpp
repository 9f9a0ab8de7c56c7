#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"

namespace ferry::spec {

// What a reference string names.
enum class ReferenceKind {
    asset,             // [azureml:]NAME:VERSION, [azureml:]NAME@latest, or an environment of a
                       // registry: azureml://registries/REG/environments/NAME/versions/V or
                       // .../labels/latest
    compute,           // [azureml:]NAME
    local_path,        // a relative or absolute path, or a file: URI
    url,               // http(s)://...
    azure_datastore,   // azureml://datastores/... (through a datastore, at submit)
    azure_job_output,  // azureml://jobs/... (an earlier run's files, at submit)
    azure_other,       // any other azureml://... form (refused)
    azure_blob,        // wasbs:// or wasb:// (through a datastore, at submit)
    azure_data_lake,   // abfss:// or abfs:// (through a datastore, at submit)
    mlflow_run,        // runs:/<run-id>/<path> (refused)
};

// How a string is read: an asset (environment, model), a compute name, or a path that may
// also name a data asset with the azureml: prefix (inputs, data and model paths).
enum class ReferenceRole { asset, compute, path };

struct Reference {
    ReferenceKind kind = ReferenceKind::local_path;
    std::string text;      // as written
    std::string name;      // asset or compute name
    std::string registry;  // asset: the registry an azureml://registries/ reference names
    std::string version;   // asset version; empty when `latest`
    bool latest = false;
    std::filesystem::path path;  // local_path: as written without file: (resolved later)
    std::string url;             // url: the URL

    [[nodiscard]] bool is_supported() const;
    // "NAME:VERSION", "NAME@latest", the registry URL, the compute name, the path or the URL.
    [[nodiscard]] std::string canonical() const;
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

// Parses a reference; the error message says what is wrong (no file position).
[[nodiscard]] Result<Reference> parse_reference(std::string_view text, ReferenceRole role);

// An environment named with its version left out, meaning any version: NAME, or
// azureml://registries/REG/environments/NAME (`env map` keys); with a version it is
// parse_reference's asset.
[[nodiscard]] Result<Reference> parse_environment_pattern(std::string_view text);

// Why an unsupported reference is refused, e.g. "Azure datastore paths".
[[nodiscard]] std::string unsupported_reason(ReferenceKind kind);

// Asset and compute names: letters, digits, '-', '_', '.'; starting with a letter or digit.
[[nodiscard]] bool is_valid_name(std::string_view name);

}  // namespace ferry::spec

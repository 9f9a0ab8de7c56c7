#include "ferry/spec/reference.hpp"

#include <cctype>

#include "ferry/store/assets.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/text.hpp"

namespace ferry::spec {

namespace {

constexpr std::string_view k_azureml = "azureml:";

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
            return false;
        }
    }
    return true;
}

Result<Reference> parse_asset(std::string_view body, Reference ref) {
    ref.kind = ReferenceKind::asset;
    if (const std::size_t at = body.find('@'); at != std::string_view::npos) {
        const std::string_view label = body.substr(at + 1);
        ref.name = std::string(body.substr(0, at));
        if (label != "latest") {
            return usage_error("invalid reference '{}': the only label is '@latest'", ref.text);
        }
        ref.latest = true;
    } else if (const std::size_t colon = body.rfind(':'); colon != std::string_view::npos) {
        ref.name = std::string(body.substr(0, colon));
        ref.version = std::string(body.substr(colon + 1));
        if (!store::is_valid_version(ref.version)) {
            return usage_error("invalid reference '{}': bad version '{}'",
                               util::escape_control(ref.text), util::escape_control(ref.version));
        }
    } else {
        return usage_error("invalid reference '{}': name a version, as in '{}:1' or '{}@latest'",
                           ref.text, body, body);
    }
    if (!is_valid_name(ref.name)) {
        return usage_error("invalid reference '{}': bad name '{}'", ref.text, ref.name);
    }
    return ref;
}

constexpr std::string_view k_registries = "registries/";

// REG/environments/NAME/versions/V or REG/environments/NAME/labels/latest, after
// azureml://registries/; with `any_version`, also REG/environments/NAME. Other assets of a
// registry (models, components) are not read here.
Result<Reference> parse_registry(std::string_view rest, Reference ref, bool any_version) {
    const auto parts = util::split(rest, '/');
    if (parts.size() < 2 || parts[1] != "environments") {
        ref.kind = ReferenceKind::azure_other;
        return ref;
    }
    const bool shaped = parts.size() == 5 || (any_version && parts.size() == 3);
    if (!shaped || (parts.size() == 5 && parts[3] != "versions" && parts[3] != "labels")) {
        return usage_error(
            "invalid registry environment '{}': expected "
            "azureml://registries/REG/environments/NAME/versions/VERSION or .../labels/latest",
            util::escape_control(ref.text));
    }
    ref.kind = ReferenceKind::asset;
    ref.registry = std::string(parts[0]);
    ref.name = std::string(parts[2]);
    if (!is_valid_name(ref.registry) || !is_valid_name(ref.name)) {
        return usage_error(
            "invalid registry environment '{}': bad {} name '{}'", util::escape_control(ref.text),
            is_valid_name(ref.registry) ? "environment" : "registry",
            util::escape_control(is_valid_name(ref.registry) ? ref.name : ref.registry));
    }
    if (parts.size() == 3) {
        return ref;
    }
    if (parts[3] == "labels") {
        if (parts[4] != "latest") {
            return usage_error("invalid registry environment '{}': the only label is 'latest'",
                               util::escape_control(ref.text));
        }
        ref.latest = true;
        return ref;
    }
    ref.version = std::string(parts[4]);
    if (!store::is_valid_version(ref.version)) {
        return usage_error("invalid registry environment '{}': bad version '{}'",
                           util::escape_control(ref.text), util::escape_control(ref.version));
    }
    return ref;
}

}  // namespace

bool is_valid_name(std::string_view name) {
    if (name.empty() || name.size() > 255 ||
        std::isalnum(static_cast<unsigned char>(name.front())) == 0) {
        return false;
    }
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) == 0 && c != '-' && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

bool Reference::is_supported() const {
    switch (kind) {
        case ReferenceKind::asset:
        case ReferenceKind::compute:
        case ReferenceKind::local_path:
        case ReferenceKind::url:
        // Resolved at submit: through a datastore, or to an earlier run's files.
        case ReferenceKind::azure_datastore:
        case ReferenceKind::azure_blob:
        case ReferenceKind::azure_data_lake:
        case ReferenceKind::azure_job_output:
            return true;
        default:
            return false;
    }
}

std::string Reference::canonical() const {
    switch (kind) {
        case ReferenceKind::asset:
            if (!registry.empty()) {
                const std::string base =
                    "azureml://registries/" + registry + "/environments/" + name;
                return latest            ? base + "/labels/latest"
                       : version.empty() ? base
                                         : base + "/versions/" + version;
            }
            return latest ? name + "@latest" : version.empty() ? name : name + ":" + version;
        case ReferenceKind::compute:
            return name;
        case ReferenceKind::local_path:
            return path.string();
        case ReferenceKind::url:
            return url;
        default:
            return text;
    }
}

nlohmann::ordered_json Reference::to_json() const {
    if ((kind == ReferenceKind::asset && registry.empty()) || kind == ReferenceKind::compute) {
        return "azureml:" + canonical();
    }
    return canonical();
}

std::string unsupported_reason(ReferenceKind kind) {
    switch (kind) {
        case ReferenceKind::azure_datastore:
            return "Azure datastore paths; use a local path or an http(s) URL";
        case ReferenceKind::azure_job_output:
            return "runs' outputs here; a job reads them as they are, and 'ferry run download' "
                   "copies them out";
        case ReferenceKind::azure_other:
            return "this azureml:// form; use a local path or azureml:NAME:VERSION";
        case ReferenceKind::azure_blob:
            return "Azure Blob Storage URIs; use a local path or an http(s) URL";
        case ReferenceKind::azure_data_lake:
            return "Azure Data Lake URIs; use a local path or an http(s) URL";
        case ReferenceKind::mlflow_run:
            return "MLflow run URIs; use a local path or a registered model";
        default:
            return {};
    }
}

Result<Reference> parse_reference(std::string_view text, ReferenceRole role) {
    Reference ref;
    ref.text = std::string(text);
    if (text.empty()) {
        return usage_error("empty reference");
    }
    if (starts_with_ci(text, "azureml://")) {
        const std::string_view rest = text.substr(10);
        if (role == ReferenceRole::asset && rest.starts_with(k_registries)) {
            return parse_registry(rest.substr(k_registries.size()), std::move(ref), false);
        }
        const bool long_datastore = starts_with_ci(rest, "subscriptions/") &&
                                    rest.find("/datastores/") != std::string_view::npos;
        ref.kind = rest.starts_with("datastores/") || long_datastore
                       ? ReferenceKind::azure_datastore
                   : rest.starts_with("jobs/") ? ReferenceKind::azure_job_output
                                               : ReferenceKind::azure_other;
        return ref;
    }
    if (starts_with_ci(text, "wasbs://") || starts_with_ci(text, "wasb://")) {
        ref.kind = ReferenceKind::azure_blob;
        return ref;
    }
    if (starts_with_ci(text, "abfss://") || starts_with_ci(text, "abfs://")) {
        ref.kind = ReferenceKind::azure_data_lake;
        return ref;
    }
    if (text.starts_with("runs:/")) {
        ref.kind = ReferenceKind::mlflow_run;
        return ref;
    }
    const bool prefixed = starts_with_ci(text, k_azureml);
    const std::string_view body = prefixed ? text.substr(k_azureml.size()) : text;
    if (role == ReferenceRole::compute) {
        ref.kind = ReferenceKind::compute;
        ref.name = std::string(body);
        if (!is_valid_name(ref.name)) {
            return usage_error("invalid compute name '{}'", ref.text);
        }
        return ref;
    }
    if (role == ReferenceRole::asset || prefixed) {
        return parse_asset(body, std::move(ref));
    }
    if (starts_with_ci(text, "http://") || starts_with_ci(text, "https://")) {
        ref.kind = ReferenceKind::url;
        ref.url = std::string(text);
        if (text.find("://") + 3 >= text.size()) {
            return usage_error("invalid URL '{}'", ref.text);
        }
        return ref;
    }
    if (starts_with_ci(text, "file:")) {
        std::string_view path = text.substr(5);
        if (path.starts_with("//")) {
            path.remove_prefix(2);  // file:///abs or file://localhost/abs
            if (path.starts_with("localhost/")) {
                path.remove_prefix(9);
            } else if (!path.starts_with("/")) {
                return usage_error("invalid file URI '{}': only local files", ref.text);
            }
        }
        if (path.empty()) {
            return usage_error("invalid file URI '{}': no path", ref.text);
        }
        ref.kind = ReferenceKind::local_path;
        ref.path = std::string(path);
        return ref;
    }
    if (const std::size_t scheme = text.find("://"); scheme != std::string_view::npos) {
        return usage_error("unsupported URI scheme in '{}'", ref.text);
    }
    ref.kind = ReferenceKind::local_path;
    ref.path = std::string(text);
    return ref;
}

Result<Reference> parse_environment_pattern(std::string_view text) {
    const std::string_view registries = "azureml://registries/";
    if (starts_with_ci(text, registries)) {
        Reference ref;
        ref.text = std::string(text);
        TRY_ASSIGN(ref, parse_registry(text.substr(registries.size()), std::move(ref), true));
        if (ref.kind != ReferenceKind::asset) {
            return usage_error("'{}' is not an environment of a registry",
                               util::escape_control(ref.text));
        }
        return ref;
    }
    const std::string_view body = starts_with_ci(text, k_azureml) ? text.substr(8) : text;
    if (body.find_first_of(":@") != std::string_view::npos) {
        return parse_reference(text, ReferenceRole::asset);
    }
    if (!is_valid_name(body)) {
        return usage_error(
            "'{}' is not an environment (NAME, NAME:VERSION, NAME@latest or "
            "azureml://registries/REG/environments/NAME/...)",
            util::escape_control(text));
    }
    Reference ref;
    ref.text = std::string(text);
    ref.kind = ReferenceKind::asset;
    ref.name = std::string(body);
    return ref;
}

}  // namespace ferry::spec

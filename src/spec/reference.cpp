#include "ferry/spec/reference.hpp"

#include <cctype>

#include "ferry/store/assets.hpp"
#include "ferry/util/escape.hpp"

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
            return true;
        default:
            return false;
    }
}

std::string Reference::canonical() const {
    switch (kind) {
        case ReferenceKind::asset:
            return latest ? name + "@latest" : name + ":" + version;
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
    if (kind == ReferenceKind::asset || kind == ReferenceKind::compute) {
        return "azureml:" + canonical();
    }
    return canonical();
}

std::string unsupported_reason(ReferenceKind kind) {
    switch (kind) {
        case ReferenceKind::azure_datastore:
            return "Azure datastore paths; use a local path or an http(s) URL";
        case ReferenceKind::azure_job_output:
            return "outputs of Azure jobs; use a local path or a registered data asset";
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
        ref.kind = rest.starts_with("datastores/") ? ReferenceKind::azure_datastore
                   : rest.starts_with("jobs/")     ? ReferenceKind::azure_job_output
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

}  // namespace ferry::spec

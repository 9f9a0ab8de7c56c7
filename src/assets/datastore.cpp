#include "ferry/assets/datastore.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "ferry/util/escape.hpp"

namespace ferry::assets {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::array<std::string_view, 2> k_builtin = {"workspaceblobstore", "workspacefilestore"};
constexpr std::string_view k_storage_suffix = ".core.windows.net";

std::string lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == prefix;
}

Datastore builtin(const store::Workspace& workspace, std::string_view name) {
    return Datastore{.name = std::string(name),
                     .path = workspace.root() / "datastores" / name,
                     .description = name == k_default_datastore
                                        ? "the workspace's default datastore, a folder of it"
                                        : "a folder of the workspace",
                     .builtin = true};
}

bool is_builtin(std::string_view name) {
    return std::ranges::find(k_builtin, name) != k_builtin.end();
}

Datastore read_datastore(const store::Statement& row) {
    Datastore datastore{.name = row.text(0),
                        .path = row.text(1),
                        .description = row.text(3),
                        .created_at = row.text(4)};
    const Json claims = Json::parse(row.text(2), nullptr, false);
    if (claims.is_array()) {
        for (const auto& claim : claims) {
            if (claim.is_string()) {
                datastore.claims.push_back(claim.get<std::string>());
            }
        }
    }
    return datastore;
}

constexpr std::string_view k_select =
    "SELECT name, path, claims, description, created_at FROM datastores";

// scheme://authority/path with the scheme and authority in lower case and wasb, abfs named
// as their TLS forms; the path as it is.
Result<std::string> normal_url(std::string_view url) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return usage_error("'{}' is not a URL", util::escape_control(url));
    }
    std::string scheme = lower(url.substr(0, scheme_end));
    if (scheme == "wasb") {
        scheme = "wasbs";
    } else if (scheme == "abfs") {
        scheme = "abfss";
    }
    if (scheme != "wasbs" && scheme != "abfss" && scheme != "https" && scheme != "http") {
        return usage_error("'{}': a datastore stands for wasbs://, abfss:// or http(s):// URLs",
                           util::escape_control(url));
    }
    const std::string_view rest = url.substr(scheme_end + 3);
    const std::size_t slash = rest.find('/');
    const std::string authority = lower(rest.substr(0, slash));
    if (authority.empty()) {
        return usage_error("'{}' names no host", util::escape_control(url));
    }
    return scheme + "://" + authority +
           std::string(slash == std::string_view::npos ? "" : rest.substr(slash));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// A path inside a datastore: percent-decoded, without empty or "." segments; ".." and NUL are
// refused, so that nothing names a file outside the datastore.
Result<std::string> inside_path(std::string_view encoded, std::string_view reference) {
    std::string decoded;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == '%' && i + 2 < encoded.size()) {
            const int high = hex_value(encoded[i + 1]);
            const int low = hex_value(encoded[i + 2]);
            if (high >= 0 && low >= 0) {
                decoded.push_back(static_cast<char>(high * 16 + low));
                i += 2;
                continue;
            }
        }
        decoded.push_back(encoded[i]);
    }
    std::string out;
    std::size_t start = 0;
    while (start <= decoded.size()) {
        const std::size_t slash = std::min(decoded.find('/', start), decoded.size());
        const std::string_view part = std::string_view(decoded).substr(start, slash - start);
        if (part == ".." || part.find('\0') != std::string_view::npos) {
            return usage_error("'{}': a datastore path may not leave the datastore",
                               util::escape_control(reference));
        }
        if (!part.empty() && part != ".") {
            out += out.empty() ? "" : "/";
            out += part;
        }
        start = slash + 1;
    }
    return out;
}

// ACCOUNT and CONTAINER of an Azure storage URL, for the command that would claim it.
std::pair<std::string, std::string> account_of(std::string_view url) {
    const std::size_t scheme_end = url.find("://");
    const std::string_view rest = url.substr(scheme_end + 3);
    const std::string_view authority = rest.substr(0, rest.find('/'));
    const std::size_t dot = authority.find('.');
    if (const std::size_t at = authority.find('@'); at != std::string_view::npos) {
        const std::string_view host = authority.substr(at + 1);
        return {std::string(host.substr(0, host.find('.'))), std::string(authority.substr(0, at))};
    }
    const std::string_view path =
        rest.size() > authority.size() ? rest.substr(authority.size() + 1) : std::string_view();
    return {std::string(authority.substr(0, dot)), std::string(path.substr(0, path.find('/')))};
}

Result<Located> in_datastore(const Datastore& datastore, std::string_view encoded,
                             std::string_view reference) {
    TRY_ASSIGN(auto path, inside_path(encoded, reference));
    fs::path local = datastore.path;
    if (!path.empty()) {
        local /= path;
    }
    return Located{.datastore = datastore.name, .path = std::move(path), .local = std::move(local)};
}

// azureml://datastores/NAME/paths/P, also in its long form
// azureml://subscriptions/S/resourcegroups/R/workspaces/W/datastores/NAME/paths/P.
Result<Located> datastore_path(store::Workspace& workspace, std::string_view text) {
    const std::string lowered = lower(text);
    const std::size_t at = lowered.starts_with("azureml://datastores/")
                               ? std::string_view("azureml://").size()
                               : lowered.find("/datastores/") + 1;
    const std::string_view rest = text.substr(at + 11);
    const std::size_t slash = rest.find('/');
    const std::string name(rest.substr(0, slash));
    std::string_view path;
    if (slash != std::string_view::npos) {
        const std::string_view after = rest.substr(slash + 1);
        if (!starts_with_ci(after, "paths/") && !after.empty()) {
            return usage_error("'{}': expected azureml://datastores/NAME/paths/PATH",
                               util::escape_control(text));
        }
        path = after.empty() ? after : after.substr(6);
    }
    TRY_ASSIGN(const auto datastore, find_datastore(workspace, name));
    if (!datastore) {
        return usage_error(
            "'{}': no datastore '{}' in workspace '{}'; create it: 'ferry "
            "datastore create --name {} --path DIR'",
            util::escape_control(text), util::escape_control(name), workspace.name(),
            util::escape_control(name));
    }
    return in_datastore(*datastore, path, text);
}

}  // namespace

std::span<const std::string_view> builtin_datastores() {
    return k_builtin;
}

Result<std::vector<std::string>> datastore_names(store::Database& db) {
    return db.query_all("SELECT name FROM datastores ORDER BY name", store::first_text);
}

Result<std::string> claim_of(std::string_view url) {
    TRY_ASSIGN(auto normal, normal_url(url));
    if (!normal.ends_with('/')) {
        normal += '/';
    }
    return normal;
}

Result<std::vector<std::string>> account_claims(std::string_view account,
                                                std::string_view container) {
    const auto plain = [](std::string_view word) {
        return !word.empty() && std::ranges::all_of(word, [](unsigned char c) {
            return std::isalnum(c) != 0 || c == '-';
        });
    };
    if (!plain(account) || !plain(container)) {
        return usage_error("an account and a container are letters, digits and '-' ('{}', '{}')",
                           util::escape_control(account), util::escape_control(container));
    }
    const std::string a = lower(account);
    const std::string c = lower(container);
    return std::vector<std::string>{fmt::format("wasbs://{}@{}.blob{}/", c, a, k_storage_suffix),
                                    fmt::format("abfss://{}@{}.dfs{}/", c, a, k_storage_suffix),
                                    fmt::format("https://{}.blob{}/{}/", a, k_storage_suffix, c),
                                    fmt::format("https://{}.dfs{}/{}/", a, k_storage_suffix, c)};
}

Result<Datastore> create_datastore(store::Workspace& workspace, Datastore datastore,
                                   std::string_view now) {
    if (!spec::is_valid_name(datastore.name)) {
        return usage_error("invalid datastore name '{}'", util::escape_control(datastore.name));
    }
    if (is_builtin(datastore.name)) {
        return usage_error("datastore '{}' is built in (a folder of the workspace)",
                           datastore.name);
    }
    std::error_code ec;
    if (!fs::is_directory(datastore.path, ec)) {
        return usage_error("datastore '{}': {} is not a directory", datastore.name,
                           datastore.path.string());
    }
    for (auto& claim : datastore.claims) {
        TRY_ASSIGN(claim, claim_of(claim));
    }
    std::ranges::sort(datastore.claims);
    const auto [end, last] = std::ranges::unique(datastore.claims);
    datastore.claims.erase(end, last);
    datastore.created_at = std::string(now);
    auto& db = workspace.db();
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(const auto existing, db.query_all(k_select, read_datastore));
        for (const auto& other : existing) {
            if (other.name == datastore.name) {
                return usage_error("datastore '{}' already exists in workspace '{}'",
                                   datastore.name, workspace.name());
            }
            for (const auto& claim : datastore.claims) {
                if (std::ranges::find(other.claims, claim) != other.claims.end()) {
                    return usage_error("{} is claimed by datastore '{}' already", claim,
                                       other.name);
                }
            }
        }
        return db.execute(
            "INSERT INTO datastores (name, path, claims, description, created_at) VALUES (?1, "
            "?2, ?3, ?4, ?5)",
            datastore.name, datastore.path.string(), Json(datastore.claims).dump(),
            datastore.description, datastore.created_at);
    }));
    return datastore;
}

Result<std::optional<Datastore>> find_datastore(store::Workspace& workspace,
                                                std::string_view name) {
    if (is_builtin(name)) {
        return std::optional(builtin(workspace, name));
    }
    return workspace.db().query_one(std::string(k_select) + " WHERE name = ?1", read_datastore,
                                    name);
}

Result<std::vector<Datastore>> list_datastores(store::Workspace& workspace) {
    std::vector<Datastore> all;
    for (const auto name : k_builtin) {
        all.push_back(builtin(workspace, name));
    }
    TRY_ASSIGN(auto created,
               workspace.db().query_all(std::string(k_select) + " ORDER BY name", read_datastore));
    std::ranges::move(created, std::back_inserter(all));
    return all;
}

Result<bool> delete_datastore(store::Workspace& workspace, std::string_view name) {
    if (is_builtin(name)) {
        return fail("datastore '{}' is built in (a folder of the workspace) and cannot be deleted",
                    name);
    }
    TRY_ASSIGN(const auto found, find_datastore(workspace, name));
    if (!found) {
        return false;
    }
    TRY(workspace.db().execute("DELETE FROM datastores WHERE name = ?1", name));
    return true;
}

Result<std::optional<Located>> locate(store::Workspace& workspace, const spec::Reference& reference,
                                      Unclaimed unclaimed) {
    using Kind = spec::ReferenceKind;
    const std::string& text = reference.text;
    if (reference.kind == Kind::azure_datastore) {
        TRY_ASSIGN(auto located, datastore_path(workspace, text));
        return std::optional(std::move(located));
    }
    if (reference.kind != Kind::azure_blob && reference.kind != Kind::azure_data_lake &&
        reference.kind != Kind::url) {
        return std::optional<Located>{};
    }
    TRY_ASSIGN(const auto url, normal_url(text.substr(0, text.find_first_of("?#"))));
    TRY_ASSIGN(const auto datastores, list_datastores(workspace));
    const Datastore* best = nullptr;
    std::size_t best_size = 0;
    const std::string probe = url.ends_with('/') ? url : url + "/";
    for (const auto& datastore : datastores) {
        for (const auto& claim : datastore.claims) {
            if (probe.starts_with(claim) && claim.size() > best_size) {
                best = &datastore;
                best_size = claim.size();
            }
        }
    }
    if (best != nullptr) {
        const std::string_view rest = std::string_view(url).substr(std::min(best_size, url.size()));
        TRY_ASSIGN(auto located, in_datastore(*best, rest, text));
        return std::optional(std::move(located));
    }
    const std::size_t host = url.find("://") + 3;
    const std::string authority = url.substr(host, url.find('/', host) - host);
    const bool azure = reference.kind != Kind::url ||
                       (unclaimed == Unclaimed::refuse && authority.ends_with(k_storage_suffix));
    if (!azure) {
        return std::optional<Located>{};
    }
    const auto [account, container] = account_of(url);
    return usage_error(
        "no datastore claims '{}'; make one stand for it: 'ferry datastore create "
        "--name NAME --path DIR --account {} --container {}'",
        util::escape_control(text), account, container.empty() ? "CONTAINER" : container);
}

}  // namespace ferry::assets

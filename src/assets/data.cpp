#include "ferry/assets/data.hpp"

#include <unistd.h>

#include "ferry/assets/datastore.hpp"
#include "ferry/assets/fetch.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::assets {

namespace {

constexpr auto k_kind = store::AssetKind::data;

DatasetRecord from_asset(store::AssetRecord asset) {
    DatasetRecord record;
    record.name = std::move(asset.name);
    record.version = std::move(asset.version);
    record.description = std::move(asset.description);
    record.tags = std::move(asset.tags);
    record.properties = std::move(asset.properties);
    record.archived = asset.archived;
    record.created_at = std::move(asset.created_at);
    const Json& body = asset.body;
    if (body.is_object()) {
        record.type = body.value("type", std::string("uri_folder"));
        record.paths = body.value("paths", std::vector<std::string>{});
        record.remote = body.value("remote", false);
        record.content = body.value("content", std::string());
        record.files = body.value("files", std::uint64_t{0});
        record.bytes = body.value("bytes", std::uint64_t{0});
        record.lineage = body.value("lineage", Json());
    }
    return record;
}

Result<DatasetRecord> insert(store::Workspace& workspace, DatasetRecord record,
                             std::string_view now) {
    store::AssetRecord asset;
    asset.kind = k_kind;
    asset.name = record.name;
    asset.version = record.version;
    asset.description = record.description;
    asset.tags = record.tags;
    asset.properties = record.properties;
    asset.body = {{"type", record.type},       {"paths", record.paths}, {"remote", record.remote},
                  {"content", record.content}, {"files", record.files}, {"bytes", record.bytes},
                  {"lineage", record.lineage}};
    TRY_ASSIGN(auto created, store::create_asset(workspace.db(), std::move(asset), now));
    return from_asset(std::move(created));
}

Result<Json> read_pin(store::Database& db, const DatasetRecord& record) {
    TRY_ASSIGN(auto pin,
               db.query_one("SELECT pin FROM asset_pins WHERE kind = ?1 AND name = ?2 AND "
                            "version = ?3",
                            store::first_text, store::asset_kind_name(k_kind), record.name,
                            record.version));
    return pin ? Json::parse(*pin, nullptr, false) : Json();
}

// A first fetch keeps a pin another process wrote meanwhile; --refresh replaces it.
Result<void> write_pin(store::Database& db, const DatasetRecord& record, const Json& pin,
                       std::string_view now, bool replace) {
    return db.execute(
        "INSERT INTO asset_pins(kind, name, version, pin, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET pin = excluded.pin, "
        "updated_at = excluded.updated_at WHERE ?6",
        store::asset_kind_name(k_kind), record.name, record.version, pin.dump(), now, replace);
}

Json state_json(const UrlState& state) {
    return {{"size", state.size}, {"etag", state.etag}, {"last_modified", state.last_modified}};
}

// Fetches every URL into the store, as one manifest, and pins what was fetched.
Result<Content> fetch_all(store::Workspace& workspace, const DatasetRecord& record,
                          std::string_view now, bool replace) {
    std::vector<snapshot::ManifestEntry> entries;
    Json urls = Json::array();
    for (const auto& url : record.paths) {
        const fs::path temporary =
            workspace.root() / fmt::format("fetch-{}-{}.tmp", ::getpid(), entries.size());
        auto state = fetch_url(url, temporary);
        auto blob = state ? workspace.put_blob_file(temporary, now)
                          : Result<store::StoredBlob>(std::unexpected(state.error()));
        std::ignore = util::remove_all(temporary);
        if (!blob) {
            return std::unexpected(
                with_context(blob.error(), fmt::format("dataset '{}'", record.label())));
        }
        snapshot::ManifestEntry entry;
        entry.mode = "100644";
        entry.size = blob->size;
        entry.sha256 = blob->sha256;
        entry.path = url_file_name(url);
        if (std::ranges::any_of(entries, [&](const auto& e) { return e.path == entry.path; })) {
            return fail("dataset '{}': two URLs end in the same name '{}'", record.label(),
                        entry.path);
        }
        entries.push_back(entry);
        Json fetched = state_json(*state);
        fetched["url"] = url;
        fetched["bytes"] = blob->size;
        fetched["sha256"] = blob->sha256;
        fetched["fetched_at"] = now;
        urls.push_back(std::move(fetched));
    }
    TRY_ASSIGN(auto content, store_manifest(workspace, std::move(entries), now));
    Json pin = {{"content", content.id},
                {"files", content.files},
                {"bytes", content.bytes},
                {"urls", std::move(urls)}};
    TRY(write_pin(workspace.db(), record, pin, now, replace));
    auto kept = read_pin(workspace.db(), record);  // the pin that stands, maybe another's
    if (kept && kept->is_object() && kept->value("content", std::string()) != content.id) {
        return Content{kept->value("content", std::string()),
                       kept->value("files", std::uint64_t{0}),
                       kept->value("bytes", std::uint64_t{0}),
                       {}};
    }
    return content;
}

// The spec's paths into the record, as written; the local ones (a datastore path, or a storage
// URL a datastore claims, is the files it is here) also into `local`.
Result<void> sort_paths(store::Workspace& workspace, const spec::DataSpec& spec,
                        std::string_view file, DatasetRecord& record,
                        std::vector<fs::path>& local) {
    for (const auto& given : spec.paths) {
        auto located = locate(workspace, given, Unclaimed::keep);
        if (!located) {
            return usage_error("{}: path '{}': {}", file, given.text, located.error().message);
        }
        spec::Reference path = given;
        if (*located) {
            path.kind = spec::ReferenceKind::local_path;
            path.path = (*located)->local;
        }
        if (path.kind == spec::ReferenceKind::url) {
            record.paths.push_back(path.url);
        } else if (path.kind == spec::ReferenceKind::local_path) {
            record.paths.push_back(path.path.string());
            local.push_back(path.path);
        } else {
            return usage_error("{}: path '{}': {} are not supported", file, path.text,
                               spec::unsupported_reason(path.kind));
        }
    }
    return {};
}

}  // namespace

std::string url_file_name(const std::string& url) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    const auto scheme = path.find("://");
    path = scheme == std::string::npos ? path : path.substr(scheme + 3);
    const auto slash = path.find('/');
    path = slash == std::string::npos ? "" : path.substr(slash);
    while (path.ends_with('/')) {
        path.pop_back();
    }
    std::string name = path.substr(path.rfind('/') + 1);
    return name.empty() || name == "." || name == ".." ? "data" : name;
}

Result<DatasetRecord> create_dataset(store::Workspace& workspace, const spec::DataSpec& spec,
                                     std::string_view file, std::string_view now,
                                     const snapshot::StoreProgress& progress) {
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    DatasetRecord record;
    record.name = spec.name;
    record.version = spec.version;
    record.description = spec.description;
    record.tags = spec.tags;
    record.properties = spec.properties;
    record.type = spec.type;
    TRY(store::check_new_version(workspace.db(), k_kind, record.name, record.version));
    std::vector<fs::path> local;
    TRY(sort_paths(workspace, spec, file, record, local));
    const std::size_t urls = record.paths.size() - local.size();
    if (urls > 0 && !local.empty()) {
        return usage_error("{}: a dataset's paths are all local or all URLs, not both", file);
    }
    if (urls > 0) {
        record.remote = true;
        std::vector<std::string> names;
        for (const auto& url : record.paths) {
            const std::string name = url_file_name(url);
            if (std::ranges::find(names, name) != names.end()) {
                return usage_error(
                    "{}: two URLs end in the same name '{}'; a dataset holds each "
                    "under its name",
                    file, name);
            }
            names.push_back(name);
        }
        if (record.type == "uri_file" && urls > 1) {
            return usage_error("{}: a uri_file dataset has one path", file);
        }
        return insert(workspace, std::move(record), now);
    }
    for (const auto& path : local) {
        std::error_code ec;
        const bool folder = fs::is_directory(path, ec);
        if (!fs::exists(path, ec)) {
            return usage_error("{}: {} does not exist", file, path.string());
        }
        if (record.type == "uri_file" && folder) {
            return usage_error("{}: {} is a folder, but the dataset's type is uri_file", file,
                               path.string());
        }
        if (record.type == "uri_folder" && !folder && local.size() == 1) {
            return usage_error(
                "{}: {} is a file, but the dataset's type is uri_folder (use --type uri_file)",
                file, path.string());
        }
    }
    if (record.type == "uri_file" && local.size() > 1) {
        return usage_error("{}: a uri_file dataset has one path", file);
    }
    TRY_ASSIGN(auto content, store_paths(workspace, local, file, now, progress));
    record.content = content.id;
    record.files = content.files;
    record.bytes = content.bytes;
    auto created = insert(workspace, std::move(record), now);
    if (created) {
        created->warnings = std::move(content.warnings);
    }
    return created;
}

Result<DatasetRecord> register_content(store::Workspace& workspace, DatasetRecord record,
                                       std::string_view now) {
    return insert(workspace, std::move(record), now);
}

Result<std::optional<DatasetRecord>> find_dataset(store::Database& db, std::string_view name,
                                                  std::string_view version) {
    TRY_ASSIGN(auto found, store::find_asset(db, k_kind, name, version));
    if (!found) {
        return std::optional<DatasetRecord>{};
    }
    return std::optional<DatasetRecord>{from_asset(std::move(*found))};
}

Result<std::vector<DatasetRecord>> list_datasets(store::Database& db, bool all_versions,
                                                 bool include_archived) {
    TRY_ASSIGN(auto assets, store::list_assets(db, k_kind, all_versions, include_archived));
    std::vector<DatasetRecord> records;
    for (auto& asset : assets) {
        records.push_back(from_asset(std::move(asset)));
    }
    return records;
}

Result<std::int64_t> set_dataset_archived(store::Database& db, std::string_view name,
                                          std::string_view version, bool archived) {
    return store::set_asset_archived(db, k_kind, name, version, archived);
}

Result<Json> dataset_pin(store::Database& db, const DatasetRecord& record) {
    return read_pin(db, record);
}

Result<Content> dataset_content(store::Workspace& workspace, const DatasetRecord& record,
                                bool refresh, std::string_view now) {
    if (!record.remote) {
        return Content{record.content, record.files, record.bytes, {}};
    }
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    TRY_ASSIGN(auto pin, read_pin(workspace.db(), record));
    if (!pin.is_object() || refresh) {
        return fetch_all(workspace, record, now, refresh);
    }
    // Fetched before: the URLs must still serve what was fetched. The server's validators
    // say so where both answers have them; else (or when HEAD is refused) a GET and its hash.
    for (const auto& fetched : (pin)["urls"]) {
        const std::string url = fetched.value("url", std::string());
        const std::int64_t pinned_size = fetched.value("bytes", std::int64_t{-1});
        const UrlState was{pinned_size, fetched.value("etag", std::string()),
                           fetched.value("last_modified", std::string())};
        auto state = probe_url(url);
        std::string how;
        bool compared = false;
        if (state) {
            if (state->size >= 0 && was.size >= 0) {
                compared = true;
                if (state->size != was.size) {
                    how = fmt::format("size {}, now {}", was.size, state->size);
                }
            }
            if (how.empty() && !state->etag.empty() && !was.etag.empty()) {
                compared = true;
                if (state->etag != was.etag) {
                    how = fmt::format("ETag {}, now {}", was.etag, state->etag);
                }
            }
            if (how.empty() && !state->last_modified.empty() && !was.last_modified.empty()) {
                compared = true;
                if (state->last_modified != was.last_modified) {
                    how = fmt::format("Last-Modified {}, now {}", was.last_modified,
                                      state->last_modified);
                }
            }
        }
        if (!compared) {
            const fs::path temporary =
                workspace.root() / fmt::format("check-{}.tmp", static_cast<long>(::getpid()));
            auto got = fetch_url(url, temporary);
            auto blob = got ? workspace.put_blob_file(temporary, now)
                            : Result<store::StoredBlob>(std::unexpected(got.error()));
            std::ignore = util::remove_all(temporary);
            if (!blob) {
                return std::unexpected(
                    with_context(blob.error(), fmt::format("dataset '{}'", record.label())));
            }
            if (blob->sha256 != fetched.value("sha256", std::string())) {
                how = fmt::format("sha256 {}, now {}",
                                  fetched.value("sha256", std::string()).substr(0, 12),
                                  blob->sha256.substr(0, 12));
            }
        }
        if (!how.empty()) {
            return fail(
                "dataset '{}': {} changed since it was first fetched ({}); 'ferry dataset "
                "download {} -p DIR --refresh' fetches it again",
                record.label(), url, how, record.label());
        }
    }
    return Content{(pin).value("content", std::string()),
                   (pin).value("files", std::uint64_t{0}),
                   (pin).value("bytes", std::uint64_t{0}),
                   {}};
}

}  // namespace ferry::assets

#include "ferry/maintain/holders.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>
#include "ferry/util/fs.hpp"

namespace ferry::maintain {

namespace {

using Json = nlohmann::json;

fs::path named(const fs::path& path) {
    return path.has_filename() ? path : path.parent_path();  // "x/" names x
}

Result<void> add_runs(store::Database& db, std::vector<Holder>& holders) {
    TRY_ASSIGN(
        auto rows,
        db.query_all("SELECT name, coalesce(snapshot, ''), coalesce(artifacts, ''), spec "
                     "FROM runs ORDER BY seq",
                     [](const store::Statement& row) {
                         return std::array{row.text(0), row.text(1), row.text(2), row.text(3)};
                     }));
    for (const auto& [name, snapshot, artifacts, spec_text] : rows) {
        if (!snapshot.empty()) {
            Holder holder{
                fmt::format("run {} (snapshot)", name), snapshot, {}, snapshot::FileModes::git};
            const Json spec = Json::parse(spec_text, nullptr, false);
            if (spec.is_object() && spec.contains("code") && spec["code"].is_string()) {
                const fs::path code = spec["code"].get<std::string>();
                if (code.is_absolute()) {
                    holder.sources.push_back(code);
                }
            }
            holders.push_back(std::move(holder));
        }
        if (!artifacts.empty()) {
            holders.push_back({fmt::format("run {} (artifacts)", name),
                               artifacts,
                               {},
                               snapshot::FileModes::permissions});
        }
    }
    return {};
}

// A pipeline's steps' code, stored at its submit and named only by its plan until each
// step's run is recorded (or for ever, for a step that never ran).
Result<void> add_pipeline_steps(store::Database& db, std::vector<Holder>& holders) {
    TRY_ASSIGN(
        auto rows,
        db.query_all("SELECT r.name, s.value ->> '$.step', s.value ->> '$.snapshot', "
                     "coalesce(s.value ->> '$.job.code', s.value ->> '$.job.trial.code', "
                     "'') FROM runs AS r, json_each(r.plan, '$.pipeline.steps') AS s "
                     "WHERE r.runtime = 'pipeline' AND s.value ->> '$.snapshot' <> '' "
                     "ORDER BY r.seq",
                     [](const store::Statement& row) {
                         return std::array{row.text(0), row.text(1), row.text(2), row.text(3)};
                     }));
    for (const auto& [name, step, snapshot, code] : rows) {
        Holder holder{fmt::format("pipeline {} step {} (snapshot)", name, step),
                      snapshot,
                      {},
                      snapshot::FileModes::git};
        if (!code.empty() && fs::path(code).is_absolute()) {
            holder.sources.emplace_back(code);
        }
        holders.push_back(std::move(holder));
    }
    return {};
}

// A local path of an asset's body: URLs are no source.
void add_local(const Json& path, std::vector<fs::path>& sources) {
    if (path.is_string()) {
        const std::string text = path.get<std::string>();
        if (!text.empty() && text.find("://") == std::string::npos) {
            sources.push_back(named(text));
        }
    }
}

Holder asset_holder(const std::string& kind, const std::string& label, const Json& body) {
    Holder holder{fmt::format("{} {}", kind, label), {}, {}, snapshot::FileModes::permissions};
    if (!body.is_object()) {
        return holder;
    }
    holder.manifest = body.value("content", std::string());
    if (kind == "component") {
        // Its code as a snapshot, read from the spec's code directory.
        holder.manifest = body.value("snapshot", std::string());
        holder.modes = snapshot::FileModes::git;
        const Json spec = body.value("spec", Json::object());
        if (spec.is_object() && spec.contains("code")) {
            add_local(spec["code"], holder.sources);
        }
    } else if (kind == "environment") {
        const Json definition = body.value("definition", Json::object());
        const Json build = definition.is_object() ? definition.value("build", Json()) : Json();
        holder.manifest = build.is_object() ? build.value("context", std::string()) : "";
        holder.modes = snapshot::FileModes::git;
    } else if (kind == "dataset" && body.contains("paths") && body["paths"].is_array()) {
        for (const auto& path : body["paths"]) {
            add_local(path, holder.sources);
        }
    } else if (body.contains("path")) {
        add_local(body["path"], holder.sources);
    }
    return holder;
}

Result<void> add_assets(store::Database& db, std::vector<Holder>& holders) {
    const auto row_of = [](const store::Statement& row) {
        return std::array{row.text(0), row.text(1), row.text(2), row.text(3)};
    };
    TRY_ASSIGN(auto assets, db.query_all("SELECT kind, name, version, body FROM assets "
                                         "ORDER BY kind, name, version",
                                         row_of));
    for (const auto& [kind, name, version, body] : assets) {
        auto holder = asset_holder(kind == "data" ? "dataset" : kind, name + ":" + version,
                                   Json::parse(body, nullptr, false));
        if (!holder.manifest.empty()) {
            holders.push_back(std::move(holder));
        }
    }
    TRY_ASSIGN(auto pins, db.query_all("SELECT kind, name, version, pin FROM asset_pins "
                                       "ORDER BY kind, name, version",
                                       row_of));
    for (const auto& [kind, name, version, text] : pins) {
        const Json pin = Json::parse(text, nullptr, false);
        const std::string content = pin.is_object() ? pin.value("content", std::string()) : "";
        if (!content.empty()) {
            holders.push_back({fmt::format("dataset {}:{} (fetched)", name, version),
                               content,
                               {},
                               snapshot::FileModes::permissions});
        }
    }
    return {};
}

}  // namespace

Result<std::vector<Holder>> list_holders(store::Database& db) {
    std::vector<Holder> holders;
    TRY(add_runs(db, holders));
    TRY(add_pipeline_steps(db, holders));
    TRY(add_assets(db, holders));
    return holders;
}

Result<std::vector<snapshot::ManifestEntry>> read_manifest(const store::BlobStore& blobs,
                                                           const Holder& holder) {
    const fs::path path = blobs.path_of(holder.manifest);
    if (path.empty()) {
        return fail("'{}' is not a blob's name", holder.manifest);
    }
    TRY_ASSIGN(auto text, util::read_file(path));
    return snapshot::parse_manifest(text, holder.modes);
}

std::vector<fs::path> source_candidates(const Holder& holder, std::string_view entry_path) {
    std::vector<fs::path> candidates;
    const std::string path(entry_path);
    for (const auto& source : holder.sources) {
        struct stat st {};
        if (::stat(source.c_str(), &st) != 0) {
            continue;
        }
        const std::string name = source.filename().string();
        if (S_ISDIR(st.st_mode)) {
            candidates.push_back(source / path);  // a folder's files at the top
            if (path.starts_with(name + "/")) {
                candidates.push_back(source.parent_path() / path);  // under the folder's name
            }
        } else if (S_ISREG(st.st_mode) && path == name) {
            candidates.push_back(source);
        }
    }
    return candidates;
}

Result<std::vector<std::string>> referenced_blobs(const store::BlobStore& blobs,
                                                  const std::vector<Holder>& holders) {
    std::vector<std::string> named;
    for (const auto& holder : holders) {
        named.push_back(holder.manifest);
        auto entries = read_manifest(blobs, holder);
        if (!entries) {
            return fail(
                "{} names manifest {}, which cannot be read ({}); what it names is unknown "
                "(run 'ferry workspace verify')",
                holder.label, holder.manifest, entries.error().message);
        }
        for (const auto& entry : *entries) {
            if (!entry.is_link()) {
                named.push_back(entry.sha256);
            }
        }
    }
    std::ranges::sort(named);
    named.erase(std::unique(named.begin(), named.end()), named.end());
    return named;
}

}  // namespace ferry::maintain

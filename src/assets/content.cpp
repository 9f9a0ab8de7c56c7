#include "ferry/assets/content.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <limits>

#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::assets {

namespace {

// One path stored as a snapshot: a folder's walk without ignore files, or a listing of the
// one file.
Result<Content> store_one(store::Workspace& workspace, const fs::path& path, std::string_view file,
                          std::string_view now, const snapshot::StoreProgress& progress) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return usage_error("{}: {}: {}", file, path.string(), util::errno_text(errno));
    }
    snapshot::Listing listing;
    if (S_ISDIR(st.st_mode)) {
        auto walked = snapshot::list_tree(path, snapshot::IgnoreFiles::none);
        if (!walked) {
            return std::unexpected(
                Error{ExitCode::usage, fmt::format("{}: {}", file, walked.error().message)});
        }
        listing = std::move(*walked);
    } else if (S_ISREG(st.st_mode)) {
        // One file (also through a link): one blob, under the name it was given by.
        if (::access(path.c_str(), R_OK) != 0) {
            return usage_error("{}: {}: {}", file, path.string(), util::errno_text(errno));
        }
        if (progress) {
            progress(0, static_cast<std::uint64_t>(st.st_size));
        }
        auto blob = workspace.put_blob_file(path, now);
        if (progress && blob) {
            progress(blob->size, blob->size);
        }
        if (!blob) {
            return std::unexpected(
                Error{ExitCode::usage, fmt::format("{}: {}", file, blob.error().message)});
        }
        snapshot::ManifestEntry entry;
        entry.mode = (st.st_mode & S_IXUSR) != 0 ? "100755" : "100644";
        entry.size = blob->size;
        entry.sha256 = blob->sha256;
        entry.path = path.filename().string();
        return store_manifest(workspace, {std::move(entry)}, now);
    } else {
        return usage_error("{}: {} is neither a file nor a folder", file, path.string());
    }
    if (listing.entries.empty()) {
        return usage_error("{}: {} has no files", file, path.string());
    }
    Content content;
    for (const auto& left : listing.left_out) {
        content.warnings.push_back(fmt::format("{}: {} left out ({}{})", path.string(), left.path,
                                               snapshot::reason_name(left.reason),
                                               left.detail.empty() ? "" : ": " + left.detail));
    }
    auto stored = snapshot::store_snapshot(
        workspace, listing, std::numeric_limits<std::uint64_t>::max(), now, progress);
    if (!stored) {
        // A file of the folder that cannot be read is the input's problem.
        return std::unexpected(
            Error{ExitCode::usage, fmt::format("{}: {}", file, stored.error().message)});
    }
    content.id = stored->id;
    content.files = stored->files;
    content.bytes = stored->bytes;
    return content;
}

}  // namespace

Result<std::vector<snapshot::ManifestEntry>> read_content(const store::BlobStore& blobs,
                                                          std::string_view id) {
    TRY_ASSIGN(auto text, util::read_file(blobs.path_of(id)));
    // A run's artifacts are read here too, with their files' own modes.
    auto entries = snapshot::parse_manifest(text, snapshot::FileModes::permissions);
    if (!entries) {
        return std::unexpected(with_context(entries.error(), fmt::format("content {}", id)));
    }
    return entries;
}

Result<Content> store_manifest(store::Workspace& workspace,
                               std::vector<snapshot::ManifestEntry> entries, std::string_view now) {
    std::ranges::sort(entries, {}, &snapshot::ManifestEntry::path);
    Content content;
    for (const auto& entry : entries) {
        content.files += 1;
        content.bytes += entry.size;
    }
    TRY_ASSIGN(auto blob, workspace.put_blob_bytes(snapshot::format_manifest(entries), now));
    content.id = blob.sha256;
    return content;
}

fs::path named_path(const fs::path& path) {
    return path.has_filename() ? path : path.parent_path();  // "x/" names x
}

Result<Content> store_paths(store::Workspace& workspace, const std::vector<fs::path>& given,
                            std::string_view file, std::string_view now,
                            const snapshot::StoreProgress& progress) {
    if (given.empty()) {
        return usage_error("{}: no path", file);
    }
    std::vector<fs::path> paths;
    for (const auto& path : given) {
        paths.push_back(named_path(path));
    }
    std::vector<Content> parts;
    for (const auto& path : paths) {
        TRY_ASSIGN(auto part, store_one(workspace, path, file, now, progress));
        parts.push_back(std::move(part));
    }
    struct stat st {};
    if (paths.size() == 1) {
        return std::move(parts.front());  // a folder's files at the top, or the one file
    }
    // Several: each under its base name (a file is already).
    std::vector<snapshot::ManifestEntry> entries;
    std::vector<std::string> names;
    Content combined;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const std::string name = paths[i].filename().string();
        if (std::ranges::find(names, name) != names.end()) {
            return usage_error("{}: two paths are named '{}'; a dataset holds each under its name",
                               file, name);
        }
        names.push_back(name);
        TRY_ASSIGN(auto listed, read_content(workspace.blobs(), parts[i].id));
        const bool folder = ::stat(paths[i].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        for (auto& entry : listed) {
            if (folder) {
                entry.path = name + "/" + entry.path;
            }
            entries.push_back(std::move(entry));
        }
        std::ranges::move(parts[i].warnings, std::back_inserter(combined.warnings));
    }
    TRY_ASSIGN(auto stored, store_manifest(workspace, std::move(entries), now));
    stored.warnings = std::move(combined.warnings);
    return stored;
}

Result<Content> select_entries(store::Workspace& workspace, std::string_view id,
                               std::string_view prefix, std::string_view now, BaseName base_name) {
    std::string wanted(prefix);
    while (wanted.ends_with('/')) {
        wanted.pop_back();
    }
    while (wanted.starts_with("./")) {
        wanted.erase(0, 2);
    }
    TRY_ASSIGN(auto listed, read_content(workspace.blobs(), id));
    const auto slash = wanted.rfind('/');
    const std::size_t cut = base_name == BaseName::drop  ? wanted.size() + 1
                            : slash == std::string::npos ? 0
                                                         : slash + 1;
    std::vector<snapshot::ManifestEntry> entries;
    for (auto& entry : listed) {
        if (entry.path == wanted) {
            entry.path = entry.path.substr(slash == std::string::npos ? 0 : slash + 1);
            entries.push_back(std::move(entry));  // a file: under its own name either way
        } else if (entry.path.starts_with(wanted + "/")) {
            entry.path = entry.path.substr(cut);
            entries.push_back(std::move(entry));
        }
    }
    for (auto& entry : entries) {  // a dataset or model holds git's two modes
        if (!entry.is_link()) {
            entry.mode = (entry.permissions() & 0111U) != 0 ? "100755" : "100644";
        }
    }
    if (entries.empty()) {
        return fail("no file at {}", wanted);
    }
    return store_manifest(workspace, std::move(entries), now);
}

}  // namespace ferry::assets

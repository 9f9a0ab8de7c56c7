#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/store/database.hpp"
#include "ferry/store/workspace.hpp"

// What `workspace verify` and `workspace gc` share: the records that name blobs.
namespace ferry::maintain {

namespace fs = std::filesystem;

// A record that names a manifest blob, whose entries name the file blobs: a run's snapshot or
// artifacts, a dataset's or model's content, an environment's build context, a component's
// code, a URL dataset's fetched content.
struct Holder {
    std::string label;  // "run NAME (snapshot)", "dataset NAME:VERSION", "component NAME:VERSION"
    std::string manifest;           // sha256 of the manifest blob
    std::vector<fs::path> sources;  // where its files were read from, where still known
    // Snapshots and build contexts have git's modes; artifacts, and the datasets and models
    // made of them, their permission bits.
    snapshot::FileModes modes = snapshot::FileModes::permissions;
};

// Every holder of the workspace, runs first.
[[nodiscard]] Result<std::vector<Holder>> list_holders(store::Database& db);

// Reads and parses a manifest blob; fails when it is missing or does not parse.
[[nodiscard]] Result<std::vector<snapshot::ManifestEntry>> read_manifest(
    const store::BlobStore& blobs, const Holder& holder);

// The files of the holder's sources that would hold the entry at `entry_path`.
[[nodiscard]] std::vector<fs::path> source_candidates(const Holder& holder,
                                                      std::string_view entry_path);

// Every blob the holders name (manifests and their entries); fails naming the holder whose
// manifest cannot be read, since what it names is then unknown.
[[nodiscard]] Result<std::vector<std::string>> referenced_blobs(const store::BlobStore& blobs,
                                                                const std::vector<Holder>& holders);

}  // namespace ferry::maintain

#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/snapshot/manifest.hpp"

// The links of one download, resolved as the kernel will resolve them once written: through
// the download's own links and the links already in the directory, never above it.
namespace ferry::run {

class DownloadLinks {
public:
    using Entries = std::vector<std::pair<snapshot::ManifestEntry, std::string>>;

    DownloadLinks(const fs::path& directory, const Entries& entries, LinkScope scope);

    // Refuses an entry below one of the download's links, and a link whose target leads
    // outside the directory or, with LinkScope::source, outside its artifact source.
    [[nodiscard]] Result<void> check(const snapshot::ManifestEntry& entry,
                                     const std::string& relative) const;

private:
    using Parts = std::vector<std::string>;
    [[nodiscard]] Result<Parts> resolve(Parts at, std::string_view target, int& hops) const;
    [[nodiscard]] std::optional<std::string> link_at(const std::string& relative) const;
    [[nodiscard]] std::string root_of(const snapshot::ManifestEntry& entry,
                                      const std::string& relative) const;

    fs::path m_directory;
    LinkScope m_scope;
    std::map<std::string, std::string> m_links;  // destination -> target
    std::map<std::string, bool> m_files;         // destinations of files
    mutable std::map<std::string, std::optional<std::string>> m_on_disk;
};

}  // namespace ferry::run

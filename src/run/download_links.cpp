#include "download_links.hpp"

#include <climits>

namespace ferry::run {

namespace {

constexpr int k_max_hops = 40;  // the kernel's limit on links in one lookup

std::string joined(const std::vector<std::string>& parts) {
    std::string path;
    for (const auto& part : parts) {
        path += (path.empty() ? "" : "/") + part;
    }
    return path;
}

std::vector<std::string> parts_of(std::string_view path) {
    std::vector<std::string> parts;
    for (std::size_t start = 0; start <= path.size();) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view part = path.substr(start, end - start);
        if (!part.empty() && part != ".") {
            parts.emplace_back(part);
        }
        start = end + 1;
    }
    return parts;
}

}  // namespace

DownloadLinks::DownloadLinks(const fs::path& directory, const Entries& entries, LinkScope scope)
    : m_directory(directory), m_scope(scope) {
    for (const auto& [entry, relative] : entries) {
        if (entry.is_link()) {
            m_links.emplace(relative, entry.target);
        } else {
            m_files.emplace(relative, true);
        }
    }
}

// The target of a link at `relative` once the download is written: the download's own, else
// one already there that the download leaves in place.
std::optional<std::string> DownloadLinks::link_at(const std::string& relative) const {
    if (const auto link = m_links.find(relative); link != m_links.end()) {
        return link->second;
    }
    if (m_files.contains(relative)) {
        return std::nullopt;
    }
    const auto [known, added] = m_on_disk.try_emplace(relative);
    if (added) {
        std::error_code ec;
        if (fs::is_symlink(fs::symlink_status(m_directory / relative, ec))) {
            known->second = fs::read_symlink(m_directory / relative, ec).string();
        }
    }
    return known->second;
}

// Where `target` leads from the directory `at` (parts below the download's directory).
Result<DownloadLinks::Parts> DownloadLinks::resolve(Parts at, std::string_view target,
                                                    int& hops) const {
    if (target.starts_with('/')) {
        return fail("it is absolute");
    }
    for (auto& part : parts_of(target)) {
        if (part == "..") {
            if (at.empty()) {
                return fail("it climbs above {}", m_directory.string());
            }
            at.pop_back();
            continue;
        }
        at.push_back(std::move(part));
        if (const auto link = link_at(joined(at))) {
            if (++hops > k_max_hops) {
                return fail("its links loop");
            }
            at.pop_back();
            TRY_ASSIGN(at, resolve(std::move(at), *link, hops));
        }
    }
    return at;
}

// The folder below the directory that a link must stay in: its artifact source's, as
// collection keeps it ("artifacts/outputs", "named-outputs/NAME"), or the directory itself.
std::string DownloadLinks::root_of(const snapshot::ManifestEntry& entry,
                                   const std::string& relative) const {
    if (m_scope == LinkScope::directory) {
        return "";
    }
    std::size_t end = entry.path.find('/');
    if (entry.path.starts_with("named-outputs/") && end != std::string::npos) {
        end = entry.path.find('/', end + 1);
    }
    if (end == std::string::npos) {
        return relative;  // the source itself: nothing leads inside it
    }
    const std::string_view tail = std::string_view(entry.path).substr(end);
    return relative.ends_with(tail) ? relative.substr(0, relative.size() - tail.size()) : "";
}

Result<void> DownloadLinks::check(const snapshot::ManifestEntry& entry,
                                  const std::string& relative) const {
    std::string below_link;
    snapshot::for_each_parent(relative, [&](std::string_view parent) {
        if (m_links.contains(std::string(parent))) {
            below_link = std::string(parent);
        }
        return below_link.empty();
    });
    if (!below_link.empty()) {
        return fail("refusing to write {}: {} is not a directory (a link or a file is in the way)",
                    (m_directory / relative).string(), (m_directory / below_link).string());
    }
    if (!entry.is_link()) {
        return {};
    }
    const std::string root = root_of(entry, relative);
    const fs::path bound = root.empty() ? m_directory : m_directory / root;
    int hops = 0;
    auto resolved =
        resolve(parts_of(fs::path(relative).parent_path().string()), entry.target, hops);
    const Parts inside = parts_of(root);
    if (resolved && (resolved->size() < inside.size() ||
                     !std::equal(inside.begin(), inside.end(), resolved->begin()))) {
        resolved = fail("it resolves to {}", (m_directory / joined(*resolved)).string());
    }
    if (!resolved) {
        return fail("refusing to write the link '{}' -> '{}': it leads outside {} ({})", relative,
                    entry.target, bound.string(), resolved.error().message);
    }
    return {};
}

}  // namespace ferry::run

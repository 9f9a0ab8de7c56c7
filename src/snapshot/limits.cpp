// What a listing is warned about, and the hard limit that refuses it.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ferry/snapshot/manifest.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/text.hpp"

namespace ferry::snapshot {

namespace {

// The paths left out for `reason`, each written as `shape` says ({0}: path, {1}: detail).
std::string paths_of(const Listing& listing, LeftOutReason reason, std::string_view shape) {
    std::string names;
    for (const auto& left : listing.left_out) {
        if (left.reason == reason) {
            names += names.empty() ? "" : ", ";
            names += fmt::format(fmt::runtime(shape), left.path, left.detail);
        }
    }
    return names;
}

}  // namespace

Result<std::uint64_t> resolve_limit(std::string_view flag,
                                    const std::optional<std::string>& variable) {
    const auto parse = [](std::string_view text, std::string_view source) -> Result<std::uint64_t> {
        auto size = util::parse_size(text);
        if (!size || *size == 0) {
            return usage_error("{}: '{}' is not a size (like 500m or 2g)", source, text);
        }
        return *size;
    };
    if (!flag.empty()) {
        return parse(flag, "--snapshot-limit");
    }
    if (variable && !variable->empty()) {
        return parse(*variable, "FERRY_SNAPSHOT_LIMIT");
    }
    return k_default_limit;
}

std::vector<std::string> listing_warnings(const Listing& listing) {
    std::vector<std::string> warnings = listing.warnings;
    if (auto names = paths_of(listing, LeftOutReason::ferry_data, "{0} ({1})"); !names.empty()) {
        warnings.push_back(
            fmt::format("left out {}: ferry's own data, which no snapshot takes", names));
    }
    if (auto names = paths_of(listing, LeftOutReason::credential, "{0}"); !names.empty()) {
        warnings.push_back(fmt::format(
            "left out what looks like credentials: {} (a '!' line for one in an ignore file "
            "brings it back)",
            names));
    }
    if (auto names = paths_of(listing, LeftOutReason::outside_link, "{0} -> {1}"); !names.empty()) {
        warnings.push_back(fmt::format("left out symbolic links that lead outside {}: {}",
                                       listing.root.string(), names));
    }
    if (auto names = paths_of(listing, LeftOutReason::special_file, "{0}"); !names.empty()) {
        warnings.push_back(
            fmt::format("left out what is not a file, link or directory: {}", names));
    }
    std::vector<std::string> over;
    if (listing.entries.size() > k_warn_files) {
        over.push_back(fmt::format("{} files (Azure ML's limit: {})",
                                   util::with_thousands(listing.entries.size()),
                                   util::with_thousands(k_warn_files)));
    }
    if (listing.bytes > k_warn_bytes) {
        over.push_back(fmt::format("{:.1f} MB (Azure ML's limit: 300 MB)",
                                   static_cast<double>(listing.bytes) / 1e6));
    }
    if (!over.empty()) {
        warnings.push_back(
            fmt::format("the snapshot holds {}; a .ferryignore keeps data and "
                        "build output out",
                        fmt::join(over, " and ")));
    }
    return warnings;
}

Result<void> check_limit(const Listing& listing, std::uint64_t limit) {
    if (listing.bytes <= limit) {
        return {};
    }
    std::vector<std::pair<std::uint64_t, std::string>> files;
    std::map<std::string, std::uint64_t> directories;
    for (const auto& entry : listing.entries) {
        files.emplace_back(entry.size, entry.path);
        for_each_parent(entry.path, [&](std::string_view parent) {
            directories[std::string(parent) + "/"] += entry.size;
            return true;
        });
    }
    std::vector<std::pair<std::uint64_t, std::string>> dirs;
    for (const auto& [path, size] : directories) {
        dirs.emplace_back(size, path);
    }
    const auto largest = [](auto& list) {
        const auto count = std::min<std::size_t>(10, list.size());
        std::partial_sort(list.begin(), list.begin() + static_cast<long>(count), list.end(),
                          [](const auto& a, const auto& b) {
                              return a.first != b.first ? a.first > b.first : a.second < b.second;
                          });
        list.resize(count);
        std::string text;
        for (const auto& [size, path] : list) {
            text += fmt::format("\n  {:>10}  {}", util::human_bytes(size), path);
        }
        return text;
    };
    std::string message = fmt::format(
        "{} is {} in {} files, over the snapshot limit of {} (--snapshot-limit or "
        "FERRY_SNAPSHOT_LIMIT); list what the job does not need in a .ferryignore",
        listing.root.string(), util::human_bytes(listing.bytes),
        util::with_thousands(listing.entries.size()), util::human_bytes(limit));
    message += "\nlargest files:" + largest(files);
    if (!dirs.empty()) {
        message += "\nlargest directories:" + largest(dirs);
    }
    return fail("{}", message);
}

}  // namespace ferry::snapshot

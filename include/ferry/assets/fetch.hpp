#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"

// http(s) downloads (libcurl): a GET into a file, and a HEAD that says whether what a URL
// serves changed.
namespace ferry::assets {

namespace fs = std::filesystem;

// What a server says of a URL's content, to tell a change.
struct UrlState {
    std::int64_t size = -1;  // -1: not said
    std::string etag;
    std::string last_modified;

    friend bool operator==(const UrlState&, const UrlState&) = default;
};

// GETs the URL into `destination`; fails on an HTTP status >= 400.
[[nodiscard]] Result<UrlState> fetch_url(const std::string& url, const fs::path& destination);

// HEADs the URL.
[[nodiscard]] Result<UrlState> probe_url(const std::string& url);

}  // namespace ferry::assets

#include "ferry/assets/fetch.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <memory>

namespace ferry::assets {

namespace {

struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
};

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

Easy make_easy(const std::string& url, UrlState& state) {
    static CurlGlobal global;
    Easy easy(curl_easy_init(), curl_easy_cleanup);
    if (!easy) {
        return easy;
    }
    curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT, 30L);
    // A server that stops sending (under 1 byte/s for a minute) fails the transfer.
    curl_easy_setopt(easy.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy.get(), CURLOPT_HEADERDATA, &state);
    curl_easy_setopt(
        easy.get(), CURLOPT_HEADERFUNCTION,
        +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
            auto* seen = static_cast<UrlState*>(user);
            std::string line(data, size * count);
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
                line.pop_back();
            }
            const auto colon = line.find(':');
            if (line.starts_with("HTTP/")) {
                *seen = UrlState{};  // a redirect's headers do not count
            } else if (colon != std::string::npos) {
                std::string key = line.substr(0, colon);
                for (auto& c : key) {
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                std::string value = line.substr(colon + 1);
                value.erase(0, value.find_first_not_of(' '));
                if (key == "etag") {
                    seen->etag = value;
                } else if (key == "last-modified") {
                    seen->last_modified = value;
                } else if (key == "content-length") {
                    seen->size = std::strtoll(value.c_str(), nullptr, 10);
                }
            }
            return size * count;
        });
    return easy;
}

Result<void> perform(CURL* easy, const std::string& url, const char* errors) {
    const CURLcode code = curl_easy_perform(easy);
    if (code != CURLE_OK) {
        return fail("{}: {}", url, errors[0] != '\0' ? errors : curl_easy_strerror(code));
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 400) {
        return fail("{}: HTTP status {}", url, status);
    }
    return {};
}

}  // namespace

Result<UrlState> fetch_url(const std::string& url, const fs::path& destination) {
    UrlState state;
    Easy easy = make_easy(url, state);
    if (!easy) {
        return fail("{}: cannot start a download", url);
    }
    std::unique_ptr<FILE, decltype(&std::fclose)> out(std::fopen(destination.c_str(), "wb"),
                                                      std::fclose);
    if (!out) {
        return fail("cannot write {}", destination.string());
    }
    char errors[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, errors);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, out.get());
    curl_easy_setopt(
        easy.get(), CURLOPT_WRITEFUNCTION,
        +[](char* data, std::size_t size, std::size_t count, void* user) {
            return std::fwrite(data, size, count, static_cast<FILE*>(user));
        });
    TRY(perform(easy.get(), url, errors));
    if (std::fflush(out.get()) != 0) {
        return fail("cannot write {}", destination.string());
    }
    return state;
}

Result<UrlState> probe_url(const std::string& url) {
    UrlState state;
    Easy easy = make_easy(url, state);
    if (!easy) {
        return fail("{}: cannot start a request", url);
    }
    char errors[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, errors);
    curl_easy_setopt(easy.get(), CURLOPT_NOBODY, 1L);
    TRY(perform(easy.get(), url, errors));
    return state;
}

}  // namespace ferry::assets

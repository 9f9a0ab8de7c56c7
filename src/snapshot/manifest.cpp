#include "ferry/snapshot/manifest.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "ferry/util/sha256.hpp"

namespace ferry::snapshot {

namespace {

constexpr std::string_view k_header = k_manifest_header.substr(0, k_manifest_header.size() - 1);

bool needs_escape(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return c == '\\' || byte < 0x20 || byte == 0x7f;
}

void append_escaped(std::string& out, std::string_view text) {
    if (std::ranges::none_of(text, needs_escape)) {
        out.append(text);
        return;
    }
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += c;
        }
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

std::optional<std::string> unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i >= text.size()) {
            return std::nullopt;
        }
        switch (text[i]) {
            case '\\':
                out += '\\';
                break;
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'x': {
                if (i + 2 >= text.size()) {
                    return std::nullopt;
                }
                const int high = hex_value(text[i + 1]);
                const int low = hex_value(text[i + 2]);
                if (high < 0 || low < 0) {
                    return std::nullopt;
                }
                out += static_cast<char>(high * 16 + low);
                i += 2;
                break;
            }
            default:
                return std::nullopt;
        }
    }
    return out;
}

bool known_mode(std::string_view mode, FileModes modes) {
    if (mode == "100644" || mode == "100755" || mode == "120000") {
        return true;
    }
    return modes == FileModes::permissions && mode.size() == 6 && mode.starts_with("100") &&
           std::ranges::all_of(mode.substr(3), [](char c) { return c >= '0' && c <= '7'; });
}

}  // namespace

unsigned ManifestEntry::permissions() const {
    unsigned bits = 0;
    for (const char c : std::string_view(mode).substr(std::min<std::size_t>(mode.size(), 3))) {
        bits = bits * 8 + static_cast<unsigned>(c - '0');
    }
    return bits & 0777U;
}

bool is_safe_relative_path(std::string_view path) {
    if (path.empty() || path.starts_with('/') || path.ends_with('/')) {
        return false;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view part = path.substr(start, end - start);
        const bool git = part.size() == 4 && part[0] == '.' && (part[1] | 0x20) == 'g' &&
                         (part[2] | 0x20) == 'i' && (part[3] | 0x20) == 't';
        if (part.empty() || part == "." || part == ".." || git || part.find('\0') != part.npos) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

void append_manifest_entry(std::string& out, std::string_view mode, std::uint64_t size,
                           std::string_view sha256, std::string_view path,
                           std::string_view target) {
    out.append(mode);
    out += ' ';
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, size).ptr;
    out.append(digits, end);
    out += ' ';
    out.append(sha256);
    out += ' ';
    append_escaped(out, path);
    if (mode == "120000") {
        out += '\t';
        append_escaped(out, target);
    }
    out += '\n';
}

std::string format_manifest(const std::vector<ManifestEntry>& entries) {
    std::string out(k_manifest_header);
    out.reserve(entries.size() * 100);
    for (const auto& entry : entries) {
        append_manifest_entry(out, entry.mode, entry.size, entry.sha256, entry.path, entry.target);
    }
    return out;
}

Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text, FileModes modes) {
    std::vector<ManifestEntry> entries;
    int number = 1;
    const auto bad = [&](std::string_view why) {
        return fail("snapshot manifest line {}: {}", number, why);
    };
    if (!text.starts_with(k_header) || text.substr(k_header.size(), 1) != "\n") {
        return bad("not a ferry manifest");
    }
    text.remove_prefix(k_header.size() + 1);
    while (!text.empty()) {
        ++number;
        const std::size_t end = text.find('\n');
        if (end == std::string_view::npos) {
            return bad("unterminated line");
        }
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        ManifestEntry entry;
        const std::size_t mode_end = line.find(' ');
        const std::size_t size_end = line.find(' ', mode_end + 1);
        if (mode_end == line.npos || size_end == line.npos || line.size() < size_end + 66 ||
            line[size_end + 65] != ' ') {
            return bad("malformed entry");
        }
        entry.mode = std::string(line.substr(0, mode_end));
        if (!known_mode(entry.mode, modes)) {
            return bad(fmt::format("unknown mode {}", entry.mode));
        }
        const std::string_view size = line.substr(mode_end + 1, size_end - mode_end - 1);
        if (std::from_chars(size.data(), size.data() + size.size(), entry.size).ptr !=
                size.data() + size.size() ||
            size.empty()) {
            return bad("malformed size");
        }
        entry.sha256 = std::string(line.substr(size_end + 1, 64));
        if (!util::is_sha256_hex(entry.sha256)) {
            return bad("malformed sha256");
        }
        std::string_view rest = line.substr(size_end + 66);
        std::string_view target;
        if (entry.is_link()) {
            const std::size_t tab = rest.find('\t');
            if (tab == rest.npos) {
                return bad("link without a target");
            }
            target = rest.substr(tab + 1);
            rest = rest.substr(0, tab);
        }
        auto path = unescape(rest);
        auto link_target = unescape(target);
        if (!path || !link_target) {
            return bad("malformed escape");
        }
        if (!is_safe_relative_path(*path)) {
            return bad(fmt::format("unsafe path '{}'", *path));
        }
        if (!entries.empty() && entries.back().path >= *path) {
            return bad("entries out of order");
        }
        if (link_target->find('\0') != std::string::npos) {
            return bad("a link target holds a NUL byte");
        }
        entry.path = std::move(*path);
        entry.target = std::move(*link_target);
        // One tree, one spelling: the id is the hash of these bytes.
        std::string canonical;
        append_manifest_entry(canonical, entry.mode, entry.size, entry.sha256, entry.path,
                              entry.target);
        if (std::string_view(canonical).substr(0, canonical.size() - 1) != line) {
            return bad("not in canonical form");
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace ferry::snapshot

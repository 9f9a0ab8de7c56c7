#include "ferry/util/escape.hpp"

#include <fmt/format.h>

namespace ferry::util {

namespace {

// The length of the UTF-8 sequence at `at`, or 0 when the byte there does not start one.
std::size_t sequence_length(std::string_view text, std::size_t at) {
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length = 0;
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xc2 && lead < 0xe0) {
        length = 2;
    } else if (lead >= 0xe0 && lead < 0xf0) {
        length = 3;
    } else if (lead >= 0xf0 && lead < 0xf5) {
        length = 4;
    }
    if (length == 0 || at + length > text.size()) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((static_cast<unsigned char>(text[at + i]) & 0xc0) != 0x80) {
            return 0;
        }
    }
    const auto second = static_cast<unsigned char>(text[at + 1]);
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((lead == 0xe0 && second < 0xa0) || (lead == 0xed && second > 0x9f) ||
        (lead == 0xf0 && second < 0x90) || (lead == 0xf4 && second > 0x8f)) {
        return 0;
    }
    return length;
}

// One character of the text: `length` bytes at `at` (1 for a byte that is not UTF-8).
struct Character {
    std::size_t at = 0;
    std::size_t length = 1;
    bool printable = true;
};

Character character_at(std::string_view text, std::size_t at) {
    const std::size_t length = sequence_length(text, at);
    if (length == 0) {
        return {at, 1, false};
    }
    const auto lead = static_cast<unsigned char>(text[at]);
    const bool c0 = lead < 0x20 || lead == 0x7f;
    const bool c1 = lead == 0xc2 && static_cast<unsigned char>(text[at + 1]) < 0xa0;
    return {at, length, !c0 && !c1};
}

std::string escaped(std::string_view text, const Character& c) {
    const auto byte = static_cast<unsigned char>(text[c.at]);
    switch (byte) {
        case '\n':
            return "\\n";
        case '\t':
            return "\\t";
        case '\r':
            return "\\r";
        default:
            break;
    }
    if (c.length == 2) {
        return fmt::format("\\u{:04x}", static_cast<unsigned char>(text[c.at + 1]));
    }
    return fmt::format("\\x{:02x}", byte);
}

}  // namespace

bool has_control(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const Character c = character_at(text, at);
        if (!c.printable) {
            return true;
        }
        at += c.length;
    }
    return false;
}

std::string escape_control(std::string_view text, Keep keep) {
    if (!has_control(text)) {
        return std::string(text);
    }
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
        const Character c = character_at(text, at);
        const bool kept = (keep != Keep::nothing && text[at] == '\t') ||
                          (keep == Keep::tabs_and_newlines && text[at] == '\n');
        if (c.printable || kept) {
            out.append(text.substr(at, c.length));
        } else {
            out += escaped(text, c);
        }
        at += c.length;
    }
    return out;
}

}  // namespace ferry::util

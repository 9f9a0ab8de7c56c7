#pragma once

#include <string_view>

namespace ferry::util {

// A text file compiled into the binary (cmake/embed.cmake writes the tables).
struct EmbeddedFile {
    std::string_view path;  // relative to the folder it was embedded from
    std::string_view content;
};

}  // namespace ferry::util

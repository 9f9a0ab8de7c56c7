#pragma once

#include <string>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::cli {

// Opens a URL with $BROWSER or xdg-open; says so when neither is there or it fails.
void open_in_browser(Context& ctx, const std::string& url);

// The page of a run in the `ferry ui` that serves its workspace; an error when none does.
[[nodiscard]] Result<std::string> run_page_url(store::Workspace& workspace, const std::string& run);

}  // namespace ferry::cli

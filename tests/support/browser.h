// A real browser for the edge's HTTPS: Debian's Chromium, headless, with a root of the
// test's added to a certificate store of its own (NSS, as Chromium on Linux keeps it), so
// that the page loads only when the chain the edge serves verifies as a user's browser
// would verify it.
#pragma once

#include <string>

namespace rsm::testing {

// The page's DOM once loaded, with `host` leading to `address`; empty when Chromium shows
// none (a certificate error, no answer). Needs chromium and certutil (libnss3-tools).
std::string browser_page(const std::string& url, const std::string& host, const std::string& address,
                         const std::string& root_file);

}  // namespace rsm::testing

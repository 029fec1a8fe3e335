#include "support/browser.h"

#include <fmt/format.h>

#include "support/temp_folder.h"
#include "util/subprocess.h"

namespace rsm::testing {

std::string browser_page(const std::string& url, const std::string& host, const std::string& address,
                         const std::string& root_file) {
  TempFolder home("rsm-browser");
  std::string store = "sql:" + (home / ".pki/nssdb").string();
  std::filesystem::create_directories(home / ".pki/nssdb");
  run_process({"certutil", "-N", "-d", store, "--empty-password"});
  run_process({"certutil", "-A", "-d", store, "-t", "C,,", "-n", "rsm test root", "-i", root_file});
  // HOME points Chromium at the store; as root it runs only without its sandbox.
  auto result =
      run_process({"env", "HOME=" + home.path().string(), "timeout", "60", "chromium", "--headless", "--no-sandbox",
                   "--disable-gpu", "--no-first-run", "--user-data-dir=" + (home / "profile").string(),
                   fmt::format("--host-resolver-rules=MAP {} {}", host, address), "--dump-dom", url});
  return result.exit_code == 0 ? result.output : "";
}

}  // namespace rsm::testing

// The environment's login key, made here and registered in the account: see login_key.h.
#include "drivers/digitalocean/login_key.h"

#include <filesystem>

#include <fmt/format.h>

#include "drivers/digitalocean/key_pair.h"
#include "util/error.h"
#include "util/state_dir.h"

namespace rsm::drivers::digitalocean {

namespace fs = std::filesystem;

namespace {

// Below the state folder (read_state's and write_state's paths).
std::string key_path(const std::string& env) { return "digitalocean/" + env + "/id_ed25519"; }

fs::path key_file(const std::string& env) { return state_dir() / key_path(env); }

}  // namespace

LoginKey ensure_login_key(Api& api, const std::string& env) {
  fs::path file = key_file(env);
  if (!fs::exists(file)) {
    fs::create_directories(file.parent_path());
    // Made beside and renamed, so that an interrupted run never leaves half a pair.
    fs::path making = file.string() + ".new";
    fs::remove(making);
    fs::remove(making.string() + ".pub");
    write_key_pair(making.string(), "rsm-" + env);
    fs::rename(making.string() + ".pub", file.string() + ".pub");
    fs::rename(making, file);
  }
  LoginKey key{.private_key_file = file.string(), .fingerprint = md5_fingerprint(file.string() + ".pub")};
  try {
    api.get("/v2/account/keys/" + key.fingerprint);
    return key;
  } catch (const ApiError& e) {
    if (e.status() != 404) throw;
  }
  try {
    std::string public_key = read_state(key_path(env) + ".pub").value_or("");
    public_key = public_key.substr(0, public_key.find('\n'));
    api.post("/v2/account/keys", {{"name", "rsm-" + env}, {"public_key", public_key}});
  } catch (const ApiError& e) {
    // Registered meanwhile (another rsm, or an answer lost on the way back).
    if (e.status() != 422 || std::string(e.what()).find("already in use") == std::string::npos) throw;
  }
  return key;
}

void remove_login_key(Api& api, const std::string& env) {
  fs::path file = key_file(env);
  if (!fs::exists(file.string() + ".pub")) return;
  api.remove("/v2/account/keys/" + md5_fingerprint(file.string() + ".pub"));
  fs::remove(file);
  fs::remove(file.string() + ".pub");
}

}  // namespace rsm::drivers::digitalocean

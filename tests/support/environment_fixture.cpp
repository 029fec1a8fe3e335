#include "support/environment_fixture.h"

#include "engine/url.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

namespace rsm::testing {

namespace {
std::string label_filter(const std::string& env) {
  return engine::encode_filters({{"label", engine::json::array({"rsm.env=" + env})}});
}
}  // namespace

std::vector<std::string> leftovers(engine::Client& host, const std::string& env) {
  std::vector<std::string> found;
  for (const auto& c : host.get("/containers/json?all=1&filters=" + label_filter(env)))
    found.push_back("container " + c["Names"][0].get<std::string>());
  engine::json volumes = host.get("/volumes?filters=" + label_filter(env))["Volumes"];
  for (const auto& v : volumes) found.push_back("volume " + v["Name"].get<std::string>());
  for (const auto& n : host.get("/networks?filters=" + label_filter(env)))
    found.push_back("network " + n["Name"].get<std::string>());
  if (host.request(engine::Method::Get, "/networks/rsm-" + env).status == 200) found.push_back("network rsm-" + env);
  return found;
}

void remove_environment(const std::string& env) {
  run_rsm({"nodes", "rm", env, "-f"});
  engine::Client host(engine::Endpoint::from_environment());
  for (const auto& c : host.get("/containers/json?all=1&filters=" + label_filter(env)))
    host.request(engine::Method::Delete, "/containers/" + c["Id"].get<std::string>() + "?force=1&v=1");
  engine::json volumes = host.get("/volumes?filters=" + label_filter(env))["Volumes"];
  for (const auto& v : volumes)
    host.request(engine::Method::Delete, "/volumes/" + v["Name"].get<std::string>() + "?force=1");
  host.request(engine::Method::Delete, "/networks/rsm-" + env);
}

engine::Endpoint node_engine(const std::string& env, const std::string& node) {
  auto listed = engine::json::parse(run_rsm({"nodes", "ls", env, "--json"}).output);
  for (const auto& row : listed)
    if (row["name"] == node) return engine::Endpoint::parse(row["docker_host"].get<std::string>());
  throw Error("no node " + node + " in environment " + env);
}

void EnvironmentTest::make_environment(const std::string& prefix, int managers, int workers) {
  // Tests that reach into the swarm themselves use rsm's relay, which is not beside them.
  setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
  env_ = unique_name(prefix);
  remove_environment(env_);
  auto created =
      run_rsm({"nodes", "create", env_, "-m", std::to_string(managers), "-w", std::to_string(workers), "-q"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
}

void EnvironmentTest::set_node_running(const std::string& node_name, bool running) {
  engine::Client host(engine::Endpoint::from_environment());
  host.post("/containers/" + node_name + (running ? "/start" : "/stop?t=10"));
}

}  // namespace rsm::testing

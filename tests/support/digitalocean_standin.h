// A stand-in for DigitalOcean's API v2, for tests and benchmarks on a machine that cannot
// reach the real one: the part rsm uses (SSH keys, droplets and their power actions,
// actions, tags, cloud firewalls), keeping the published contract (../shared/reference/digitalocean-openapi:
// paths, status codes, bodies, error bodies, pagination) and the real service's awkward
// behaviours, each switchable for a test:
//   - 401 without the bearer token it was given;
//   - 202 on create, then "new" for a while, then "active", and the public IPv4 address
//     only some time after "active";
//   - 20 items per page unless per_page says otherwise (at most 200), `links.pages.next`
//     on every page but the last, `meta.total`;
//   - 429 with `retry-after` every Nth request, when asked, and 500 likewise (with the
//     request carried out or not: an answer lost on its way back, or a refusal);
//   - 422 for an SSH key whose fingerprint is in use already;
//   - slow deletes: a deleted droplet is answered 204 at once and listed for a while more;
//   - droplets that are real machines (see DigitalOceanStandinOptions::start_machine),
//     behind the cloud firewalls attached to them (filter_machine): inbound, only what
//     a rule admits (TCP, UDP, ICMP; sources by address, tag or droplet id) and answers.
// Requests and answers are checked against the contract by the tests (prism between them).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace rsm::testing {

// A droplet's machine, as the stand-in asks for one (see DigitalOceanStandinOptions).
struct DropletMachine {
  std::string name;    // the droplet's
  std::string region;  // its slug: nyc3, fra1...
  std::string user_data;
  std::vector<std::string> authorized_keys;  // the public keys of the droplet's ssh_keys
};

struct DigitalOceanStandinOptions {
  std::string token = "rsm-test-token";
  int page_size = 20;           // the API's default per_page
  int rate_limit_every = 0;     // every Nth request answered 429; 0: never
  int server_errors_every = 0;  // every Nth request answered 500; 0: never
  int lost_answers_every = 0;   // every Nth request is carried out, then answered 500 (its answer lost); 0: never
  std::chrono::milliseconds active_after{800};    // "new" until then
  std::chrono::milliseconds address_after{1200};  // the public IPv4 address appears then (after "active")
  std::chrono::milliseconds gone_after{1000};     // a deleted droplet is still listed until then
  std::chrono::milliseconds action_takes{600};    // a power action is "in-progress" until then
  bool break_contract = false;                    // droplets lack `networks`: checks that the contract check sees it
  // Droplets as real machines, when given: start_machine runs on a thread of its own for
  // each new droplet and returns the machine's address, which becomes the droplet's
  // public IPv4 (once address_after has passed, too); remove_machine runs when a deleted
  // droplet is gone. Without them, droplets are records with made-up addresses.
  std::function<std::string(const DropletMachine&)> start_machine;
  std::function<void(const std::string& name)> remove_machine;
  // Powers a droplet's machine off (false) or on, when given; runs on a thread of its own.
  std::function<void(const std::string& name, bool on)> power_machine;
  // Puts what the droplet's firewalls admit in front of its machine, whenever that
  // changes: an array of {protocol, ports ("0": all, "22", "8000-9000"), addresses (the
  // sources, tags and droplet ids resolved to the machines' addresses)}, or null when no
  // firewall is attached (everything passes). Called with the stand-in's lock held.
  std::function<void(const std::string& name, const nlohmann::json& inbound)> filter_machine;
};

class DigitalOceanStandin {
 public:
  explicit DigitalOceanStandin(DigitalOceanStandinOptions options = {});
  ~DigitalOceanStandin();
  DigitalOceanStandin(const DigitalOceanStandin&) = delete;
  DigitalOceanStandin& operator=(const DigitalOceanStandin&) = delete;

  // http://127.0.0.1:PORT, for DIGITALOCEAN_API_URL.
  std::string url() const;
  // Requests answered so far (rate-limited ones included).
  size_t requests();
  // What exists now, as the API would list it: droplets (gone ones left out), keys, tags.
  std::vector<nlohmann::json> droplets();
  std::vector<nlohmann::json> ssh_keys();
  std::vector<std::string> tags();
  std::vector<nlohmann::json> firewalls();

  struct Answer {
    int status = 200;
    nlohmann::json body;  // null: no body (204)
    std::map<std::string, std::string> headers;
  };
  // One request, as the server answers it (public for the server's sessions).
  Answer answer(const std::string& method, const std::string& target, const std::string& authorization,
                const std::string& body);

 private:
  struct Droplet {
    nlohmann::json fields;  // as created (id, name, region, size, image, tags...)
    std::chrono::steady_clock::time_point created, powered, deleted;
    bool on = true;
    bool deleting = false;
  };
  struct Action {
    nlohmann::json fields;
    std::chrono::steady_clock::time_point started;
  };

  void accept();
  nlohmann::json droplet_view(const Droplet& droplet, std::chrono::steady_clock::time_point now) const;
  nlohmann::json action_view(const Action& action, std::chrono::steady_clock::time_point now) const;
  Answer page(const std::string& path, const std::map<std::string, std::string>& query, const std::string& key,
              const std::vector<nlohmann::json>& items);
  Answer route(const std::string& method, const std::string& path, const std::map<std::string, std::string>& query,
               const nlohmann::json& body);
  Answer create_droplets(const nlohmann::json& body);
  Answer create_key(const nlohmann::json& body);
  // POST /v2/firewalls (id empty) or PUT /v2/firewalls/ID.
  Answer write_firewall(const std::string& id, const nlohmann::json& body);
  Answer droplet_action(Droplet& droplet, const nlohmann::json& body);
  // Starts the droplet's machine on a thread (options_.start_machine).
  void start_machine(long id, const std::string& name, const std::string& region, const nlohmann::json& body);
  void forget_gone(std::chrono::steady_clock::time_point now);
  // Calls filter_machine for each droplet whose firewalls' rules (resolved) changed.
  void filter_machines();

  DigitalOceanStandinOptions options_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;

  std::mutex mutex_;
  size_t requests_ = 0;
  long next_id_ = 100'000'000;
  std::map<long, Droplet> droplets_;
  std::map<long, nlohmann::json> keys_;
  std::map<long, Action> actions_;
  std::map<std::string, int> tags_;                  // tag -> 1 (made explicitly or with a droplet)
  std::map<std::string, nlohmann::json> firewalls_;  // id -> firewall
  std::vector<std::thread> machine_threads_;         // starting or removing droplets' machines
  std::map<long, nlohmann::json> filtered_;          // droplet id -> the inbound rules its machine has
};

}  // namespace rsm::testing

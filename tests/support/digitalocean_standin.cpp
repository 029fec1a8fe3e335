// The DigitalOcean API stand-in: see digitalocean_standin.h. One thread runs the HTTP
// server (Boost.Beast); every request is answered from the state under one lock, and
// the slow parts of the real service (creating, powering, deleting) are times compared
// with the clock when a droplet is read, so nothing runs in the background.
#include "support/digitalocean_standin.h"

#include <openssl/evp.h>

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <ctime>
#include <random>
#include <regex>

#include <fmt/format.h>

namespace rsm::testing {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Size {
  const char* slug;
  int memory, vcpus, disk;
  double monthly;
};
constexpr Size kSizes[] = {{"s-1vcpu-1gb", 1024, 1, 25, 6},
                           {"s-1vcpu-2gb", 2048, 1, 50, 12},
                           {"s-2vcpu-2gb", 2048, 2, 60, 18},
                           {"s-2vcpu-4gb", 4096, 2, 80, 24}};
constexpr const char* kRegions[] = {"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "syd1", "tor1"};
constexpr const char* kImages[] = {"debian-12-x64", "ubuntu-24-04-x64"};

const Size* find_size(const std::string& slug) {
  for (const auto& size : kSizes)
    if (slug == size.slug) return &size;
  return nullptr;
}

json region_view(const std::string& slug) {
  json sizes = json::array();
  for (const auto& size : kSizes) sizes.push_back(size.slug);
  return {{"name", slug},
          {"slug", slug},
          {"features", {"private_networking", "backups", "ipv6", "metadata"}},
          {"available", true},
          {"sizes", sizes}};
}

json size_view(const Size& size) {
  json regions = json::array();
  for (const char* region : kRegions) regions.push_back(region);
  return {{"slug", size.slug},
          {"memory", size.memory},
          {"vcpus", size.vcpus},
          {"disk", size.disk},
          {"transfer", 1.0},
          {"price_monthly", size.monthly},
          {"price_hourly", size.monthly / 672.0},
          {"regions", regions},
          {"available", true},
          {"description", "Basic"}};
}

json image_view(const std::string& slug) {
  json regions = json::array();
  for (const char* region : kRegions) regions.push_back(region);
  return {{"id", slug == kImages[0] ? 160000001 : 160000002},
          {"name", slug == kImages[0] ? "12 x64" : "24.04 (LTS) x64"},
          {"type", "base"},
          {"distribution", slug == kImages[0] ? "Debian" : "Ubuntu"},
          {"slug", slug},
          {"public", true},
          {"regions", regions},
          {"created_at", "2025-06-01T00:00:00Z"},
          {"min_disk_size", 15},
          {"size_gigabytes", 2.3},
          {"description", "the stand-in's image"},
          {"tags", json::array()},
          {"status", "available"}};
}

std::string iso_time(std::time_t when) {
  char text[32];
  std::tm parts{};
  gmtime_r(&when, &parts);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string request_id() {
  static std::mt19937_64 random{std::random_device{}()};
  uint64_t a = random(), b = random();
  return fmt::format("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52,
                     b & 0xffffffffffffULL);
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// The MD5 fingerprint DigitalOcean shows for a public key: "aa:bb:...", of the key's
// decoded base64 part. Empty when the line is not "TYPE BASE64 [COMMENT]".
std::string fingerprint(const std::string& public_key) {
  std::smatch match;
  if (!std::regex_match(public_key, match,
                        std::regex(R"(\s*(ssh-[a-z0-9-]+|ecdsa-[a-z0-9-]+)\s+([A-Za-z0-9+/=]+)(\s.*)?)")))
    return "";
  std::string encoded = match[2];
  std::string blob(encoded.size(), '\0');
  int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(blob.data()),
                      reinterpret_cast<const unsigned char*>(encoded.data()), static_cast<int>(encoded.size()));
  if (length <= 0) return "";
  length -= static_cast<int>(std::count(encoded.end() - std::min<size_t>(2, encoded.size()), encoded.end(), '='));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_Digest(blob.data(), static_cast<size_t>(length), digest, &digest_length, EVP_md5(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < digest_length; ++i) out += fmt::format("{}{:02x}", i ? ":" : "", digest[i]);
  return out;
}

template <typename Map>
std::vector<json> values_of(const Map& map) {
  std::vector<json> values;
  for (const auto& item : map) values.push_back(item.second);
  return values;
}

DigitalOceanStandin::Answer error(int status, const std::string& id, const std::string& message) {
  return {status, {{"id", id}, {"message", message}, {"request_id", request_id()}}, {}};
}

DigitalOceanStandin::Answer not_found() {
  return error(404, "not_found", "The resource you were accessing could not be found.");
}

DigitalOceanStandin::Answer unprocessable(const std::string& message) {
  return error(422, "unprocessable_entity", message);
}

// One connection: requests read and answered in turn (keep-alive).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, DigitalOceanStandin& standin) : stream_(std::move(socket)), standin_(standin) {}

  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (!error) self->respond();
    });
  }

 private:
  void respond() {
    auto answer = standin_.answer(std::string(request_.method_string()), std::string(request_.target()),
                                  std::string(request_[http::field::authorization]), request_.body());
    response_ = {static_cast<http::status>(answer.status), request_.version()};
    response_.keep_alive(request_.keep_alive());
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    if (!answer.body.is_null()) {
      response_.set(http::field::content_type, "application/json; charset=utf-8");
      response_.body() = answer.body.dump();
    }
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (!error && self->response_.keep_alive()) self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  DigitalOceanStandin& standin_;
};

}  // namespace

DigitalOceanStandin::DigitalOceanStandin(DigitalOceanStandinOptions options) : options_(std::move(options)) {
  tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

DigitalOceanStandin::~DigitalOceanStandin() {
  io_.stop();
  thread_.join();
  for (auto& machine : machine_threads_) machine.join();
}

std::string DigitalOceanStandin::url() const {
  return fmt::format("http://127.0.0.1:{}", acceptor_.local_endpoint().port());
}

void DigitalOceanStandin::accept() {
  acceptor_.async_accept(boost::asio::make_strand(io_), [this](beast::error_code error, tcp::socket socket) {
    if (error) return;
    std::make_shared<Session>(std::move(socket), *this)->read();
    accept();
  });
}

size_t DigitalOceanStandin::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<json> DigitalOceanStandin::droplets() {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  forget_gone(now);
  std::vector<json> out;
  for (const auto& [id, droplet] : droplets_) out.push_back(droplet_view(droplet, now));
  return out;
}

std::vector<json> DigitalOceanStandin::ssh_keys() {
  std::lock_guard lock(mutex_);
  return values_of(keys_);
}

std::vector<std::string> DigitalOceanStandin::tags() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, made] : tags_) out.push_back(name);
  return out;
}

std::vector<json> DigitalOceanStandin::firewalls() {
  std::lock_guard lock(mutex_);
  return values_of(firewalls_);
}

void DigitalOceanStandin::forget_gone(Clock::time_point now) {
  std::erase_if(droplets_, [&](const std::pair<const long, Droplet>& item) {
    bool gone = item.second.deleting && now - item.second.deleted >= options_.gone_after;
    if (gone && options_.remove_machine)
      machine_threads_.emplace_back(options_.remove_machine, std::string(item.second.fields["name"]));
    return gone;
  });
}

json DigitalOceanStandin::droplet_view(const Droplet& droplet, Clock::time_point now) const {
  const json& f = droplet.fields;
  const Size& size = *find_size(f["size"]);
  bool active = now - droplet.created >= options_.active_after;
  bool powering = now - droplet.powered < options_.action_takes;
  bool on = powering ? !droplet.on : droplet.on;
  std::string status = !active ? "new" : on ? "active" : "off";
  json v4 = json::array();
  // A real machine has one address, on its region's network: that network stands for the
  // region's VPC as well as for the internet.
  v4.push_back({{"ip_address", f.value("machine_address", f["private_address"].get<std::string>())},
                {"netmask", "255.255.240.0"},
                {"gateway", "10.110.0.1"},
                {"type", "private"}});
  bool addressed = !options_.start_machine || f.contains("machine_address");
  if (active && addressed && now - droplet.created >= options_.active_after + options_.address_after)
    v4.push_back({{"ip_address", f.value("machine_address", f["public_address"].get<std::string>())},
                  {"netmask", "255.255.255.0"},
                  {"gateway", "203.0.113.1"},
                  {"type", "public"}});
  json view{{"id", f["id"]},
            {"name", f["name"]},
            {"memory", size.memory},
            {"vcpus", size.vcpus},
            {"disk", size.disk},
            {"locked", false},
            {"status", status},
            {"kernel", nullptr},
            {"created_at", f["created_at"]},
            {"features", {"private_networking"}},
            {"backup_ids", json::array()},
            {"next_backup_window", nullptr},
            {"snapshot_ids", json::array()},
            {"image", image_view(f["image"])},
            {"volume_ids", json::array()},
            {"size", size_view(size)},
            {"size_slug", size.slug},
            {"networks", {{"v4", v4}, {"v6", json::array()}}},
            {"region", region_view(f["region"])},
            {"tags", f["tags"]},
            {"vpc_uuid", f["vpc_uuid"]}};
  if (options_.break_contract) view.erase("networks");
  return view;
}

json DigitalOceanStandin::action_view(const Action& action, Clock::time_point now) const {
  json view = action.fields;
  bool done = now - action.started >= options_.action_takes;
  view["status"] = done ? "completed" : "in-progress";
  view["completed_at"] = done ? json(iso_time(std::time(nullptr))) : json(nullptr);
  return view;
}

DigitalOceanStandin::Answer DigitalOceanStandin::page(const std::string& path,
                                                      const std::map<std::string, std::string>& query,
                                                      const std::string& key, const std::vector<json>& items) {
  int per_page = query.contains("per_page") ? std::atoi(query.at("per_page").c_str()) : options_.page_size;
  int number = query.contains("page") ? std::atoi(query.at("page").c_str()) : 1;
  if (per_page < 1 || per_page > 200 || number < 1)
    return error(400, "bad_request", "page and per_page are out of range");
  int total = static_cast<int>(items.size());
  int last = std::max(1, (total + per_page - 1) / per_page);
  json body{{key, json::array()}, {"links", json::object()}, {"meta", {{"total", total}}}};
  for (int i = (number - 1) * per_page; i < std::min(total, number * per_page); ++i) body[key].push_back(items[i]);
  auto link = [&](int to) {
    std::string text = fmt::format("{}{}?page={}&per_page={}", url(), path, to, per_page);
    for (const auto& [name, value] : query)
      if (name != "page" && name != "per_page") text += fmt::format("&{}={}", name, value);
    return text;
  };
  if (number < last) body["links"]["pages"] = {{"next", link(number + 1)}, {"last", link(last)}};
  if (number > 1) {
    body["links"]["pages"]["first"] = link(1);
    body["links"]["pages"]["prev"] = link(number - 1);
  }
  return {200, body, {}};
}

DigitalOceanStandin::Answer DigitalOceanStandin::answer(const std::string& method, const std::string& target,
                                                        const std::string& authorization, const std::string& body) {
  std::lock_guard lock(mutex_);
  ++requests_;
  auto now = Clock::now();
  forget_gone(now);
  Answer answer;
  auto limit_headers = [&](Answer& out, int remaining) {
    long reset = static_cast<long>(std::time(nullptr)) + 60;
    out.headers["ratelimit-limit"] = "5000";
    out.headers["ratelimit-remaining"] = std::to_string(remaining);
    out.headers["ratelimit-reset"] = std::to_string(reset);
  };
  if (authorization != "Bearer " + options_.token) {
    answer = error(401, "unauthorized", "Unable to authenticate you");
  } else if (options_.rate_limit_every > 0 && requests_ % options_.rate_limit_every == 0) {
    answer = error(429, "too_many_requests", "API rate limit exceeded.");
    limit_headers(answer, 0);
    answer.headers["retry-after"] = "1";
    return answer;
  } else if (options_.server_errors_every > 0 && requests_ % options_.server_errors_every == 0) {
    answer = error(500, "server_error", "Unexpected server-side error");
  } else {
    std::string path = target.substr(0, target.find('?'));
    std::map<std::string, std::string> query;
    if (auto mark = target.find('?'); mark != std::string::npos) {
      std::string_view rest = std::string_view(target).substr(mark + 1);
      while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto equals = pair.find('=');
        query[percent_decoded(pair.substr(0, equals))] =
            equals == std::string_view::npos ? "" : percent_decoded(pair.substr(equals + 1));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      }
    }
    json parsed = body.empty() ? json() : json::parse(body, nullptr, false);
    answer = parsed.is_discarded() ? error(400, "bad_request", "The request body is not JSON.")
                                   : route(method, path, query, parsed);
    if (options_.lost_answers_every > 0 && requests_ % options_.lost_answers_every == 0)
      answer = error(500, "server_error", "Unexpected server-side error");
  }
  filter_machines();
  limit_headers(answer, 4999);
  if (answer.body.is_object() && answer.body.contains("request_id"))
    answer.headers["x-request-id"] = answer.body["request_id"];
  return answer;
}

DigitalOceanStandin::Answer DigitalOceanStandin::route(const std::string& method, const std::string& path,
                                                       const std::map<std::string, std::string>& query,
                                                       const json& body) {
  auto now = Clock::now();
  std::smatch match;
  auto matches = [&](const char* pattern) { return std::regex_match(path, match, std::regex(pattern)); };

  if (matches("/v2/account/keys")) {
    if (method == "POST") return create_key(body);
    if (method != "GET") return error(405, "method_not_allowed", "Method not allowed");
    return page(path, query, "ssh_keys", values_of(keys_));
  }
  if (matches("/v2/account/keys/([^/]+)")) {
    std::string wanted = match[1];
    auto found = std::find_if(keys_.begin(), keys_.end(), [&](const auto& item) {
      return std::to_string(item.first) == wanted || item.second["fingerprint"] == wanted;
    });
    if (found == keys_.end()) return not_found();
    if (method == "GET") return {200, {{"ssh_key", found->second}}, {}};
    if (method == "DELETE") {
      keys_.erase(found);
      return {204, nullptr, {}};
    }
    return error(405, "method_not_allowed", "Method not allowed");
  }
  if (matches("/v2/droplets")) {
    if (method == "POST") return create_droplets(body);
    std::string tag = query.contains("tag_name") ? query.at("tag_name") : "";
    auto tagged = [&](const Droplet& droplet) {
      const json& tags = droplet.fields["tags"];
      return tag.empty() || std::find(tags.begin(), tags.end(), tag) != tags.end();
    };
    if (method == "DELETE") {
      if (tag.empty()) return error(400, "bad_request", "tag_name is required");
      for (auto& [id, droplet] : droplets_)
        if (tagged(droplet) && !droplet.deleting) droplet.deleting = true, droplet.deleted = now;
      return {204, nullptr, {}};
    }
    if (method != "GET") return error(405, "method_not_allowed", "Method not allowed");
    std::vector<json> listed;
    for (const auto& [id, droplet] : droplets_)
      if (tagged(droplet)) listed.push_back(droplet_view(droplet, now));
    return page(path, query, "droplets", listed);
  }
  if (matches("/v2/droplets/([0-9]+)(/actions)?")) {
    auto found = droplets_.find(std::stol(match[1]));
    if (found == droplets_.end()) return not_found();
    if (match[2].matched) {
      if (method != "POST") return error(405, "method_not_allowed", "Method not allowed");
      return droplet_action(found->second, body);
    }
    if (method == "GET") return {200, {{"droplet", droplet_view(found->second, now)}}, {}};
    if (method == "DELETE") {
      if (!found->second.deleting) found->second.deleting = true, found->second.deleted = now;
      return {204, nullptr, {}};
    }
    return error(405, "method_not_allowed", "Method not allowed");
  }
  if (matches("/v2/actions/([0-9]+)")) {
    auto found = actions_.find(std::stol(match[1]));
    if (found == actions_.end()) return not_found();
    return {200, {{"action", action_view(found->second, now)}}, {}};
  }
  if (matches("/v2/firewalls")) {
    if (method == "POST") return write_firewall("", body);
    if (method != "GET") return error(405, "method_not_allowed", "Method not allowed");
    return page(path, query, "firewalls", values_of(firewalls_));
  }
  if (matches("/v2/firewalls/([0-9a-f-]+)")) {
    auto found = firewalls_.find(match[1]);
    if (found == firewalls_.end()) return not_found();
    if (method == "GET") return {200, {{"firewall", found->second}}, {}};
    if (method == "PUT") return write_firewall(found->first, body);
    if (method == "DELETE") {
      firewalls_.erase(found);
      return {204, nullptr, {}};
    }
    return error(405, "method_not_allowed", "Method not allowed");
  }
  if (matches("/v2/tags")) {
    if (method != "POST") return error(405, "method_not_allowed", "Method not allowed");
    std::string name = body.is_object() ? body.value("name", "") : "";
    if (!std::regex_match(name, std::regex("[a-zA-Z0-9_\\-:]{1,255}")))
      return error(400, "bad_request", "name is invalid: use letters, numbers, colons, dashes and underscores");
    tags_[name] = 1;
    return {201, {{"tag", {{"name", name}, {"resources", {{"count", 0}}}}}}, {}};
  }
  if (matches("/v2/tags/([^/]+)")) {
    if (method != "DELETE") return error(405, "method_not_allowed", "Method not allowed");
    if (!tags_.erase(percent_decoded(match[1].str()))) return not_found();
    return {204, nullptr, {}};
  }
  return not_found();
}

DigitalOceanStandin::Answer DigitalOceanStandin::create_key(const json& body) {
  std::string name = body.is_object() ? body.value("name", "") : "";
  std::string public_key = body.is_object() ? body.value("public_key", "") : "";
  std::string print = fingerprint(public_key);
  if (name.empty() || print.empty())
    return unprocessable("Key invalid, key should be of the format `type key [comment]`");
  for (const auto& [id, key] : keys_)
    if (key["fingerprint"] == print) return unprocessable("SSH Key is already in use on your account");
  long id = next_id_++;
  keys_[id] = {{"id", id}, {"fingerprint", print}, {"public_key", public_key}, {"name", name}};
  return {201, {{"ssh_key", keys_[id]}}, {}};
}

DigitalOceanStandin::Answer DigitalOceanStandin::write_firewall(const std::string& id, const json& body) {
  std::string name = body.is_object() ? body.value("name", "") : "";
  if (!std::regex_match(name, std::regex("[a-zA-Z0-9][a-zA-Z0-9.-]+")))
    return error(400, "bad_request", "name must begin with a letter or digit, then letters, digits, '.' and '-'");
  // Cloud firewalls pass only TCP, UDP and ICMP.
  for (const char* side : {"inbound_rules", "outbound_rules"})
    for (const auto& rule : body.value(side, json::array()))
      if (!rule.is_object() || (rule.value("protocol", "") != "tcp" && rule.value("protocol", "") != "udp" &&
                                rule.value("protocol", "") != "icmp"))
        return error(400, "bad_request", "protocol must be tcp, udp or icmp");
  for (const auto& [other_id, firewall] : firewalls_)
    if (other_id != id && firewall["name"] == name) return unprocessable("A firewall of that name exists already.");
  std::string made = id.empty() ? request_id() : id;
  json firewall{{"id", made},
                {"name", name},
                {"status", "succeeded"},
                {"created_at", id.empty() ? json(iso_time(std::time(nullptr))) : firewalls_[id]["created_at"]},
                {"pending_changes", json::array()},
                {"inbound_rules", body.value("inbound_rules", json::array())},
                {"outbound_rules", body.value("outbound_rules", json::array())},
                {"droplet_ids", body.value("droplet_ids", json::array())},
                {"tags", body.value("tags", json::array())}};
  for (const auto& tag : firewall["tags"]) tags_[tag] = 1;
  firewalls_[made] = firewall;
  return {id.empty() ? 202 : 200, {{"firewall", firewall}}, {}};
}

DigitalOceanStandin::Answer DigitalOceanStandin::create_droplets(const json& body) {
  if (!body.is_object()) return unprocessable("The request body must be an object.");
  std::vector<std::string> names;
  if (body.contains("names") && body["names"].is_array()) {
    for (const auto& name : body["names"])
      if (name.is_string()) names.push_back(name);
    if (names.empty() || names.size() > 10) return unprocessable("names takes 1 to 10 names.");
  } else if (body.contains("name") && body["name"].is_string()) {
    names.push_back(body["name"]);
  }
  for (const auto& name : names)
    if (!std::regex_match(name, std::regex("[a-zA-Z0-9.-]{1,255}")))
      return unprocessable("Name is invalid: only letters, numbers, '.' and '-'.");
  if (names.empty()) return unprocessable("Name is required.");
  std::string size = body.value("size", "");
  if (!find_size(size)) return unprocessable("You specified an invalid size for Droplet creation.");
  std::string image = body.contains("image") && body["image"].is_string() ? body["image"].get<std::string>() : "";
  if (std::find(std::begin(kImages), std::end(kImages), image) == std::end(kImages))
    return unprocessable("You specified an invalid image for Droplet creation.");
  std::string region = body.value("region", "nyc3");
  if (std::find(std::begin(kRegions), std::end(kRegions), region) == std::end(kRegions))
    return unprocessable("You specified an invalid region for Droplet creation.");
  for (const auto& key : body.value("ssh_keys", json::array())) {
    bool known = std::any_of(keys_.begin(), keys_.end(), [&](const auto& item) {
      return (key.is_number() && key == item.first) || (key.is_string() && key == item.second["fingerprint"]);
    });
    if (!known) return unprocessable("You specified an invalid ssh key for Droplet creation.");
  }
  json tags = json::array();
  for (const auto& tag : body.value("tags", json::array())) {
    if (!tag.is_string() || !std::regex_match(tag.get<std::string>(), std::regex("[a-zA-Z0-9_\\-:]{1,255}")))
      return unprocessable("A tag is invalid: use letters, numbers, colons, dashes and underscores.");
    tags.push_back(tag);
    tags_[tag] = 1;
  }

  auto now = Clock::now();
  json created = json::array();
  for (const auto& name : names) {
    long id = next_id_++;
    long n = id % 250 + 2;
    Droplet droplet;
    droplet.fields = {{"id", id},
                      {"name", name},
                      {"size", size},
                      {"image", image},
                      {"region", region},
                      {"tags", tags},
                      {"user_data", body.value("user_data", "")},
                      {"created_at", iso_time(std::time(nullptr))},
                      {"vpc_uuid", fmt::format("5a4981aa-0000-4000-8000-{:012x}",
                                               std::hash<std::string>{}(region)&0xffffffffffffULL)},
                      {"private_address", fmt::format("10.110.{}.{}", n / 250, n % 250 + 2)},
                      {"public_address", fmt::format("203.0.113.{}", n)}};
    droplet.created = now;
    droplet.powered = now - options_.action_takes;
    droplets_[id] = droplet;
    created.push_back(droplet_view(droplets_[id], now));
    if (options_.start_machine) start_machine(id, name, region, body);
  }
  json links{{"actions", json::array()}};
  if (names.size() == 1 && !body.contains("names")) return {202, {{"droplet", created[0]}, {"links", links}}, {}};
  return {202, {{"droplets", created}, {"links", links}}, {}};
}

void DigitalOceanStandin::start_machine(long id, const std::string& name, const std::string& region, const json& body) {
  DropletMachine machine{.name = name, .region = region, .user_data = body.value("user_data", "")};
  for (const auto& key : body.value("ssh_keys", json::array()))
    for (const auto& [key_id, known] : keys_)
      if ((key.is_number() && key == key_id) || (key.is_string() && key == known["fingerprint"]))
        machine.authorized_keys.push_back(known["public_key"]);
  machine_threads_.emplace_back([this, id, machine] {
    std::string address;
    try {
      address = options_.start_machine(machine);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "digitalocean stand-in: the machine of %s did not start: %s\n", machine.name.c_str(),
                   e.what());
      return;
    }
    std::lock_guard lock(mutex_);
    if (auto found = droplets_.find(id); found != droplets_.end()) found->second.fields["machine_address"] = address;
    filter_machines();
  });
}

void DigitalOceanStandin::filter_machines() {
  if (!options_.filter_machine) return;
  auto live = [](const Droplet& droplet) { return !droplet.deleting && droplet.fields.contains("machine_address"); };
  auto tagged = [](const Droplet& droplet, const json& tags) {
    for (const auto& tag : droplet.fields["tags"])
      if (std::find(tags.begin(), tags.end(), tag) != tags.end()) return true;
    return false;
  };
  auto listed = [](const Droplet& droplet, const json& ids) {
    return std::find(ids.begin(), ids.end(), droplet.fields["id"]) != ids.end();
  };
  for (const auto& [id, droplet] : droplets_) {
    if (!live(droplet)) continue;
    json inbound = nullptr;
    for (const auto& [firewall_id, firewall] : firewalls_) {
      if (!tagged(droplet, firewall["tags"]) && !listed(droplet, firewall["droplet_ids"])) continue;
      if (inbound.is_null()) inbound = json::array();
      for (const auto& rule : firewall["inbound_rules"]) {
        const json& sources = rule.value("sources", json::object());
        json addresses = sources.value("addresses", json::array());
        for (const auto& [other_id, other] : droplets_)
          if (live(other) && (tagged(other, sources.value("tags", json::array())) ||
                              listed(other, sources.value("droplet_ids", json::array()))))
            addresses.push_back(other.fields["machine_address"]);
        inbound.push_back(
            {{"protocol", rule["protocol"]}, {"ports", rule.value("ports", "0")}, {"addresses", addresses}});
      }
    }
    auto [known, added] = filtered_.try_emplace(id, nullptr);
    if (!added && known->second == inbound) continue;
    known->second = inbound;
    try {
      options_.filter_machine(droplet.fields["name"], inbound);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "digitalocean stand-in: cannot filter the machine of %s: %s\n",
                   droplet.fields["name"].get<std::string>().c_str(), e.what());
    }
  }
  std::erase_if(filtered_, [&](const auto& entry) { return !droplets_.contains(entry.first); });
}

DigitalOceanStandin::Answer DigitalOceanStandin::droplet_action(Droplet& droplet, const json& body) {
  static const std::vector<std::string> kTypes{"power_on", "power_off", "shutdown", "reboot", "power_cycle"};
  std::string type = body.is_object() ? body.value("type", "") : "";
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end())
    return unprocessable("You specified an invalid action type.");
  auto now = Clock::now();
  bool on = type == "power_on" || type == "reboot" || type == "power_cycle";
  if (on != droplet.on) {
    droplet.on = on;
    droplet.powered = now;
    if (options_.power_machine)
      machine_threads_.emplace_back(options_.power_machine, std::string(droplet.fields["name"]), on);
  }
  long id = next_id_++;
  actions_[id] = {{{"id", id},
                   {"type", type},
                   {"started_at", iso_time(std::time(nullptr))},
                   {"resource_id", droplet.fields["id"]},
                   {"resource_type", "droplet"},
                   {"region", region_view(droplet.fields["region"])},
                   {"region_slug", droplet.fields["region"]}},
                  now};
  return {201, {{"action", action_view(actions_[id], now)}}, {}};
}

}  // namespace rsm::testing

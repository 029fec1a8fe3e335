// The V1_0 handshake against what a real RethinkDB 2.4.4 sent (../shared/fixtures/reql/
// handshake): from the recorded client nonce we must write the recorded client bytes
// exactly, accept the recorded server signatures, and turn every recorded refusal into
// the right error.
#include "reql/handshake.h"

#include <gtest/gtest.h>

#include "reql/base64.h"
#include "reql/errors.h"
#include "reql/frame.h"
#include "support/fixtures.h"

using namespace reql;
using nlohmann::json;

namespace {

struct Replay {
  std::string sent;   // every byte the client wrote
  std::string error;  // what() of the exception that ended it, if any
  bool auth_error = false;
  int code = -1;
  bool done = false;
};

// Runs a handshake against the recorded server stream, message by message.
Replay replay(const json& recording, const std::string& s2c_stream) {
  Replay result;
  Handshake handshake(recording["user"], recording["password"], recording["client_nonce"]);
  NulSplitter server;
  server.feed(s2c_stream);
  try {
    result.sent = handshake.start();
    for (std::string message; !handshake.done() && server.next(message);) result.sent += handshake.on_message(message);
  } catch (const AuthError& e) {
    result.error = e.what();
    result.auth_error = true;
    result.code = e.code();
  } catch (const Error& e) {
    result.error = e.what();
  }
  result.done = handshake.done();
  return result;
}

std::string stream(const json& recording, const char* key) { return base64_decode(recording[key].get<std::string>()); }

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

}  // namespace

TEST(HandshakeReplay, ReproducesTheClientBytesAndAcceptsTheServer) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  for (const char* name : {"admin_empty_password.json", "admin_pipelined.json", "bob_scram.json"}) {
    SCOPED_TRACE(name);
    json recording = rsm::testing::read_json(fixtures / "handshake" / name);
    ASSERT_TRUE(recording["server_signature_verified"].get<bool>());
    Replay result = replay(recording, stream(recording, "s2c_stream_b64"));
    ASSERT_EQ(result.error, "");
    EXPECT_TRUE(result.done);
    // Each recorded client message, byte for byte, in order. Messages give their bytes
    // in base64, or as JSON text ended by a NUL.
    std::string expected;
    for (const auto& message : recording["messages"]) {
      if (message["dir"] != "c2s") continue;
      if (message.contains("bytes_b64"))
        expected += base64_decode(message["bytes_b64"].get<std::string>());
      else
        expected += message["text"].get<std::string>() + '\0';
    }
    EXPECT_EQ(result.sent, expected);
    // The whole recorded client stream is the handshake, then any first query frame.
    std::string whole = stream(recording, "c2s_stream_b64");
    EXPECT_EQ(whole.substr(0, result.sent.size()), result.sent);
    if (recording.contains("first_query_after_handshake")) {
      EXPECT_EQ(whole.substr(result.sent.size()),
                from_hex(recording["first_query_after_handshake"]["frame_hex"].get<std::string>()));
    }
  }
}

TEST(HandshakeReplay, RejectsAForgedServerSignature) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  for (const char* name : {"admin_empty_password.json", "bob_scram.json"}) {
    SCOPED_TRACE(name);
    json recording = rsm::testing::read_json(fixtures / "handshake" / name);
    std::string signature = recording["scram"]["server_signature_b64"];
    std::string s2c = stream(recording, "s2c_stream_b64");
    auto at = s2c.find(signature);
    ASSERT_NE(at, std::string::npos);
    // Flip one bit of the signature: same length, still valid base64.
    std::string forged_signature = base64_decode(signature);
    forged_signature[5] = static_cast<char>(forged_signature[5] ^ 0x10);
    s2c.replace(at, signature.size(), base64_encode(forged_signature));
    Replay result = replay(recording, s2c);
    EXPECT_TRUE(result.auth_error) << result.error;
    EXPECT_FALSE(result.done);
  }
}

TEST(HandshakeReplay, TurnsEveryAuthRefusalIntoAnAuthErrorWithTheServersWords) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json recording = rsm::testing::read_json(fixtures / "handshake" / "auth_errors.json");
  ASSERT_GE(recording["cases"].size(), 4u);
  for (const auto& recorded : recording["cases"]) {
    std::string name = recorded["name"];
    SCOPED_TRACE(name);
    Replay result = replay(recorded, stream(recorded, "s2c_stream_b64"));
    EXPECT_TRUE(result.auth_error) << result.error;
    EXPECT_EQ(result.code, recorded["error"]["error_code"].get<int>());
    EXPECT_EQ(result.error, recorded["error"]["error"].get<std::string>());
    // The recorder crafted a bad proof for bad_proof_encoding; every other case is ours.
    if (name != "bad_proof_encoding") {
      EXPECT_EQ(result.sent, stream(recorded, "c2s_stream_b64"));
    }
  }
}

TEST(HandshakeReplay, ReportsServersThatRefuseTheProtocol) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json recording = rsm::testing::read_json(fixtures / "handshake" / "protocol_errors.json");
  for (const auto& recorded : recording["cases"]) {
    std::string name = recorded["name"];
    SCOPED_TRACE(name);
    std::string s2c = recorded.contains("received_b64") ? base64_decode(recorded["received_b64"].get<std::string>())
                                                        : stream(recorded, "s2c_stream_b64");
    json as_admin{{"user", "admin"}, {"password", ""}, {"client_nonce", "AAECAwQFBgcICQoLDA0ODxAR"}};
    Replay result = replay(as_admin, s2c);
    EXPECT_FALSE(result.done);
    EXPECT_FALSE(result.auth_error) << result.error;
    if (recorded.contains("received_text")) {
      EXPECT_NE(result.error.find("unsupported protocol version"), std::string::npos) << result.error;
    } else {
      EXPECT_NE(result.error.find(recorded["error"]["error"].get<std::string>()), std::string::npos) << result.error;
    }
  }
}

TEST(HandshakeReplay, TheFirstQueryFrameMatchesTheRecording) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json recording = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  const auto& first = recording["first_query_after_handshake"];
  auto hex = [](const std::string& bytes) {
    std::string out;
    for (unsigned char c : bytes) out += "0123456789abcdef"[c >> 4], out += "0123456789abcdef"[c & 15];
    return out;
  };
  EXPECT_EQ(hex(encode_frame(1, "[1,\"ok\"]")), first["frame_hex"].get<std::string>());
  // The response header says token 1 and the length of the recorded answer.
  std::string header = from_hex(first["response_header_hex"]);
  FrameReader reader;
  reader.feed(header + first["response"].get<std::string>());
  std::vector<Frame> frames;
  ASSERT_EQ(reader.drain(frames), 1u);
  EXPECT_EQ(frames[0].token, 1u);
  EXPECT_EQ(frames[0].json, first["response"].get<std::string>());
}

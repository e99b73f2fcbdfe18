// cloud-init user-data is where passwords and keys go, as text: a seed
// volume's spec holds the file's content, so all of it is masked.

#include "planner/sensitive.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using virtplan::planner::is_sensitive_path;
using virtplan::planner::mask_sensitive;

TEST_CASE("cloud-init user_data is masked whole, in a seed volume's spec and at its path") {
  json spec = {
      {"pool", "images"},
      {"cloud_init", {{"user_data", "#cloud-config\nchpasswd: {list: 'root:x'}\n"}, {"sha256", "ab12"}}}};
  CHECK(mask_sensitive(spec) ==
        json{{"pool", "images"}, {"cloud_init", {{"user_data", "(sensitive)"}, {"sha256", "ab12"}}}});
  CHECK(is_sensitive_path("/cloud_init/user_data"));
  CHECK_FALSE(is_sensitive_path("/cloud_init/sha256"));
}

// network-config carries Wi-Fi passphrases, meta-data tokens: as text in a
// seed's spec (under no key that says "password") or as maps in a domain's.
TEST_CASE("every cloud-init input is masked whole: meta_data and network_config too") {
  const json seed = {
      {"pool", "images"},
      {"cloud_init",
       {{"user_data", "#cloud-config\n"},
        {"network_config", "wifis:\n  wlan0:\n    access-points:\n      home: {pass: wifi-key}\n"},
        {"meta_data", "\"vault\": \"s3cr3t-metadata\"\n"},
        {"hostname", "web"},
        {"sha256", "ab12"}}}};
  const json masked = mask_sensitive(seed);
  CHECK(masked.dump().find("wifi-key") == std::string::npos);
  CHECK(masked.dump().find("s3cr3t-metadata") == std::string::npos);
  CHECK(masked == json{{"pool", "images"},
                       {"cloud_init",
                        {{"user_data", "(sensitive)"},
                         {"network_config", "(sensitive)"},
                         {"meta_data", "(sensitive)"},
                         {"hostname", "web"},
                         {"sha256", "ab12"}}}});
  const json domain = {
      {"cloud_init", {{"meta_data", {{"vault", "s3cr3t-metadata"}}}, {"user_data", "u.yaml"}}}};
  CHECK(mask_sensitive(domain) ==
        json{{"cloud_init", {{"meta_data", "(sensitive)"}, {"user_data", "(sensitive)"}}}});
  for (const char* path : {"/cloud_init/meta_data", "/cloud_init/network_config",
                           "/cloud_init/meta_data/vault", "/cloud_init/network_config/wifis"}) {
    INFO(path);
    CHECK(is_sensitive_path(path));
  }
  CHECK_FALSE(is_sensitive_path("/cloud_init/hostname"));
}

// cloud-init user-data is where passwords and keys go, as text: a seed
// volume's spec holds the file's content, so all of it is masked.

#include "planner/sensitive.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using virtplan::planner::is_sensitive_path;
using virtplan::planner::mask_sensitive;

TEST_CASE("cloud-init user_data is masked whole, in a seed volume's spec and at its path") {
  json spec = {{"pool", "images"},
               {"cloud_init", {{"user_data", "#cloud-config\nchpasswd: {list: 'root:x'}\n"}, {"sha256", "ab12"}}}};
  CHECK(mask_sensitive(spec) ==
        json{{"pool", "images"}, {"cloud_init", {{"user_data", "(sensitive)"}, {"sha256", "ab12"}}}});
  CHECK(is_sensitive_path("/cloud_init/user_data"));
  CHECK_FALSE(is_sensitive_path("/cloud_init/sha256"));
}

#include "providers/base/stack_yaml.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

using nlohmann::json;

TEST_CASE("stack_yaml writes block YAML and quotes strings YAML would misread") {
  const json tree = {{"domains",
                      {{"web",
                        {{"host", "lab1"},
                         {"memory", "256MiB"},
                         {"vcpus", 2},
                         {"autostart", true},
                         {"title", "yes"},
                         {"nodeset", "0"},
                         {"interfaces", {{{"mac", "52:54:00:00:00:10"}}}},
                         {"cpu", {{"pin", {{"0", 2}}}}}}}}}};
  const std::string text = stack_yaml(tree);
  CHECK(text ==
        "domains:\n"
        "  web:\n"
        "    autostart: true\n"
        "    cpu:\n"
        "      pin:\n"
        "        0: 2\n"
        "    host: lab1\n"
        "    interfaces:\n"
        "      - mac: \"52:54:00:00:00:10\"\n"
        "    memory: 256MiB\n"
        "    nodeset: \"0\"\n"
        "    title: \"yes\"\n"
        "    vcpus: 2\n");
  const YAML::Node back = YAML::Load(text);
  CHECK(back["domains"]["web"]["title"].Tag() == "!");  // quoted: a string, not a boolean
  CHECK(back["domains"]["web"]["vcpus"].as<int>() == 2);
}

}  // namespace
}  // namespace virtplan::providers

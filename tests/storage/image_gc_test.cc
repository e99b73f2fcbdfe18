// `virtplan gc`'s reading of the host's answer and the names a stack keeps
// (storage/image_gc.h); the lab test runs the script itself.

#include "storage/image_gc.h"

#include <catch2/catch.hpp>

namespace virtplan::storage {
namespace {

using Action = CachedImageVerdict::Action;

TEST_CASE("image gc: a volume keeps its image's, its base's and its backing image's digest") {
  const std::string a(64, 'a'), b(128, 'b');
  CHECK(image_names({{"source_sha256", a}, {"backing_sha512", b}, {"format", "qcow2"}}) ==
        std::vector<std::string>{"sha256-" + a, "sha512-" + b});
  CHECK(image_names({{"base_sha256", a}}) == std::vector<std::string>{"sha256-" + a});
  CHECK(image_names({{"capacity", 1}}).empty());
}

TEST_CASE("image gc: each line of the host's answer, with why an image is kept") {
  auto images = image_gc::read_report(
      "keep sha256-a 10 named\nkeep sha256-b 20 ledger web.json\nkeep sha256-c 30 unrecorded\n"
      "keep sha256-d 40 others db web \nkeep sha256-e 50 open\nkeep sha256-f 60 locked\n"
      "remove sha256-g 70\nrelease sha256-h 80 db \nremoved sha256-i 90\n",
      "");
  REQUIRE(images);
  REQUIRE(images->size() == 9);
  CHECK((*images)[0] == CachedImageVerdict{"sha256-a", 10, Action::keep, "named by this stack"});
  CHECK((*images)[1].why == "in the ledger of stack web");
  CHECK((*images)[2].why == "no record of which stack fetched it");
  CHECK((*images)[3].why == "fetched by stack db web");
  CHECK((*images)[4].why == "open (a running domain reads it)");
  CHECK((*images)[5].why == "a fetch holds its lock");
  CHECK((*images)[6] == CachedImageVerdict{"sha256-g", 70, Action::remove, ""});
  CHECK((*images)[7] == CachedImageVerdict{"sha256-h", 80, Action::release, "still fetched by stack db"});
  CHECK((*images)[8].action == Action::removed);

  auto failed = image_gc::read_report("keep sha256-a 1 named\nerror cannot remove /c/sha256-b\n", "");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message() == "cannot remove /c/sha256-b");
  CHECK_FALSE(image_gc::read_report("", "sh: flock: not found"));
  CHECK(image_gc::read_report("", "")->empty());
}

}  // namespace
}  // namespace virtplan::storage

#include "providers/base/tar_archive.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using virtplan::providers::TarArchive;

namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("tar archive: GNU tar unpacks every file whole, empty and block-sized ones too") {
  const auto dir = std::filesystem::temp_directory_path() / ("vp-tar-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "out");
  const std::string block(512, 'x');
  TarArchive archive;
  archive.add("vpdoc0", "<domain><name>it's \"quoted\"</name></domain>\n");
  archive.add("vpdoc1", "");
  archive.add("vpdoc2", block);
  const std::string bytes = archive.bytes();
  CHECK(bytes.size() % 512 == 0);
  {
    std::ofstream out(dir / "a.tar", std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const std::string command =
      "tar -x --no-same-owner -C '" + (dir / "out").string() + "' -f '" + (dir / "a.tar").string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK(read(dir / "out" / "vpdoc0") == "<domain><name>it's \"quoted\"</name></domain>\n");
  CHECK(read(dir / "out" / "vpdoc1").empty());
  CHECK(read(dir / "out" / "vpdoc2") == block);
  CHECK((std::filesystem::status(dir / "out" / "vpdoc0").permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

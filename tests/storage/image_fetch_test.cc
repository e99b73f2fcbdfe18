// What the host's fetch script reports, read for a person: the cached image,
// a digest mismatch with both digests, download failures by cause, an image
// that reaches outside itself refused, and the progress line.

#include "storage/image_fetch.h"

#include <catch2/catch.hpp>

#include <cstdlib>

namespace virtplan::storage {
namespace {

using providers::ErrorCode;

const ImageRequest k_request{"http://10.231.1.1:8000/d.qcow2", {"sha256", std::string(64, 'a')}};

const char* k_qcow2_info = R"({
    "virtual-size": 67108864,
    "filename": "/var/lib/virtplan/cache/sha256-aaa",
    "cluster-size": 65536,
    "format": "qcow2",
    "actual-size": 200704,
    "format-specific": {"type": "qcow2", "data": {"compat": "1.1", "corrupt": false}},
    "dirty-flag": false
})";

TEST_CASE("fetch report: the image in the cache, its format and size, and the tool that fetched it") {
  const std::string out =
      "fetching curl\nprogress 100 200\nprogress 200 200\nunpacking xz\nimage "
      "/var/lib/virtplan/cache/sha256-aaa\n" +
      std::string(k_qcow2_info) + "\n";
  auto image = image_fetch::read_report(out, "", k_request);
  REQUIRE(image.has_value());
  CHECK(image->path == "/var/lib/virtplan/cache/sha256-aaa");
  CHECK(image->format == "qcow2");
  CHECK(image->virtual_size == 67108864);
  CHECK(image->tool == "curl");
  // cached already: no tool
  auto cached = image_fetch::read_report("image /c/sha256-aaa\n" + std::string(k_qcow2_info), "", k_request);
  REQUIRE(cached.has_value());
  CHECK(cached->tool.empty());
}

TEST_CASE("fetch report: a raw image's size is its virtual size") {
  auto image = image_fetch::read_report(
      R"(image /c/x
{"virtual-size": 1048576, "format": "raw", "actual-size": 4096})",
      "", k_request);
  REQUIRE(image.has_value());
  CHECK(image->size == 1048576);
}

TEST_CASE("fetch report: a digest mismatch names both digests and says the download is gone") {
  const std::string got(64, 'f');
  auto image =
      image_fetch::read_report("fetching curl\nprogress 5 5\nerror digest " + got + "\n", "", k_request);
  REQUIRE_FALSE(image.has_value());
  CHECK(image.error().code() == ErrorCode::invalid);
  CHECK(image.error().message() == "http://10.231.1.1:8000/d.qcow2 does not match its sha256: expected " +
                                       std::string(64, 'a') + ", got " + got + " (the download was deleted)");
}

TEST_CASE("fetch report: download failures say their cause") {
  auto not_there = image_fetch::read_report(
      "fetching curl\nerror fetch curl 22 curl: (22) The requested URL returned error: 404 \n", "",
      k_request);
  REQUIRE_FALSE(not_there.has_value());
  CHECK(not_there.error().code() == ErrorCode::not_found);
  CHECK(
      not_there.error().message() ==
      "cannot download http://10.231.1.1:8000/d.qcow2: the server has no such file (HTTP 404) (curl: curl: (22) "
      "The requested URL returned error: 404)");
  CHECK(image_fetch::download_error("curl", 6, "", "http://x.invalid/d").message() ==
        "cannot download http://x.invalid/d: cannot resolve the server's name (DNS)");
  CHECK(image_fetch::download_error("curl", 28, "", "u").code() == ErrorCode::timeout);
  CHECK(image_fetch::download_error("curl", 60, "", "u").message().contains("TLS"));
  CHECK(image_fetch::download_error("curl", 23, "", "u").message().contains("disk full"));
  CHECK(image_fetch::download_error("curl", 22, "returned error: 503", "u").message().contains("HTTP 503"));
  CHECK(image_fetch::download_error("wget", 8, "ERROR 404: Not Found.", "u").code() == ErrorCode::not_found);
  CHECK(image_fetch::download_error("wget", 4, "unable to resolve host address", "u")
            .message()
            .contains("DNS"));
  auto no_tool =
      image_fetch::read_report("error tool neither curl nor wget is installed on the host\n", "", k_request);
  REQUIRE_FALSE(no_tool.has_value());
  CHECK(no_tool.error().message() ==
        "cannot fetch http://10.231.1.1:8000/d.qcow2: neither curl nor wget is installed on the host");
  auto silent = image_fetch::read_report("", "sh: 1: flock: Permission denied\n", k_request);
  REQUIRE_FALSE(silent.has_value());
  CHECK(silent.error().message().contains("flock: Permission denied"));
}

TEST_CASE("fetch report: a stalled body names the stall and its limit, set by VIRTPLAN_STALL_TIMEOUT") {
  auto stalled =
      image_fetch::read_report("fetching curl\nprogress 5 10\nerror stall curl 3\n", "", k_request);
  REQUIRE_FALSE(stalled.has_value());
  CHECK(stalled.error().code() == ErrorCode::timeout);
  CHECK(stalled.error().message() ==
        "cannot download http://10.231.1.1:8000/d.qcow2: the server stalled mid-body (no byte for 3 s, curl "
        "gave up after its retries; the partial download was deleted)");
  unsetenv("VIRTPLAN_STALL_TIMEOUT");
  CHECK(stall_seconds() == 60);
  setenv("VIRTPLAN_STALL_TIMEOUT", "5", 1);
  CHECK(stall_seconds() == 5);
  for (const char* wrong : {"0", "-3", "5s", "x"}) {
    setenv("VIRTPLAN_STALL_TIMEOUT", wrong, 1);
    CHECK(stall_seconds() == 60);
  }
  unsetenv("VIRTPLAN_STALL_TIMEOUT");
}

TEST_CASE(
    "fetch retries: VIRTPLAN_FETCH_RETRIES sets how many times curl or wget tries again, 3 by default") {
  unsetenv("VIRTPLAN_FETCH_RETRIES");
  CHECK(fetch_retries() == 3);
  setenv("VIRTPLAN_FETCH_RETRIES", "0", 1);
  CHECK(fetch_retries() == 0);
  setenv("VIRTPLAN_FETCH_RETRIES", "10", 1);
  CHECK(fetch_retries() == 10);
  for (const char* wrong : {"", "11", "-1", "2x", "x"}) {
    setenv("VIRTPLAN_FETCH_RETRIES", wrong, 1);
    CHECK(fetch_retries() == 3);
  }
  unsetenv("VIRTPLAN_FETCH_RETRIES");
}

TEST_CASE("fetch report: an image with a backing file or a data file, or of another format, is refused") {
  auto backed = image_fetch::read_report(
      R"(image /c/x
{"virtual-size": 1, "format": "qcow2", "backing-filename": "/etc/shadow"})",
      "", k_request);
  REQUIRE_FALSE(backed.has_value());
  CHECK(backed.error().message().contains("names a backing file outside itself"));
  auto data_file = image_fetch::read_report(
      R"(image /c/x
{"virtual-size": 1, "format": "qcow2", "format-specific": {"type": "qcow2", "data": {"data-file": "/dev/sda"}}})",
      "", k_request);
  REQUIRE_FALSE(data_file.has_value());
  CHECK(data_file.error().message().contains("names a data file outside itself"));
  auto vmdk =
      image_fetch::read_report("image /c/x\n{\"virtual-size\": 1, \"format\": \"vmdk\"}", "", k_request);
  REQUIRE_FALSE(vmdk.has_value());
  CHECK(vmdk.error().message().contains("is vmdk; virtplan takes qcow2 or raw"));
}

TEST_CASE("fetch progress: bytes, total, rate and time left") {
  const auto start = std::chrono::steady_clock::time_point{};
  const image_fetch::Progress progress("d.qcow2", start);
  CHECK(progress.line(40 << 20, 100 << 20, start + std::chrono::seconds(4)) ==
        "downloading d.qcow2: 40 MiB of 100 MiB (40%), 10 MiB/s, 6 s left");
  CHECK(progress.line(40 << 20, 0, start + std::chrono::seconds(4)) ==
        "downloading d.qcow2: 40 MiB, 10 MiB/s");
}

}  // namespace
}  // namespace virtplan::storage

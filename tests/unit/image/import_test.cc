// Import from OCI layouts (dir and tar), docker archives; verification; the reference table.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "common/file_util.h"
#include "common/process.h"
#include "image_test_fixture.h"

namespace gantry::image {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using gantry::testing::BuildBusyboxDockerArchive;
using gantry::testing::BuildBusyboxOciLayout;
using gantry::testing::BuildOciLayout;
using gantry::testing::ExtraLayer;
using gantry::testing::LayerEntry;

std::string Hex(const std::string& digest) { return digest.substr(7); }

std::vector<std::string> DirNames(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

class ImportTest : public ImageTest {};

TEST_F(ImportTest, OciLayoutDirectory) {
  auto digest = BuildBusyboxOciLayout(tmp_.Sub("oci"), "busybox:latest");
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  auto info = store_->Import(tmp_.Sub("oci"), std::nullopt);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->reference, "busybox:latest");
  EXPECT_EQ(info->manifest_digest, *digest);
  ASSERT_EQ(info->layer_digests.size(), 1u);
  EXPECT_GT(info->size_bytes, 100000);
  EXPECT_GT(info->created_ms, 0);
  EXPECT_EQ(info->config.cmd, std::vector<std::string>{"sh"});
  ASSERT_EQ(info->config.env.size(), 1u);
  EXPECT_TRUE(info->config.env[0].starts_with("PATH="));

  // Blobs stored under their digests, layer unpacked once with applets and ownership.
  for (const auto& d : {info->manifest_digest, info->config_digest, info->layer_digests[0]}) {
    EXPECT_TRUE(PathExists(StoreRoot() + "/blobs/sha256/" + Hex(d))) << d;
  }
  const std::string layer = StoreRoot() + "/layers/" + Hex(info->layer_digests[0]);
  struct stat st;
  ASSERT_EQ(::stat((layer + "/bin/busybox").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::lstat((layer + "/bin/sh").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::stat((layer + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  EXPECT_EQ(st.st_mtime, 1700000000);
  EXPECT_EQ(DirNames(StoreRoot() + "/layers").size(), 1u);  // no temporaries left

  auto resolved = store_->Resolve("busybox");
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved->manifest_digest, *digest);
  auto by_digest = store_->Resolve(*digest);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->reference, "busybox:latest");
  auto by_name_digest = store_->Resolve("busybox@" + *digest);
  ASSERT_TRUE(by_name_digest.ok()) << by_name_digest.error().message;
}

TEST_F(ImportTest, ExplicitTagWinsAndConfigFieldsParsed) {
  gantry::testing::TestImageConfig config;
  config.entrypoint = {"/bin/busybox", "echo"};
  config.cmd = {"hello"};
  config.env = {"A=1", "B=two"};
  config.working_dir = "/tmp";
  config.user = "65534:65534";
  auto base = gantry::testing::BusyboxRootfsEntries();
  ASSERT_TRUE(base.ok());
  ASSERT_TRUE(BuildOciLayout(tmp_.Sub("oci"), "ignored:1", {ExtraLayer{*base}}, config).ok());
  auto info = store_->Import(tmp_.Sub("oci"), "localhost:5000/team/app");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->reference, "localhost:5000/team/app:latest");
  EXPECT_EQ(info->config.entrypoint, (std::vector<std::string>{"/bin/busybox", "echo"}));
  EXPECT_EQ(info->config.cmd, std::vector<std::string>{"hello"});
  EXPECT_EQ(info->config.env, (std::vector<std::string>{"A=1", "B=two"}));
  EXPECT_EQ(info->config.working_dir, "/tmp");
  EXPECT_EQ(info->config.user, "65534:65534");
  EXPECT_FALSE(store_->Resolve("ignored:1").ok());
}

TEST_F(ImportTest, OciArchiveFromSkopeo) {
  if (!PathExists("/usr/bin/skopeo")) GTEST_SKIP() << "skopeo not installed";
  auto digest = BuildBusyboxOciLayout(tmp_.Sub("oci"), "busybox:latest");
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  auto copy = RunProcess({.argv = {"/usr/bin/skopeo", "--insecure-policy", "copy", "--quiet",
                                   "oci:" + tmp_.Sub("oci") + ":busybox:latest",
                                   "oci-archive:" + tmp_.Sub("img.tar") + ":busybox:1.0"}});
  ASSERT_TRUE(copy.ok());
  ASSERT_EQ(copy->exit_code, 0) << copy->err;
  auto info = store_->Import(tmp_.Sub("img.tar"), std::nullopt);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->reference, "busybox:1.0");
  EXPECT_EQ(info->layer_digests.size(), 1u);
  EXPECT_EQ(info->config.cmd, std::vector<std::string>{"sh"});
  EXPECT_TRUE(DirNames(StoreRoot() + "/tmp").empty());  // staging removed
}

TEST_F(ImportTest, OciArchivePackedWithLibarchive) {
  auto digest = BuildBusyboxOciLayout(tmp_.Sub("oci"), "packed:v1");
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  ASSERT_TRUE(gantry::testing::PackDirectoryAsTar(tmp_.Sub("oci"), tmp_.Sub("oci.tar")).ok());
  auto info = store_->Import(tmp_.Sub("oci.tar"), std::nullopt);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->reference, "packed:v1");
  EXPECT_EQ(info->manifest_digest, *digest);
  EXPECT_TRUE(DirNames(StoreRoot() + "/tmp").empty());
}

TEST_F(ImportTest, DockerArchive) {
  auto config_digest = BuildBusyboxDockerArchive(
      tmp_.Sub("docker.tar"), "busybox:1.36",
      {ExtraLayer{{LayerEntry::File("etc/motd", "hi\n")}}});
  ASSERT_TRUE(config_digest.ok()) << config_digest.error().message;
  auto info = store_->Import(tmp_.Sub("docker.tar"), std::nullopt);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->reference, "busybox:1.36");
  EXPECT_EQ(info->config_digest, *config_digest);
  ASSERT_EQ(info->layer_digests.size(), 2u);
  EXPECT_EQ(info->config.cmd, std::vector<std::string>{"sh"});
  // The synthesized manifest is stored and hashes to the recorded digest.
  auto manifest = ReadFile(StoreRoot() + "/blobs/sha256/" + Hex(info->manifest_digest));
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(gantry::testing::Sha256Digest(*manifest), info->manifest_digest);
  EXPECT_NE(manifest->find("application/vnd.oci.image.layer.v1.tar\""), std::string::npos);
  EXPECT_TRUE(PathExists(StoreRoot() + "/layers/" + Hex(info->layer_digests[1]) + "/etc/motd"));

  // Same archive again: same manifest digest (deterministic synthesis), nothing re-unpacked.
  auto again = store_->Import(tmp_.Sub("docker.tar"), "copy");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->manifest_digest, info->manifest_digest);
  EXPECT_EQ(DirNames(StoreRoot() + "/layers").size(), 2u);
}

TEST_F(ImportTest, DockerArchiveWithoutNameNeedsTag) {
  ASSERT_TRUE(BuildBusyboxDockerArchive(tmp_.Sub("docker.tar"), "").ok());
  auto info = store_->Import(tmp_.Sub("docker.tar"), std::nullopt);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(info.error().message.find("pass --tag"), std::string::npos) << info.error().message;
  EXPECT_TRUE(store_->Import(tmp_.Sub("docker.tar"), "named").ok());
  EXPECT_TRUE(store_->Resolve("named:latest").ok());
}

TEST_F(ImportTest, OciLayoutWithoutNameNeedsTag) {
  ASSERT_TRUE(BuildBusyboxOciLayout(tmp_.Sub("oci"), "").ok());
  auto info = store_->Import(tmp_.Sub("oci"), std::nullopt);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("pass --tag"), std::string::npos) << info.error().message;
}

TEST_F(ImportTest, PicksManifestByRefNameAmongSeveral) {
  const std::string dir = tmp_.Sub("oci");
  auto a = BuildBusyboxOciLayout(dir, "multi:a", {ExtraLayer{{LayerEntry::File("which", "a")}}});
  ASSERT_TRUE(a.ok());
  auto index_a = ReadFile(dir + "/index.json");
  auto b = BuildBusyboxOciLayout(dir, "multi:b", {ExtraLayer{{LayerEntry::File("which", "b")}}});
  ASSERT_TRUE(b.ok());
  auto index_b = ReadFile(dir + "/index.json");
  json::value merged = json::parse(*index_a);
  merged.as_object()["manifests"].as_array().push_back(
      json::parse(*index_b).as_object()["manifests"].as_array()[0]);
  ASSERT_TRUE(WriteFileAtomic(dir + "/index.json", json::serialize(merged)).ok());

  auto got_b = store_->Import(dir, "multi:b");
  ASSERT_TRUE(got_b.ok()) << got_b.error().message;
  EXPECT_EQ(got_b->manifest_digest, *b);
  auto got_first = store_->Import(dir, std::nullopt);
  ASSERT_TRUE(got_first.ok()) << got_first.error().message;
  EXPECT_EQ(got_first->manifest_digest, *a);
  EXPECT_EQ(got_first->reference, "multi:a");
}

TEST_F(ImportTest, IndexPointingToImageIndexPicksLinuxAmd64) {
  const std::string dir = tmp_.Sub("oci");
  auto digest = BuildBusyboxOciLayout(dir, "");
  ASSERT_TRUE(digest.ok());
  json::value top = json::parse(*ReadFile(dir + "/index.json"));
  json::object amd64 = top.as_object()["manifests"].as_array()[0].as_object();
  amd64["platform"] = json::object{{"os", "linux"}, {"architecture", "amd64"}};
  json::object arm64{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"digest", "sha256:" + std::string(64, 'a')},
                     {"size", 10},
                     {"platform", json::object{{"os", "linux"}, {"architecture", "arm64"}}}};
  json::object nested{{"schemaVersion", 2},
                      {"mediaType", "application/vnd.oci.image.index.v1+json"},
                      {"manifests", json::array{arm64, amd64}}};
  std::string nested_text = json::serialize(nested);
  std::string nested_digest = gantry::testing::Sha256Digest(nested_text);
  ASSERT_TRUE(WriteFileAtomic(dir + "/blobs/sha256/" + Hex(nested_digest), nested_text).ok());
  json::object top_desc{
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"digest", nested_digest},
      {"size", static_cast<int64_t>(nested_text.size())},
      {"annotations", json::object{{"org.opencontainers.image.ref.name", "multiarch:1"}}}};
  top.as_object()["manifests"] = json::array{top_desc};
  ASSERT_TRUE(WriteFileAtomic(dir + "/index.json", json::serialize(top)).ok());

  auto info = store_->Import(dir, std::nullopt);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->manifest_digest, *digest);
  EXPECT_EQ(info->reference, "multiarch:1");
}

TEST_F(ImportTest, DigestMismatchRejected) {
  const std::string dir = tmp_.Sub("oci");
  ASSERT_TRUE(BuildBusyboxOciLayout(dir, "bad:1").ok());
  auto manifest_text = ReadFile(dir + "/blobs/sha256/" +
                                Hex(std::string(json::parse(*ReadFile(dir + "/index.json"))
                                                    .at("manifests").at(0).at("digest")
                                                    .as_string())));
  ASSERT_TRUE(manifest_text.ok());
  std::string layer_digest(
      json::parse(*manifest_text).at("layers").at(0).at("digest").as_string());
  // Flip one byte of the layer blob, keeping its size.
  const std::string blob = dir + "/blobs/sha256/" + Hex(layer_digest);
  auto data = ReadFile(blob);
  ASSERT_TRUE(data.ok());
  (*data)[data->size() / 2] ^= 0x5a;
  ASSERT_TRUE(WriteFileAtomic(blob, *data).ok());

  auto info = store_->Import(dir, std::nullopt);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(info.error().message.find(layer_digest), std::string::npos) << info.error().message;
  EXPECT_NE(info.error().message.find("mismatch"), std::string::npos) << info.error().message;
  EXPECT_FALSE(PathExists(StoreRoot() + "/blobs/sha256/" + Hex(layer_digest)));
  EXPECT_TRUE(DirNames(StoreRoot() + "/layers").empty());
  EXPECT_TRUE(DirNames(StoreRoot() + "/tmp").empty());
  EXPECT_FALSE(store_->Resolve("bad:1").ok());
}

TEST_F(ImportTest, TamperedManifestRejected) {
  const std::string dir = tmp_.Sub("oci");
  auto digest = BuildBusyboxOciLayout(dir, "bad:2");
  ASSERT_TRUE(digest.ok());
  const std::string path = dir + "/blobs/sha256/" + Hex(*digest);
  auto text = ReadFile(path);
  ASSERT_TRUE(WriteFileAtomic(path, *text + " ").ok());
  auto info = store_->Import(dir, std::nullopt);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(info.error().message.find(*digest), std::string::npos) << info.error().message;
}

TEST_F(ImportTest, MissingSourcesAndReferences) {
  auto missing = store_->Import(tmp_.Sub("nope"), "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(MakeDirs(tmp_.Sub("empty")).ok());
  auto empty = store_->Import(tmp_.Sub("empty"), "x");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);

  ASSERT_TRUE(WriteFileAtomic(tmp_.Sub("junk.tar"), "not a tar at all").ok());
  auto junk = store_->Import(tmp_.Sub("junk.tar"), "x");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);

  auto resolved = store_->Resolve("ghost:1");
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kNotFound);
  EXPECT_NE(resolved.error().message.find("ghost:1"), std::string::npos);
  auto removed = store_->Remove("ghost");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, ErrorCode::kNotFound);
}

TEST_F(ImportTest, RefsPersistAndRemove) {
  ASSERT_TRUE(BuildBusyboxOciLayout(tmp_.Sub("oci"), "keep:1").ok());
  ASSERT_TRUE(store_->Import(tmp_.Sub("oci"), std::nullopt).ok());
  ASSERT_TRUE(store_->Import(tmp_.Sub("oci"), "drop:1").ok());
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);

  ASSERT_TRUE(store_->Remove("drop:1").ok());
  EXPECT_EQ(store_->Resolve("drop:1").error().code, ErrorCode::kNotFound);

  store_.reset();
  auto reopened = OpenImageStore(StoreRoot());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  store_ = std::move(*reopened);
  auto keep = store_->Resolve("keep:1");
  ASSERT_TRUE(keep.ok());
  EXPECT_EQ(keep->config.cmd, std::vector<std::string>{"sh"});
  EXPECT_FALSE(store_->Resolve("drop:1").ok());
  EXPECT_EQ(store_->List()->size(), 1u);
}

TEST_F(ImportTest, ConcurrentImportsShareLayers) {
  ASSERT_TRUE(BuildBusyboxOciLayout(tmp_.Sub("oci"), "con:1").ok());
  ASSERT_TRUE(BuildBusyboxDockerArchive(tmp_.Sub("d.tar"), "dock:1").ok());
  constexpr int kThreads = 6;
  std::vector<std::optional<Result<ImageInfo>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string tag = "con:" + std::to_string(i);
      results[i].emplace(i % 2 ? store_->Import(tmp_.Sub("oci"), tag)
                               : store_->Import(tmp_.Sub("d.tar"), tag));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> layers;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(results[i]->ok()) << results[i]->error().message;
    for (const auto& l : (*results[i])->layer_digests) layers.insert(l);
  }
  EXPECT_EQ(store_->List()->size(), static_cast<size_t>(kThreads));
  // One dir per distinct layer (gzip and plain busybox layers differ), no temporaries.
  EXPECT_EQ(DirNames(StoreRoot() + "/layers").size(), layers.size());
  EXPECT_TRUE(DirNames(StoreRoot() + "/tmp").empty());
}

}  // namespace
}  // namespace gantry::image

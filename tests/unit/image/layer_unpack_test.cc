// Layer extraction: overlayfs whiteout form, metadata, and confinement of hostile archives.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <filesystem>

#include "common/file_util.h"
#include "image/layer_unpacker.h"
#include "image_test_fixture.h"

namespace gantry::image {
namespace {

namespace fs = std::filesystem;
using gantry::testing::BuildLayer;
using gantry::testing::LayerCompression;
using gantry::testing::LayerEntry;

class LayerUnpackTest : public ImageTest {
 protected:
  void SetUp() override {
    ImageTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(MakeDirs(tmp_.Sub("outside")).ok());
    ASSERT_TRUE(WriteFileAtomic(tmp_.Sub("outside/secret"), "original").ok());
  }

  // Imports an image whose only layer holds `entries`; returns the result.
  Result<ImageInfo> ImportLayer(const std::vector<LayerEntry>& entries,
                                LayerCompression c = LayerCompression::kGzip) {
    auto digest = gantry::testing::BuildOciLayout(tmp_.Sub("oci"), "hostile:1", {{entries, c}},
                                                  gantry::testing::BusyboxConfig());
    if (!digest.ok()) return std::move(digest).error();
    return store_->Import(tmp_.Sub("oci"), std::nullopt);
  }

  // Nothing but our own files outside the store and the layout.
  void ExpectNothingEscaped() {
    EXPECT_EQ(*ReadFile(tmp_.Sub("outside/secret")), "original");
    for (const auto& e : fs::recursive_directory_iterator(tmp_.path())) {
      EXPECT_EQ(e.path().filename().string().find("evil"), std::string::npos) << e.path();
    }
    for (const auto& e : fs::directory_iterator(StoreRoot() + "/layers")) {
      ADD_FAILURE() << "layer dir left behind: " << e.path();
    }
  }
};

TEST_F(LayerUnpackTest, DotDotRejected) {
  auto info = ImportLayer({LayerEntry::File("../evil", "x"), LayerEntry::File("ok", "y")});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(info.error().message.find("../evil"), std::string::npos) << info.error().message;
  ExpectNothingEscaped();
  info = ImportLayer({LayerEntry::File("a/../../../../evil", "x")});
  ASSERT_FALSE(info.ok());
  ExpectNothingEscaped();
}

TEST_F(LayerUnpackTest, WriteThroughSymlinkRejected) {
  for (const std::string& target : {tmp_.Sub("outside"), std::string("../../../../outside")}) {
    auto info = ImportLayer({LayerEntry::Symlink("link", target),
                             LayerEntry::File("link/evil", "x"),
                             LayerEntry::File("link/secret", "overwritten")});
    ASSERT_FALSE(info.ok()) << target;
    EXPECT_EQ(info.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(info.error().message.find("link/evil"), std::string::npos) << info.error().message;
    ExpectNothingEscaped();
  }
}

TEST_F(LayerUnpackTest, HardlinkEscapesRejected) {
  auto up = ImportLayer({LayerEntry::Hardlink("evil", "../../outside/secret")});
  ASSERT_FALSE(up.ok());
  ExpectNothingEscaped();
  auto via_symlink = ImportLayer({LayerEntry::Symlink("s", tmp_.Sub("outside")),
                                  LayerEntry::Hardlink("evil", "s/secret"),
                                  LayerEntry::File("evil", "overwritten")});
  ASSERT_FALSE(via_symlink.ok());
  EXPECT_EQ(via_symlink.error().code, ErrorCode::kInvalidArgument);
  ExpectNothingEscaped();
}

TEST_F(LayerUnpackTest, AbsolutePathsLandUnderTheLayerRoot) {
  const std::string host_name = "/etc/gantry-abs-" + fs::path(tmp_.path()).filename().string();
  auto info = ImportLayer({LayerEntry::File(host_name, "inside"),
                           LayerEntry::Hardlink("hl", host_name)});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_FALSE(PathExists(host_name));
  const std::string layer =
      StoreRoot() + "/layers/" + info->layer_digests[0].substr(7);
  EXPECT_EQ(*ReadFile(layer + host_name), "inside");
  EXPECT_EQ(*ReadFile(layer + "/hl"), "inside");
}

TEST_F(LayerUnpackTest, WhiteoutsBecomeOverlayForm) {
  auto dir = tmp_.Sub("layer");
  ASSERT_TRUE(MakeDirs(dir).ok());
  auto layer = BuildLayer({LayerEntry::Dir("etc"), LayerEntry::Whiteout("etc/group"),
                           LayerEntry::Whiteout("top"), LayerEntry::Dir("opq", 0711),
                           LayerEntry::Opaque("opq"), LayerEntry::File("opq/new", "n"),
                           LayerEntry::Opaque("deep/er")},
                          LayerCompression::kZstd);
  ASSERT_TRUE(layer.ok()) << layer.error().message;
  ASSERT_TRUE(WriteFileAtomic(tmp_.Sub("layer.tar.zst"), layer->blob).ok());
  auto r = UnpackLayer(tmp_.Sub("layer.tar.zst"), dir, "test layer");
  ASSERT_TRUE(r.ok()) << r.error().message;

  for (const auto& p : {dir + "/etc/group", dir + "/top"}) {
    struct stat st;
    ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << p;
    EXPECT_EQ(st.st_rdev, makedev(0, 0)) << p;
  }
  for (const auto& p : {dir + "/opq", dir + "/deep/er"}) {
    char value[8] = {};
    ASSERT_EQ(::lgetxattr(p.c_str(), "trusted.overlay.opaque", value, sizeof value), 1) << p;
    EXPECT_EQ(value[0], 'y');
  }
  struct stat st;
  ASSERT_EQ(::stat((dir + "/opq").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
  EXPECT_EQ(*ReadFile(dir + "/opq/new"), "n");
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".wh.")) << e.path();
  }
}

TEST_F(LayerUnpackTest, OwnershipAndModesPreserved) {
  auto f = LayerEntry::File("srv/data", "d", 04750);
  f.uid = 1234;
  f.gid = 5678;
  auto d = LayerEntry::Dir("srv", 0750);
  d.uid = 65534;
  d.gid = 65534;
  auto info = ImportLayer({d, f}, LayerCompression::kNone);
  ASSERT_TRUE(info.ok()) << info.error().message;
  const std::string layer = StoreRoot() + "/layers/" + info->layer_digests[0].substr(7);
  struct stat st;
  ASSERT_EQ(::stat((layer + "/srv/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 04750u);
  ASSERT_EQ(::stat((layer + "/srv").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
}

}  // namespace
}  // namespace gantry::image

// Task root filesystems: overlay mounts of unpacked layers, whiteouts seen through a real
// overlay, long lowerdir lists, and teardown that leaves no mounts.
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/fd.h"
#include "common/file_util.h"
#include "image_test_fixture.h"

namespace gantry::image {
namespace {

using gantry::testing::BuildBusyboxOciLayout;
using gantry::testing::ExtraLayer;
using gantry::testing::LayerEntry;
using gantry::testing::MountPointsUnder;

class RootfsMountTest : public ImageTest {
 protected:
  ImageInfo ImportBusybox(const std::vector<ExtraLayer>& extra, const std::string& ref) {
    auto d = BuildBusyboxOciLayout(tmp_.Sub("oci-" + ref), ref, extra);
    EXPECT_TRUE(d.ok()) << d.error().message;
    auto info = store_->Import(tmp_.Sub("oci-" + ref), std::nullopt);
    EXPECT_TRUE(info.ok()) << info.error().message;
    return info.ok() ? *info : ImageInfo{};
  }
};

TEST_F(RootfsMountTest, SingleLayerMountAndRelease) {
  ImageInfo info = ImportBusybox({}, "busybox:latest");
  ASSERT_EQ(info.layer_digests.size(), 1u);
  auto m = store_->MountRootfs(info, tmp_.Sub("task1"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->dir, tmp_.Sub("task1"));
  EXPECT_EQ(m->rootfs, tmp_.Sub("task1/rootfs"));
  EXPECT_EQ(MountPointsUnder(tmp_.path()), std::vector<std::string>{m->rootfs});
  EXPECT_TRUE(PathExists(m->rootfs + "/bin/busybox"));

  // Writes land in the private upper dir, never in the shared layer.
  ASSERT_TRUE(WriteFileAtomic(m->rootfs + "/tmp/written", "w").ok());
  EXPECT_TRUE(PathExists(m->dir + "/upper/tmp/written"));
  EXPECT_FALSE(PathExists(StoreRoot() + "/layers/" + info.layer_digests[0].substr(7) +
                          "/tmp/written"));

  auto again = store_->MountRootfs(info, tmp_.Sub("task1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);

  ASSERT_TRUE(store_->ReleaseRootfs(m->dir).ok());
  EXPECT_TRUE(MountPointsUnder(tmp_.path()).empty());
  EXPECT_FALSE(PathExists(m->dir));
  EXPECT_TRUE(store_->ReleaseRootfs(m->dir).ok());  // idempotent
  EXPECT_TRUE(store_->ReleaseRootfs(tmp_.Sub("never-mounted")).ok());
}

TEST_F(RootfsMountTest, WhiteoutAndOpaqueDirThroughOverlay) {
  ImageInfo info = ImportBusybox(
      {ExtraLayer{{LayerEntry::Dir("data"), LayerEntry::File("data/keep", "k"),
                   LayerEntry::File("data/gone", "g"), LayerEntry::Dir("opq"),
                   LayerEntry::File("opq/lower1", "l1"), LayerEntry::File("opq/lower2", "l2")}},
       ExtraLayer{{LayerEntry::Whiteout("data/gone"), LayerEntry::Whiteout("etc/group"),
                   LayerEntry::Dir("opq"), LayerEntry::Opaque("opq"),
                   LayerEntry::File("opq/upper1", "u1")}}},
      "layered:1");
  ASSERT_EQ(info.layer_digests.size(), 3u);
  auto m = store_->MountRootfs(info, tmp_.Sub("task"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  const std::string r = m->rootfs;
  EXPECT_EQ(*ReadFile(r + "/data/keep"), "k");
  EXPECT_FALSE(PathExists(r + "/data/gone"));   // deleted by layer 3
  EXPECT_FALSE(PathExists(r + "/etc/group"));   // deleted from the busybox layer
  EXPECT_TRUE(PathExists(r + "/etc/passwd"));
  EXPECT_FALSE(PathExists(r + "/opq/lower1"));  // hidden by the opaque dir
  EXPECT_FALSE(PathExists(r + "/opq/lower2"));
  EXPECT_EQ(*ReadFile(r + "/opq/upper1"), "u1");
  EXPECT_TRUE(PathExists(r + "/bin/busybox"));
  ASSERT_TRUE(store_->ReleaseRootfs(m->dir).ok());
  EXPECT_TRUE(MountPointsUnder(tmp_.path()).empty());
}

TEST_F(RootfsMountTest, ManyLayersExceedingOnePageOfOptions) {
  std::vector<ExtraLayer> extra;
  for (int i = 0; i < 70; ++i) {
    extra.push_back(ExtraLayer{{LayerEntry::File("f" + std::to_string(i), std::to_string(i))}});
  }
  extra.push_back(ExtraLayer{{LayerEntry::File("f0", "top")}});
  ImageInfo info = ImportBusybox(extra, "tall:1");
  ASSERT_EQ(info.layer_digests.size(), 72u);
  auto m = store_->MountRootfs(info, tmp_.Sub("tall"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(*ReadFile(m->rootfs + "/f0"), "top");  // top layer wins
  EXPECT_EQ(*ReadFile(m->rootfs + "/f69"), "69");
  EXPECT_TRUE(PathExists(m->rootfs + "/bin/busybox"));
  ASSERT_TRUE(store_->ReleaseRootfs(m->dir).ok());
  EXPECT_TRUE(MountPointsUnder(tmp_.path()).empty());
}

TEST_F(RootfsMountTest, ReleaseWhileBusyDetaches) {
  ImageInfo info = ImportBusybox({}, "busy:1");
  auto m = store_->MountRootfs(info, tmp_.Sub("busy"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  {
    // An open directory fd keeps the mount busy; release must still succeed.
    Fd held(::open((m->rootfs + "/bin").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(held.valid());
    ASSERT_TRUE(store_->ReleaseRootfs(m->dir).ok());
    EXPECT_TRUE(MountPointsUnder(tmp_.path()).empty());
  }
  EXPECT_FALSE(PathExists(m->dir));
}

TEST_F(RootfsMountTest, MountRecreatesMissingLayerDirFromBlob) {
  ImageInfo info = ImportBusybox({}, "again:1");
  const std::string layer = StoreRoot() + "/layers/" + info.layer_digests[0].substr(7);
  ASSERT_TRUE(RemoveTree(layer).ok());
  auto m = store_->MountRootfs(info, tmp_.Sub("t"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(PathExists(m->rootfs + "/bin/sh"));
  ASSERT_TRUE(store_->ReleaseRootfs(m->dir).ok());

  ImageInfo bogus = info;
  bogus.layer_digests = {"sha256:" + std::string(64, 'b')};
  auto bad = store_->MountRootfs(bogus, tmp_.Sub("t2"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(PathExists(tmp_.Sub("t2")));
}

}  // namespace
}  // namespace gantry::image

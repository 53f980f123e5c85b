// Shared fixture for the image tests: a temp dir (torn down with any mounts under it) holding a
// fresh store. These tests need root (mknod, trusted.* xattrs, mount).
#pragma once

#include <unistd.h>

#include <memory>

#include <gtest/gtest.h>

#include "image/image_store.h"
#include "support/temp_dir.h"
#include "support/test_images.h"

namespace gantry::image {

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto s = OpenImageStore(StoreRoot());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    EXPECT_TRUE(gantry::testing::MountPointsUnder(tmp_.path()).empty());
  }
  std::string StoreRoot() const { return tmp_.Sub("store"); }

  gantry::testing::TempDir tmp_;
  std::unique_ptr<ImageStore> store_;
};

}  // namespace gantry::image

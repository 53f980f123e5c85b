#include <gtest/gtest.h>

#include "image/image_store.h"
#include "image/reference.h"

namespace gantry::image {
namespace {

TEST(NormalizeReferenceTest, Table) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"busybox", "busybox:latest"},
      {"busybox:1.36", "busybox:1.36"},
      {"library/busybox", "library/busybox:latest"},
      {"localhost:5000/x", "localhost:5000/x:latest"},
      {"localhost:5000/x:1", "localhost:5000/x:1"},
      {"registry.example.com/a/b", "registry.example.com/a/b:latest"},
      {"busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(NormalizeReference(c.in), c.want) << c.in;
}

TEST(ReferenceMatchesTest, AnnotationForms) {
  EXPECT_TRUE(ReferenceMatches("busybox:latest", "busybox"));
  EXPECT_TRUE(ReferenceMatches("busybox", "busybox:latest"));
  EXPECT_TRUE(ReferenceMatches("v2", "img:v2"));  // skopeo writes only the tag
  EXPECT_FALSE(ReferenceMatches("v1", "img:v2"));
  EXPECT_FALSE(ReferenceMatches("other:latest", "busybox"));
  EXPECT_EQ(TagOf("localhost:5000/x"), "");
  EXPECT_EQ(TagOf("localhost:5000/x:7"), "7");
}

}  // namespace
}  // namespace gantry::image

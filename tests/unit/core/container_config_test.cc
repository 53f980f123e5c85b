#include <gtest/gtest.h>

#include "agent/container_config.h"

namespace gantry::agent {
namespace {

model::ContainerDefinition Def() {
  model::ContainerDefinition d;
  d.name = "main";
  d.image = "img";
  return d;
}

TEST(ContainerConfigTest, ImageDefaultsApply) {
  image::ImageConfig img{{"/entry"}, {"arg"}, {"PATH=/bin", "A=img"}, "/work", "nobody"};
  auto r = ResolveContainer(img, Def(), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->args, (std::vector<std::string>{"/entry", "arg"}));
  EXPECT_EQ(r->cwd, "/work");
  EXPECT_EQ(r->user, "nobody");
  EXPECT_EQ(r->env, (std::vector<std::string>{"PATH=/bin", "A=img"}));
  EXPECT_EQ(r->stop_timeout_s, 30);
}

TEST(ContainerConfigTest, DefinitionAndOverrideLayering) {
  image::ImageConfig img{{"/entry"}, {"arg"}, {"A=img", "B=img"}, "", ""};
  auto d = Def();
  d.command = std::vector<std::string>{"def"};
  d.environment = {{"B", "def"}, {"C", "def"}};
  d.memory = 64;
  d.memory_reservation = 32;
  d.cpu = 128;
  d.stop_timeout = 5;
  model::ContainerOverride ov;
  ov.name = "main";
  ov.command = std::vector<std::string>{"over", "ride"};
  ov.environment = {{"C", "ov"}};
  ov.memory = 128;
  auto r = ResolveContainer(img, d, &ov);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->args, (std::vector<std::string>{"/entry", "over", "ride"}));
  EXPECT_EQ(r->env[0], "A=img");
  EXPECT_EQ(r->env[1], "B=def");
  EXPECT_EQ(r->env[2], "C=ov");
  EXPECT_EQ(r->memory_limit_bytes, 128 * 1024 * 1024);
  EXPECT_EQ(r->memory_reservation_bytes, 32 * 1024 * 1024);
  EXPECT_EQ(r->cpu_shares, 128);
  EXPECT_EQ(r->cwd, "/");
  EXPECT_EQ(r->stop_timeout_s, 5);
}

TEST(ContainerConfigTest, EntryPointDropsImageCmd) {
  image::ImageConfig img{{"/entry"}, {"imgcmd"}, {}, "", ""};
  auto d = Def();
  d.entry_point = std::vector<std::string>{"/bin/sh", "-c"};
  auto r = ResolveContainer(img, d, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->args, (std::vector<std::string>{"/bin/sh", "-c"}));
}

TEST(ContainerConfigTest, NoCommandAnywhereIsAnError) {
  image::ImageConfig img;
  auto r = ResolveContainer(img, Def(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("CannotStartContainerError"), std::string::npos);
}

}  // namespace
}  // namespace gantry::agent

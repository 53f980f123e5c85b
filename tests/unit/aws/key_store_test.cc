#include "aws/key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "common/file_util.h"
#include "support/temp_dir.h"

namespace gantry::aws {
namespace {

TEST(KeyStore, CreatesTheAdminKeyOnceWithARootOnlyCredentialsFile) {
  testing::TempDir dir;
  auto store = store::OpenSqliteStore(dir.Sub("state.db"));
  ASSERT_TRUE(store.ok());
  KeyStore keys(**store, SystemClock::Instance());
  auto created = keys.EnsureAdminKey(dir.Sub("admin-credentials"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_TRUE(*created);
  const AccessKey& k = **created;
  EXPECT_TRUE(std::regex_match(k.id, std::regex("AKIA[A-Z0-9]{16}"))) << k.id;
  EXPECT_TRUE(std::regex_match(k.secret, std::regex("[A-Za-z0-9+/]{40}")));
  EXPECT_EQ(k.user, "admin");
  EXPECT_EQ(k.status, "Active");

  struct stat st{};
  ASSERT_EQ(::stat(dir.Sub("admin-credentials").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = ReadFile(dir.Sub("admin-credentials"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "[default]\naws_access_key_id = " + k.id + "\naws_secret_access_key = " +
                       k.secret + "\n");

  auto again = keys.EnsureAdminKey(dir.Sub("admin-credentials"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(keys.ActiveSecret(k.id), k.secret);
  EXPECT_FALSE(keys.ActiveSecret("AKIANOSUCHKEY0000000"));

  ASSERT_TRUE(keys.SetStatus(k.id, "Inactive").ok());
  EXPECT_FALSE(keys.ActiveSecret(k.id));
  EXPECT_FALSE(keys.SetStatus(k.id, "Maybe").ok());
  EXPECT_FALSE(keys.SetStatus("AKIANOSUCHKEY0000000", "Active").ok());

  auto other = keys.Create("ci");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->id, k.id);
  auto all = keys.List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

}  // namespace
}  // namespace gantry::aws

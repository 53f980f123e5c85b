#include <gtest/gtest.h>

#include "scheduler/placement.h"

namespace gantry::scheduler {
namespace {

TEST(PlacementTest, Table) {
  struct Case {
    const char* name;
    std::vector<NodeCapacity> nodes;
    std::vector<PendingTask> pending;
    std::vector<std::pair<std::string, std::string>> want;  // task -> node
    std::vector<std::string> unplaced;
  } cases[] = {
      {"no nodes", {}, {{"t1", 256, 512, 1}}, {}, {"t1"}},
      {"fits", {{"n1", 2048, 1024, 0, 0, true}}, {{"t1", 256, 512, 1}}, {{"t1", "n1"}}, {}},
      {"memory full", {{"n1", 2048, 1024, 0, 768, true}}, {{"t1", 256, 512, 1}}, {}, {"t1"}},
      {"cpu full", {{"n1", 256, 4096, 128, 0, true}}, {{"t1", 256, 512, 1}}, {}, {"t1"}},
      {"spread by free memory",
       {{"n1", 4096, 4096, 0, 2048, true}, {"n2", 4096, 4096, 0, 0, true}},
       {{"t1", 256, 1024, 1}, {"t2", 256, 1024, 2}, {"t3", 256, 1024, 3}},
       {{"t1", "n2"}, {"t2", "n2"}, {"t3", "n1"}},
       {}},
      {"oldest first when short",
       {{"n1", 4096, 1024, 0, 0, true}},
       {{"late", 0, 1024, 9}, {"early", 0, 1024, 1}},
       {{"early", "n1"}},
       {"late"}},
      {"draining node skipped",
       {{"n1", 4096, 4096, 0, 0, false}, {"n2", 4096, 4096, 0, 3000, true}},
       {{"t1", 0, 512, 1}},
       {{"t1", "n2"}},
       {}},
  };
  for (auto& c : cases) {
    auto r = Place(c.nodes, c.pending);
    ASSERT_EQ(r.assignments.size(), c.want.size()) << c.name;
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(r.assignments[i].task_id, c.want[i].first) << c.name;
      EXPECT_EQ(r.assignments[i].node_id, c.want[i].second) << c.name;
    }
    EXPECT_EQ(r.unplaced, c.unplaced) << c.name;
  }
}

TEST(PlacementTest, TenThousandNodesIsDeterministic) {
  std::vector<NodeCapacity> nodes;
  for (int i = 0; i < 10000; ++i)
    nodes.push_back({"n" + std::to_string(i), 2048, 4096, 0, (i % 7) * 512, true});
  std::vector<PendingTask> pending;
  for (int i = 0; i < 500; ++i) pending.push_back({"t" + std::to_string(i), 256, 512, i});
  auto a = Place(nodes, pending);
  auto b = Place(nodes, pending);
  ASSERT_EQ(a.assignments.size(), 500u);
  for (size_t i = 0; i < a.assignments.size(); ++i)
    EXPECT_EQ(a.assignments[i].node_id, b.assignments[i].node_id);
}

}  // namespace
}  // namespace gantry::scheduler

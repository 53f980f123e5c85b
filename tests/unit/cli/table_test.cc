#include "cli/table.h"

#include <gtest/gtest.h>

namespace gantry::cli {
namespace {

TEST(TableTest, AlignsColumnsAndUppercasesHeaders) {
  Table t({"task id", "image", "status"});
  t.AddRow({"0f3c1a2b3c4d", "busybox:latest", "RUNNING"});
  t.AddRow({"ab", "nginx", "STOPPED (exit 0)"});
  EXPECT_EQ(t.Render(),
            "TASK ID       IMAGE           STATUS\n"
            "0f3c1a2b3c4d  busybox:latest  RUNNING\n"
            "ab            nginx           STOPPED (exit 0)\n");
}

TEST(TableTest, HeaderOnlyWhenEmpty) {
  Table t({"REFERENCE", "DIGEST"});
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_EQ(t.Render(), "REFERENCE  DIGEST\n");
}

TEST(TableTest, ShortRowsArePaddedAndLongRowsTruncated) {
  Table t({"A", "B", "C"});
  t.AddRow({"1"});
  t.AddRow({"1", "2", "3", "4"});
  EXPECT_EQ(t.Render(),
            "A  B  C\n"
            "1\n"
            "1  2  3\n");
}

TEST(TableTest, NoTrailingSpacesWhenLastCellsEmpty) {
  Table t({"NAME", "VALUE"});
  t.AddRow({"x", ""});
  EXPECT_EQ(t.Render(), "NAME  VALUE\nx\n");
}

TEST(TableTest, CellsAreFlattenedToOneLine) {
  Table t({"A", "B"});
  t.AddRow({"line1\nline2", "tab\there"});
  EXPECT_EQ(t.Render(), "A            B\nline1 line2  tab here\n");
}

TEST(TableTest, WidthCountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("héllo"), 5u);
  Table t({"N", "X"});
  t.AddRow({"é", "1"});
  t.AddRow({"ab", "2"});
  EXPECT_EQ(t.Render(), "N   X\né   1\nab  2\n");
}

}  // namespace
}  // namespace gantry::cli

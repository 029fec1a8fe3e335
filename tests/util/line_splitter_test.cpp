#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/line_splitter.h"

TEST(LineSplitter, WholeLinesWhateverTheChunksAndALastLineWithoutNewline) {
  std::vector<std::string> lines;
  rsm::LineSplitter splitter([&](std::string_view line) { lines.emplace_back(line); });
  splitter.feed("one\ntw");
  splitter.feed("o\n\nthr");
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", ""}));
  splitter.feed("ee");
  splitter.finish();
  EXPECT_EQ(lines.back(), "three");
  splitter.finish();
  EXPECT_EQ(lines.size(), 4u);
}

TEST(LastLine, IsTheLastLineThatSaysSomething) {
  EXPECT_EQ(rsm::last_line("apt: reading lists\nE: Unable to locate package x\n\n"), "E: Unable to locate package x");
  EXPECT_EQ(rsm::last_line("  one line  "), "one line");
  EXPECT_EQ(rsm::last_line("\n \n"), "");
}

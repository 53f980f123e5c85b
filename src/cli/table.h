// Table: aligned plain-text columns for list commands (header in caps, two spaces between
// columns, last column not padded). No terminal or width detection: output is stable in pipes.
#pragma once

#include <string>
#include <vector>

namespace gantry::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Rows shorter than the header are padded with empty cells; longer ones are truncated.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Each line ends with '\n'. Column width counts UTF-8 code points, not bytes.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of a UTF-8 string in code points (continuation bytes are not counted).
size_t DisplayWidth(const std::string& s);

}  // namespace gantry::cli

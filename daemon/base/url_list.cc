#include "base/url_list.h"

namespace roseyd {

std::vector<std::string> SplitUrlList(std::string_view urls) {
  constexpr std::string_view kBlanks = " \t\r\n";
  std::vector<std::string> list;
  for (size_t begin = 0; begin <= urls.size();) {
    size_t end = urls.find(',', begin);
    if (end == std::string_view::npos) end = urls.size();
    std::string_view one = urls.substr(begin, end - begin);
    const size_t first = one.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    one = one.substr(first, one.find_last_not_of(kBlanks) - first + 1);
    list.emplace_back(one);
    begin = end + 1;
  }
  return list;
}

}  // namespace roseyd

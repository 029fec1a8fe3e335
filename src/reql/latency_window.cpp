// The ring of answer times and the percentile taken from a copy of it.
#include "reql/latency_window.h"

#include <algorithm>

namespace reql {

void LatencyWindow::record(std::chrono::microseconds latency) {
  std::vector<int64_t> copy;
  {
    std::lock_guard lock(mutex_);
    samples_[recorded_++ % samples_.size()] = std::max<int64_t>(1, latency.count());
    if (recorded_ < enough || (recorded_ != enough && recorded_ % 16 != 0)) return;
    copy.assign(samples_.begin(), samples_.begin() + static_cast<ptrdiff_t>(std::min(recorded_, samples_.size())));
  }
  // The smallest value that 99% of the answers did not exceed.
  size_t rank = (copy.size() * 99 + 99) / 100 - 1;
  std::nth_element(copy.begin(), copy.begin() + static_cast<ptrdiff_t>(rank), copy.end());
  p99_us_ = copy[rank];
}

}  // namespace reql

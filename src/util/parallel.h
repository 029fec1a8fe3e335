// Doing the same thing to several nodes at once. Every item runs to its end even when
// another fails, so no node is left half-done because its neighbour broke; the failures
// are then reported together.
#pragma once

#include <algorithm>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/error.h"

namespace rsm {

template <class Item, class Function>
void for_each_parallel(std::vector<Item>& items, Function function) {
  std::mutex mutex;
  std::vector<std::string> failures;
  bool usage_error = false;
  {
    std::vector<std::jthread> threads;
    for (auto& item : items) {
      threads.emplace_back([&] {
        try {
          function(item);
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          if (std::find(failures.begin(), failures.end(), e.what()) == failures.end()) failures.push_back(e.what());
          usage_error = usage_error || dynamic_cast<const UsageError*>(&e);
        }
      });
    }
  }
  if (failures.empty()) return;
  std::string message = failures.front();
  for (size_t i = 1; i < failures.size(); ++i) message += "; " + failures[i];
  if (usage_error) throw UsageError(message);
  throw Error(message);
}

}  // namespace rsm

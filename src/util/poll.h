// Waiting for what the world does in its own time (an engine to answer, a task to run, a
// node to be ready): the one loop rsm waits with, so that every wait looks again at a
// steady pace and every timeout reads the same.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace rsm {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Calls check() every `interval` until it returns true; false when `timeout` passed first.
// check() may throw to give up early (a task that failed for good).
bool poll_for(milliseconds timeout, milliseconds interval, const std::function<bool()>& check);

// poll_for(), throwing Error("timed out after N s: " + what_failed()) when time is up.
// what_failed() is called then, so it can name what the last look still missed, and ends
// with what to do: "dev-worker-1 is not ready; see `rsm nodes ls dev`".
void poll_until(milliseconds timeout, milliseconds interval, const std::function<std::string()>& what_failed,
                const std::function<bool()>& check);

}  // namespace rsm

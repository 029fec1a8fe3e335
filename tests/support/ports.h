// A TCP port on 127.0.0.1 that nothing listens on right now.
#pragma once

namespace rsm::testing {

int free_port();

}  // namespace rsm::testing

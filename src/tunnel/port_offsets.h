// Where a remote port is reached on this machine. Each environment gets its own offset
// (1, 2, ... in the order they were first tunnelled to, remembered in the state folder),
// and remote port P is reached at P + 100 * offset: dev's 9090 at 9190, tst's at 9290. So
// tunnels of several environments never collide, and a bookmark keeps working.
#pragma once

#include <string>

namespace rsm::tunnel {

// The local port for remote_port of env; 0 when that would not be a port.
int local_port(const std::string& env, int remote_port);

}  // namespace rsm::tunnel

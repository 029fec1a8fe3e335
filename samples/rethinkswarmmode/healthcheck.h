// `rethinkswarmmode healthcheck`: the container health check of a FROM scratch image,
// which has no shell or curl to run one. Asks the app in this container for /healthz.
#pragma once

// 0 when GET http://127.0.0.1:port/healthz answers 200 within two seconds, 1 otherwise.
int check_health(int port);

#pragma once

#include <string>

#include "config/config.hpp"

namespace proxy::app {

// Why `next` cannot replace `running` by a reload: the first key whose new value needs
// a restart, as "server.port: 8888 -> 9090 needs a restart"; empty when none changed.
//
// Needing a restart: server.listen, server.port and server.workers (the listening socket
// and the io threads), server.max_connections (the descriptor limit is fitted to it at
// startup) and upstream.dns (each io thread's resolver and the shared cache are built
// once). Everything else is applied by the reload.
std::string restart_needed(const config::Config& running, const config::Config& next);

}  // namespace proxy::app

#pragma once

#include <string>
#include <string_view>

namespace proxy::plugins::upstream_router {

// Standard base64 (RFC 4648 §4) with padding, as Basic credentials are sent (RFC 7617).
std::string base64_encode(std::string_view bytes);

}  // namespace proxy::plugins::upstream_router

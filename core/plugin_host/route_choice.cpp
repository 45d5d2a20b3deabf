#include "plugin_host/route_choice.hpp"

#include <algorithm>
#include <string_view>

namespace proxy::host {
namespace {

std::string_view view(proxy_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool all_of(std::string_view text, std::string_view extra) {
  return std::all_of(text.begin(), text.end(), [extra](char c) {
    return is_alnum(c) || extra.find(c) != std::string_view::npos;
  });
}

// Goes into a header line: no control character may split or end it.
bool header_safe(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

// Why `parent` breaks a rule of abi.h, or nullptr.
const char* parent_problem(const proxy_parent& parent) {
  const std::string_view name = view(parent.name);
  const std::string_view host = view(parent.host);
  const std::string_view authorization = view(parent.authorization);
  if (name.empty() || name.size() > PROXY_PARENT_NAME_MAX || !all_of(name, "_.-")) {
    return "its name is not 1 to PROXY_PARENT_NAME_MAX characters from [A-Za-z0-9_.-]";
  }
  if (host.empty() || host.size() > PROXY_PARENT_HOST_MAX || !all_of(host, "_.:-")) {
    return "its host is not 1 to PROXY_PARENT_HOST_MAX characters from [A-Za-z0-9_.:-]";
  }
  if (parent.port == 0) {
    return "its port is 0";
  }
  if (authorization.size() > PROXY_PARENT_AUTHORIZATION_MAX || !header_safe(authorization)) {
    return "its authorization is longer than PROXY_PARENT_AUTHORIZATION_MAX or holds a "
           "control character";
  }
  return nullptr;
}

}  // namespace

std::optional<RouteChoice> read_route(const proxy_decision& decision, std::string& problem) {
  RouteChoice route;
  if (!PROXY_ABI_HAS(&decision, proxy_decision, parent_count)) {
    return route;
  }
  switch (decision.route) {
    case PROXY_ROUTE_UNSET:
      return route;
    case PROXY_ROUTE_DIRECT:
      route.kind = RouteChoice::Kind::direct;
      return route;
    case PROXY_ROUTE_PARENTS:
      break;
    default:
      problem = "unknown route " + std::to_string(decision.route);
      return std::nullopt;
  }
  if (decision.parent_count == 0 || decision.parent_count > PROXY_ROUTE_PARENTS_MAX ||
      decision.parents == nullptr) {
    problem = "a route through parents needs 1 to PROXY_ROUTE_PARENTS_MAX of them";
    return std::nullopt;
  }
  route.kind = RouteChoice::Kind::parents;
  for (std::uint32_t i = 0; i < decision.parent_count; ++i) {
    const proxy_parent& parent = decision.parents[i];
    if (const char* why = parent_problem(parent)) {
      problem = "parent " + std::to_string(i) + " refused: " + why;
      return std::nullopt;
    }
    route.parents.push_back({std::string(view(parent.name)), std::string(view(parent.host)),
                             parent.port, std::string(view(parent.authorization))});
  }
  return route;
}

}  // namespace proxy::host

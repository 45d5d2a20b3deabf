#pragma once

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/sdk/abi.h"
#include "proxy/sdk/plugin.hpp"

// The glue between the C ABI and the C++ Plugin class. Plugin authors use only the
// PROXY_PLUGIN macro at the bottom; everything in `detail` is compiled into the plugin,
// so nothing C++ crosses the boundary and no exception escapes it.
namespace proxy::sdk::detail {

// Owns what the host holds one opaque pointer to: the context, the plugin and its tables.
struct Instance {
  Instance(const proxy_host_api* host, std::string name, nlohmann::json settings)
      : host(host), context(host, std::move(name), std::move(settings)) {}

  const proxy_host_api* host;
  PluginContext context;
  std::unique_ptr<Plugin> plugin;  // destroyed before `context`
  proxy_hook_table table{};
  proxy_http_parser_api parser_api{};
};

inline Instance& self_of(void* self) {
  return *static_cast<Instance*>(self);
}

inline void write_message(char* out, std::size_t cap, const std::string& message) {
  if (out == nullptr || cap == 0) {
    return;
  }
  const std::size_t len = std::min(message.size(), cap - 1);
  std::memcpy(out, message.data(), len);
  out[len] = '\0';
}

inline void write_parse_error(proxy_parse_error* out, const ParseError& error) {
  out->status = static_cast<std::uint32_t>(error.status);
  const std::size_t len = std::min<std::size_t>(error.reason.size(), PROXY_REASON_MAX);
  std::memcpy(out->reason, error.reason.data(), len);
  out->reason_len = static_cast<std::uint32_t>(len);
}

inline std::string exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "non-standard exception";
  }
}

// Runs a deciding hook; an exception becomes Decision::failed.
template <class Fn>
void decide(Instance& instance, const char* hook, proxy_decision* out, Fn&& fn) {
  // `out` points into the decision (its headers and attributes) until the host reads it,
  // right after this hook returns and before the next hook on this thread.
  thread_local Decision decision = Decision::allow();
  try {
    decision = fn();
  } catch (...) {
    const std::string what = exception_text();
    instance.context.log().error("{} threw: {}", hook, what);
    decision = Decision::failed(std::string(hook) + " threw: " + what);
  }
  decision.write(*out);
}

// Runs an observing hook; an exception is logged and swallowed.
template <class Fn>
void observe(Instance& instance, const char* hook, Fn&& fn) {
  try {
    fn();
  } catch (...) {
    instance.context.log().error("{} threw: {}", hook, exception_text());
  }
}

inline void on_accept(void* self, proxy_call* call, const proxy_conn_info* conn,
                      proxy_decision* out) {
  Instance& in = self_of(self);
  decide(in, "on_accept", out,
         [&] { return in.plugin->on_accept(Connection(*conn, in.host, call)); });
}

inline void on_request(void* self, proxy_call* call, const proxy_conn_info* conn,
                       const proxy_request* request, proxy_decision* out) {
  Instance& in = self_of(self);
  decide(in, "on_request", out, [&] {
    Request req(*request, in.host);
    return in.plugin->on_request(Connection(*conn, in.host, call), req);
  });
}

inline void on_sni(void* self, proxy_call* call, const proxy_conn_info* conn,
                   const proxy_request* request, const proxy_client_hello* hello,
                   proxy_decision* out) {
  Instance& in = self_of(self);
  decide(in, "on_sni", out, [&] {
    return in.plugin->on_sni(Connection(*conn, in.host, call), Request(*request, in.host),
                             ClientHello(*hello));
  });
}

inline void on_bytes(void* self, const proxy_conn_info* conn, std::uint32_t direction,
                     proxy_str bytes) {
  Instance& in = self_of(self);
  observe(in, "on_bytes", [&] {
    in.plugin->on_bytes(Connection(*conn, in.host, nullptr), static_cast<Direction>(direction),
                        to_view(bytes));
  });
}

inline void on_response(void* self, const proxy_conn_info* conn, const proxy_request* request,
                        const proxy_response* response) {
  Instance& in = self_of(self);
  observe(in, "on_response", [&] {
    Response resp(*response, in.host);
    in.plugin->on_response(Connection(*conn, in.host, nullptr), Request(*request, in.host), resp);
  });
}

inline void on_close(void* self, const proxy_transaction* transaction) {
  Instance& in = self_of(self);
  observe(in, "on_close", [&] { in.plugin->on_close(Transaction(*transaction)); });
}

inline void on_connection_end(void* self, const proxy_conn_info* conn) {
  Instance& in = self_of(self);
  observe(in, "on_connection_end",
          [&] { in.plugin->on_connection_end(Connection(*conn, in.host, nullptr)); });
}

// ---- HTTP parser capability: C entry points over HttpMessageParser ----------------------

struct Message {
  std::unique_ptr<HttpMessageParser> parser;
  HttpHead head;
  std::vector<proxy_header> header_views;
};

inline proxy_http_message* parser_create(void* self, std::uint32_t kind,
                                         const proxy_parse_options* options) {
  Instance& in = self_of(self);
  try {
    ParseOptions opts;
    opts.max_header_bytes = options->max_header_bytes;
    opts.max_headers = options->max_headers;
    opts.response_to_head = options->response_to_head != 0;
    opts.response_to_connect = options->response_to_connect != 0;
    auto message = std::make_unique<Message>();
    message->parser = in.plugin->http_parser()->create(static_cast<MessageKind>(kind), opts);
    if (!message->parser) {
      return nullptr;
    }
    return reinterpret_cast<proxy_http_message*>(message.release());
  } catch (...) {
    in.context.log().error("http parser create threw: {}", exception_text());
    return nullptr;
  }
}

inline Message& message_of(proxy_http_message* message) {
  return *reinterpret_cast<Message*>(message);
}

inline void parser_destroy(proxy_http_message* message) {
  delete &message_of(message);
}

inline std::uint32_t parse_failure(proxy_parse_error* error) {
  write_parse_error(error, ParseError{400, "parser failed: " + exception_text()});
  return PROXY_PARSE_ERROR;
}

inline std::uint32_t parser_parse_head(proxy_http_message* message, proxy_str input,
                                       std::size_t* consumed, proxy_http_head* head,
                                       proxy_parse_error* error) {
  Message& m = message_of(message);
  try {
    ParseError err;
    const ParseStatus status = m.parser->parse_head(to_view(input), *consumed, m.head, err);
    if (status == ParseStatus::error) {
      write_parse_error(error, err);
    } else if (status == ParseStatus::done) {
      m.header_views.clear();
      for (const auto& [name, value] : m.head.headers) {
        m.header_views.push_back({to_str(name), to_str(value)});
      }
      head->method = to_str(m.head.method);
      head->target = to_str(m.head.target);
      head->status = static_cast<std::uint32_t>(m.head.status);
      head->reason = to_str(m.head.reason);
      head->version = static_cast<std::uint32_t>(m.head.version);
      head->headers = m.header_views.data();
      head->header_count = m.header_views.size();
      head->body_kind = static_cast<std::uint32_t>(m.head.body);
      head->content_length = m.head.content_length;
      head->keep_alive = m.head.keep_alive ? 1 : 0;
    }
    return static_cast<std::uint32_t>(status);
  } catch (...) {
    return parse_failure(error);
  }
}

inline std::uint32_t parser_parse_body(proxy_http_message* message, proxy_str input,
                                       std::size_t* consumed, proxy_parse_error* error) {
  try {
    ParseError err;
    const ParseStatus status =
        message_of(message).parser->parse_body(to_view(input), *consumed, err);
    if (status == ParseStatus::error) {
      write_parse_error(error, err);
    }
    return static_cast<std::uint32_t>(status);
  } catch (...) {
    return parse_failure(error);
  }
}

inline std::uint32_t parser_finish(proxy_http_message* message, proxy_parse_error* error) {
  try {
    ParseError err;
    const ParseStatus status = message_of(message).parser->finish(err);
    if (status == ParseStatus::error) {
      write_parse_error(error, err);
    }
    return static_cast<std::uint32_t>(status);
  } catch (...) {
    return parse_failure(error);
  }
}

inline const void* get_capability(void* self, proxy_str name) {
  Instance& in = self_of(self);
  if (to_view(name) == PROXY_CAPABILITY_HTTP_PARSER && in.plugin->http_parser() != nullptr) {
    return &in.parser_api;
  }
  return nullptr;
}

inline void fill_tables(Instance& in, HookSet hooks) {
  proxy_hook_table& t = in.table;
  t.size = sizeof(t);
  t.on_accept = hooks.has(Hook::accept) ? &on_accept : nullptr;
  t.on_request = hooks.has(Hook::request) ? &on_request : nullptr;
  t.on_sni = hooks.has(Hook::sni) ? &on_sni : nullptr;
  t.on_bytes = hooks.has(Hook::bytes) ? &on_bytes : nullptr;
  t.on_response = hooks.has(Hook::response) ? &on_response : nullptr;
  t.on_close = hooks.has(Hook::close) ? &on_close : nullptr;
  t.on_connection_end = hooks.has(Hook::connection_end) ? &on_connection_end : nullptr;
  t.get_capability = &get_capability;
  const auto peek = in.plugin->sni_peek_timeout().count();
  t.sni_peek_timeout_ms = peek > 0 ? static_cast<std::uint64_t>(peek) : 0;

  proxy_http_parser_api& p = in.parser_api;
  p.size = sizeof(p);
  p.self = &in;
  p.create = &parser_create;
  p.destroy = &parser_destroy;
  p.parse_head = &parser_parse_head;
  p.parse_body = &parser_parse_body;
  p.finish = &parser_finish;
}

template <class PluginT>
std::uint32_t create(const proxy_host_api* host, const proxy_plugin_config* config,
                     proxy_plugin_instance* out, char* error, std::size_t error_cap) {
  const std::string name(to_view(config->name));
  if (host == nullptr || host->size < sizeof(proxy_host_api) || out == nullptr ||
      out->size < sizeof(proxy_plugin_instance)) {
    write_message(error, error_cap, "host API too old for this plugin");
    return PROXY_CREATE_FAILED;
  }
  try {
    nlohmann::json settings = nlohmann::json::parse(to_view(config->settings_json));
    auto instance = std::make_unique<Instance>(host, name, std::move(settings));
    if (PROXY_ABI_HAS(config, proxy_plugin_config, config_dir)) {
      instance->context.set_config_dir(std::string(to_view(config->config_dir)));
    }
    auto plugin = std::make_unique<PluginT>(instance->context);
    // Worked out here, where the plugin's own class is known (see hooks_of).
    const HookSet hooks = hooks_of(*plugin);
    instance->plugin = std::move(plugin);
    fill_tables(*instance, hooks);
    out->hooks = &instance->table;
    out->self = instance.release();
    return PROXY_CREATE_OK;
  } catch (const SettingsError& e) {
    write_message(error, error_cap, e.message_for(name));
    return PROXY_CREATE_SETTINGS_REJECTED;
  } catch (...) {
    write_message(error, error_cap, exception_text());
    return PROXY_CREATE_FAILED;
  }
}

inline void destroy(void* self) {
  delete static_cast<Instance*>(self);
}

}  // namespace proxy::sdk::detail

#define PROXY_SDK_EXPORT extern "C" __attribute__((visibility("default")))

// Exports a plugin class. Use once per plugin library, at namespace scope:
//   PROXY_PLUGIN(MyPlugin, "my_plugin", "1.0.0", "What it does")
// PluginT must be constructible from proxy::sdk::PluginContext&.
#define PROXY_PLUGIN(PluginT, name_literal, version_literal, description_literal)                \
  PROXY_SDK_EXPORT std::uint32_t proxy_plugin_abi_version(void) {                                \
    return PROXY_SDK_ABI_VERSION;                                                                \
  }                                                                                              \
  PROXY_SDK_EXPORT const proxy_plugin_info* proxy_plugin_get_info(void) {                        \
    static const proxy_plugin_info info = {                                                      \
        sizeof(proxy_plugin_info),                                                               \
        {name_literal, sizeof(name_literal) - 1},                                                \
        {version_literal, sizeof(version_literal) - 1},                                          \
        {description_literal, sizeof(description_literal) - 1}};                                 \
    return &info;                                                                                \
  }                                                                                              \
  PROXY_SDK_EXPORT std::uint32_t proxy_plugin_create(                                            \
      const proxy_host_api* host, const proxy_plugin_config* config, proxy_plugin_instance* out, \
      char* error, std::size_t error_cap) {                                                      \
    return ::proxy::sdk::detail::create<PluginT>(host, config, out, error, error_cap);           \
  }                                                                                              \
  PROXY_SDK_EXPORT void proxy_plugin_destroy(void* self) {                                       \
    ::proxy::sdk::detail::destroy(self);                                                         \
  }

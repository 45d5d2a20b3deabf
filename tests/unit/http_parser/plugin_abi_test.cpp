#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/sdk/abi.h"

// Loads the built plugin the way the host does, through its four C entry points only, and
// parses a request through the C capability struct.
namespace {

proxy_str str(std::string_view s) {
  return {s.data(), s.size()};
}
std::string_view view(proxy_str s) {
  return {s.ptr, s.len};
}

// A minimal host: every callback is a harmless stand-in, logging is recorded.
struct FakeHost {
  std::vector<std::string> log_lines;
};

void host_log(void* host, uint32_t /*level*/, proxy_str message) {
  static_cast<FakeHost*>(host)->log_lines.emplace_back(view(message));
}
int header_edit(proxy_headers* /*headers*/, proxy_str /*name*/, proxy_str /*value*/) {
  return 1;
}
int header_remove(proxy_headers* /*headers*/, proxy_str /*name*/) {
  return 1;
}
proxy_completion* defer(proxy_call* /*call*/) {
  return nullptr;
}
void complete(proxy_completion* /*completion*/, const proxy_decision* /*decision*/) {}
void schedule(void* /*host*/, uint64_t /*delay_ms*/, proxy_timer_fn fn, void* user) {
  fn(user, 1);
}
int register_endpoint(void* /*host*/, proxy_str /*path*/, proxy_endpoint_fn /*fn*/,
                      void* /*user*/) {
  return 1;
}
void set_status(proxy_admin_response* /*response*/, uint32_t /*status*/) {}
void set_header(proxy_admin_response* /*response*/, proxy_str /*name*/, proxy_str /*value*/) {}
void append(proxy_admin_response* /*response*/, proxy_str /*body*/) {}

class PluginAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = dlopen(HTTP_PARSER_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library_, nullptr) << dlerror();
    abi_version_ = symbol<proxy_plugin_abi_version_fn>(PROXY_SYMBOL_ABI_VERSION);
    info_ = symbol<proxy_plugin_info_fn>(PROXY_SYMBOL_INFO);
    create_ = symbol<proxy_plugin_create_fn>(PROXY_SYMBOL_CREATE);
    destroy_ = symbol<proxy_plugin_destroy_fn>(PROXY_SYMBOL_DESTROY);
    ASSERT_TRUE(abi_version_ && info_ && create_ && destroy_);

    api_.size = sizeof(api_);
    api_.host = &host_;
    api_.abi_version = PROXY_SDK_ABI_VERSION;
    api_.log_level = PROXY_LOG_DEBUG;
    api_.log = &host_log;
    api_.header_set = &header_edit;
    api_.header_add = &header_edit;
    api_.header_remove = &header_remove;
    api_.defer = &defer;
    api_.complete = &complete;
    api_.schedule = &schedule;
    api_.register_endpoint = &register_endpoint;
    api_.response_set_status = &set_status;
    api_.response_set_header = &set_header;
    api_.response_append = &append;
  }

  void TearDown() override {
    if (library_ != nullptr) {
      dlclose(library_);
    }
  }

  template <class Fn>
  Fn symbol(const char* name) {
    return reinterpret_cast<Fn>(dlsym(library_, name));
  }

  uint32_t create(std::string_view settings_json, proxy_plugin_instance& instance,
                  std::string& error) {
    proxy_plugin_config config{};
    config.size = sizeof(config);
    config.name = str("http_parser");
    config.settings_json = str(settings_json);
    instance = proxy_plugin_instance{};
    instance.size = sizeof(instance);
    char buffer[512] = {};
    const uint32_t result = create_(&api_, &config, &instance, buffer, sizeof(buffer));
    error = buffer;
    return result;
  }

  void* library_ = nullptr;
  proxy_plugin_abi_version_fn abi_version_ = nullptr;
  proxy_plugin_info_fn info_ = nullptr;
  proxy_plugin_create_fn create_ = nullptr;
  proxy_plugin_destroy_fn destroy_ = nullptr;
  FakeHost host_;
  proxy_host_api api_{};
};

TEST_F(PluginAbi, ExportsVersionAndInfo) {
  EXPECT_EQ(abi_version_(), PROXY_SDK_ABI_VERSION);
  const proxy_plugin_info* info = info_();
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(view(info->name), "http_parser");
  EXPECT_FALSE(view(info->version).empty());
  EXPECT_EQ(view(info->description), "HTTP/1.1 parser built on Boost.Beast");
}

TEST_F(PluginAbi, DeclaresNoHooksAndProvidesTheParser) {
  proxy_plugin_instance instance;
  std::string error;
  ASSERT_EQ(create("{}", instance, error), PROXY_CREATE_OK) << error;
  const proxy_hook_table* hooks = instance.hooks;
  ASSERT_NE(hooks, nullptr);
  EXPECT_EQ(hooks->on_accept, nullptr);
  EXPECT_EQ(hooks->on_request, nullptr);
  EXPECT_EQ(hooks->on_sni, nullptr);
  EXPECT_EQ(hooks->on_bytes, nullptr);
  EXPECT_EQ(hooks->on_response, nullptr);
  EXPECT_EQ(hooks->on_close, nullptr);
  ASSERT_NE(hooks->get_capability, nullptr);
  EXPECT_EQ(hooks->get_capability(instance.self, str("no_such_capability")), nullptr);
  EXPECT_NE(hooks->get_capability(instance.self, str(PROXY_CAPABILITY_HTTP_PARSER)), nullptr);
  destroy_(instance.self);
}

TEST_F(PluginAbi, ParsesARequestThroughTheCStructs) {
  proxy_plugin_instance instance;
  std::string error;
  ASSERT_EQ(create("{}", instance, error), PROXY_CREATE_OK) << error;
  const auto* parser = static_cast<const proxy_http_parser_api*>(
      instance.hooks->get_capability(instance.self, str(PROXY_CAPABILITY_HTTP_PARSER)));
  ASSERT_NE(parser, nullptr);
  ASSERT_GE(parser->size, sizeof(proxy_http_parser_api));

  proxy_parse_options options{};
  options.size = sizeof(options);
  options.max_header_bytes = 16384;
  options.max_headers = 100;
  proxy_http_message* message = parser->create(parser->self, PROXY_HTTP_REQUEST, &options);
  ASSERT_NE(message, nullptr);

  const std::string head =
      "POST http://example.com/x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: "
      "chunked\r\n\r\n";
  const std::string body = "3;e=1\r\nabc\r\n0\r\n\r\n";
  const std::string wire = head + body + "GET";
  proxy_http_head parsed{};
  parsed.size = sizeof(parsed);
  proxy_parse_error parse_error{};
  parse_error.size = sizeof(parse_error);
  std::size_t consumed = 0;

  EXPECT_EQ(parser->parse_head(message, str(std::string_view(wire).substr(0, 20)), &consumed,
                               &parsed, &parse_error),
            PROXY_PARSE_NEED_MORE);
  ASSERT_EQ(parser->parse_head(message, str(wire), &consumed, &parsed, &parse_error),
            PROXY_PARSE_DONE);
  EXPECT_EQ(consumed, head.size());
  EXPECT_EQ(view(parsed.method), "POST");
  EXPECT_EQ(view(parsed.target), "http://example.com/x");
  EXPECT_EQ(parsed.version, 11U);
  ASSERT_EQ(parsed.header_count, 2U);
  EXPECT_EQ(view(parsed.headers[0].name), "Host");
  EXPECT_EQ(view(parsed.headers[0].value), "example.com");
  EXPECT_EQ(parsed.body_kind, static_cast<uint32_t>(PROXY_BODY_CHUNKED));
  EXPECT_EQ(parsed.keep_alive, 1U);

  const std::string_view rest = std::string_view(wire).substr(consumed);
  ASSERT_EQ(parser->parse_body(message, str(rest), &consumed, &parse_error), PROXY_PARSE_DONE);
  EXPECT_EQ(consumed, body.size());
  EXPECT_EQ(parser->finish(message, &parse_error), PROXY_PARSE_DONE);
  parser->destroy(message);
  destroy_(instance.self);
}

TEST_F(PluginAbi, ReportsARefusalThroughTheCStructs) {
  proxy_plugin_instance instance;
  std::string error;
  ASSERT_EQ(create("{}", instance, error), PROXY_CREATE_OK) << error;
  const auto* parser = static_cast<const proxy_http_parser_api*>(
      instance.hooks->get_capability(instance.self, str(PROXY_CAPABILITY_HTTP_PARSER)));
  ASSERT_NE(parser, nullptr);
  proxy_parse_options options{};
  options.size = sizeof(options);
  options.max_header_bytes = 16384;
  options.max_headers = 100;
  proxy_http_message* message = parser->create(parser->self, PROXY_HTTP_REQUEST, &options);
  ASSERT_NE(message, nullptr);

  const std::string wire = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
  proxy_http_head parsed{};
  parsed.size = sizeof(parsed);
  proxy_parse_error parse_error{};
  parse_error.size = sizeof(parse_error);
  std::size_t consumed = 0;
  EXPECT_EQ(parser->parse_head(message, str(wire), &consumed, &parsed, &parse_error),
            PROXY_PARSE_ERROR);
  EXPECT_EQ(parse_error.status, 400U);
  EXPECT_GT(parse_error.reason_len, 0U);
  parser->destroy(message);
  destroy_(instance.self);
}

TEST_F(PluginAbi, AcceptsNullSettings) {
  proxy_plugin_instance instance;
  std::string error;
  ASSERT_EQ(create("null", instance, error), PROXY_CREATE_OK) << error;
  destroy_(instance.self);
}

TEST_F(PluginAbi, RefusesUnknownSettings) {
  proxy_plugin_instance instance;
  std::string error;
  EXPECT_EQ(create(R"({"max_chunk": 5})", instance, error), PROXY_CREATE_SETTINGS_REJECTED);
  EXPECT_EQ(error,
            "plugins.settings.http_parser.max_chunk: unknown setting (no settings are accepted "
            "here)");
}

TEST_F(PluginAbi, RefusesNonObjectSettings) {
  proxy_plugin_instance instance;
  std::string error;
  EXPECT_EQ(create("[1]", instance, error), PROXY_CREATE_SETTINGS_REJECTED);
}

}  // namespace

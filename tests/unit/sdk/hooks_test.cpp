// Which hooks the export glue hands the host: derived from what a plugin overrides, or
// exactly what an explicit hooks() lists. Checked at compile time and through
// detail::create, the path proxy_plugin_create takes.
#include <gtest/gtest.h>

#include <string>

#include "proxy/sdk/export.hpp"
#include "proxy/sdk/settings.hpp"

namespace proxy::sdk {
namespace {

// ---- Plugins -----------------------------------------------------------------------------

struct NoHooks : Plugin {
  explicit NoHooks(PluginContext& /*context*/) {}
};

struct OnlyClose : Plugin {
  explicit OnlyClose(PluginContext& /*context*/) {}
  void on_close(const Transaction& /*transaction*/) override {}
};

struct AcceptAndRequest final : Plugin {
  explicit AcceptAndRequest(PluginContext& /*context*/) {}
  Decision on_accept(const Connection& /*conn*/) override { return Decision::allow(); }
  Decision on_request(const Connection& /*conn*/, Request& /*request*/) override {
    return Decision::allow();
  }
};

// Overrides request and close but lists only close: only close is called, as before
// hooks were derived.
struct ListsLessThanItOverrides final : Plugin {
  explicit ListsLessThanItOverrides(PluginContext& /*context*/) {}
  HookSet hooks() const override { return Hook::close; }
  Decision on_request(const Connection& /*conn*/, Request& /*request*/) override {
    return Decision::allow();
  }
  void on_close(const Transaction& /*transaction*/) override {}
};

// Lists none, as the bundled http_parser plugin did.
struct ListsNone final : Plugin {
  explicit ListsNone(PluginContext& /*context*/) {}
  HookSet hooks() const override { return {}; }
  void on_bytes(const Connection& /*conn*/, Direction /*direction*/,
                std::string_view /*bytes*/) override {}
};

// Overridden hooks plus one listed on top.
struct DerivesAndAdds final : Plugin {
  explicit DerivesAndAdds(PluginContext& /*context*/) {}
  HookSet hooks() const override { return HookSet::derive() | Hook::bytes; }
  void on_response(const Connection& /*conn*/, const Request& /*request*/,
                   Response& /*response*/) override {}
};

// An override in a base class of the plugin's own counts.
struct SniBase : Plugin {
  Decision on_sni(const Connection& /*conn*/, const Request& /*request*/,
                  const ClientHello& /*hello*/) override {
    return Decision::allow();
  }
};
struct InheritsSni final : SniBase {
  explicit InheritsSni(PluginContext& /*context*/) {}
};

// Overrides the glue cannot name from outside still count.
struct PrivateOverride final : Plugin {
  explicit PrivateOverride(PluginContext& /*context*/) {}

 private:
  void on_close(const Transaction& /*transaction*/) override {}
};

// Another function of the same name does not confuse the check either way.
struct OverloadedName final : Plugin {
  explicit OverloadedName(PluginContext& /*context*/) {}
  using Plugin::on_bytes;
  void on_bytes(int /*unrelated*/) {}
  void on_close(const Transaction& /*transaction*/) noexcept override {}
};

// Throws the reader's error for its one setting.
struct StrictSettings final : Plugin {
  explicit StrictSettings(PluginContext& context) {
    const SettingsReader reader(context, {"ports"});
    (void)reader.list("ports", setting::Integer<std::uint16_t>{1, 65535}, {443});
  }
};

static_assert(overridden_hooks<NoHooks>() == HookSet());
static_assert(overridden_hooks<OnlyClose>() == HookSet(Hook::close));
static_assert(overridden_hooks<AcceptAndRequest>() == (Hook::accept | Hook::request));
static_assert(overridden_hooks<InheritsSni>() == HookSet(Hook::sni));
static_assert(overridden_hooks<PrivateOverride>() == HookSet(Hook::close));
static_assert(overridden_hooks<OverloadedName>() == HookSet(Hook::close));

// ---- A stand-in host ---------------------------------------------------------------------

void ignore_log(void* /*host*/, std::uint32_t /*level*/, proxy_str /*message*/) {}

// Only what creating a plugin touches: the ABI version, the log level and the log.
const proxy_host_api* test_host() {
  static const proxy_host_api host = [] {
    proxy_host_api api{};
    api.size = sizeof(api);
    api.abi_version = PROXY_SDK_ABI_VERSION;
    api.log_level = 6;  // off
    api.log = &ignore_log;
    return api;
  }();
  return &host;
}

// The tables the glue filled for PluginT, and its error text when creation failed.
class Created {
 public:
  template <class PluginT>
  static Created make(std::string settings_json = "{}") {
    Created created;
    const std::string name = "probe";
    const proxy_plugin_config config{sizeof(proxy_plugin_config), to_str(name),
                                     to_str(settings_json), to_str(std::string_view())};
    created.instance_.size = sizeof(created.instance_);
    char error[512] = {};
    created.result_ =
        detail::create<PluginT>(test_host(), &config, &created.instance_, error, sizeof(error));
    created.error_ = error;
    return created;
  }
  Created(Created&& other) noexcept
      : instance_(other.instance_), result_(other.result_), error_(std::move(other.error_)) {
    other.instance_.self = nullptr;
  }
  Created& operator=(Created&&) = delete;
  ~Created() {
    if (instance_.self != nullptr) {
      detail::destroy(instance_.self);
    }
  }

  std::uint32_t result() const { return result_; }
  const std::string& error() const { return error_; }
  // Which hook entries the host would see.
  HookSet table() const {
    const proxy_hook_table& t = *instance_.hooks;
    HookSet hooks;
    hooks = t.on_accept != nullptr ? hooks | Hook::accept : hooks;
    hooks = t.on_request != nullptr ? hooks | Hook::request : hooks;
    hooks = t.on_sni != nullptr ? hooks | Hook::sni : hooks;
    hooks = t.on_bytes != nullptr ? hooks | Hook::bytes : hooks;
    hooks = t.on_response != nullptr ? hooks | Hook::response : hooks;
    hooks = t.on_close != nullptr ? hooks | Hook::close : hooks;
    return hooks;
  }

 private:
  Created() = default;

  proxy_plugin_instance instance_{};
  std::uint32_t result_ = PROXY_CREATE_FAILED;
  std::string error_;
};

// ---- Tests -------------------------------------------------------------------------------

TEST(HookDerivation, APluginOverridingOnlyOnCloseGetsOnlyClose) {
  const Created created = Created::make<OnlyClose>();
  ASSERT_EQ(created.result(), PROXY_CREATE_OK) << created.error();
  EXPECT_EQ(created.table(), HookSet(Hook::close));
}

TEST(HookDerivation, EachOverrideIsCalledWithoutBeingListed) {
  EXPECT_EQ(Created::make<NoHooks>().table(), HookSet());
  EXPECT_EQ(Created::make<AcceptAndRequest>().table(), Hook::accept | Hook::request);
  EXPECT_EQ(Created::make<InheritsSni>().table(), HookSet(Hook::sni));
  EXPECT_EQ(Created::make<PrivateOverride>().table(), HookSet(Hook::close));
}

TEST(HookDerivation, AnExplicitListIsHonouredExactly) {
  EXPECT_EQ(Created::make<ListsLessThanItOverrides>().table(), HookSet(Hook::close));
  EXPECT_EQ(Created::make<ListsNone>().table(), HookSet());
}

TEST(HookDerivation, AListMayAddToTheDerivedHooks) {
  EXPECT_EQ(Created::make<DerivesAndAdds>().table(), Hook::response | Hook::bytes);
}

TEST(HookDerivation, HooksOfMatchesWhatTheHostSees) {
  PluginContext context(test_host(), "probe", nlohmann::json::object());
  const OnlyClose only_close(context);
  EXPECT_EQ(hooks_of(only_close), HookSet(Hook::close));
  EXPECT_TRUE(only_close.hooks().derives());
  const ListsLessThanItOverrides explicit_list(context);
  EXPECT_EQ(hooks_of(explicit_list), HookSet(Hook::close));
  EXPECT_FALSE(explicit_list.hooks().derives());
}

TEST(SettingsErrors, TheGlueReportsTheFullPath) {
  const Created bad = Created::make<StrictSettings>(R"({"ports": [443, 0]})");
  EXPECT_EQ(bad.result(), PROXY_CREATE_SETTINGS_REJECTED);
  EXPECT_EQ(bad.error(),
            "plugins.settings.probe.ports[1]: expected an integer from 1 to 65535, got 0");
  const Created unknown = Created::make<StrictSettings>(R"({"port": 443})");
  EXPECT_EQ(unknown.result(), PROXY_CREATE_SETTINGS_REJECTED);
  EXPECT_EQ(unknown.error(),
            "plugins.settings.probe.port: unknown setting (expected one of: ports)");
  const Created good = Created::make<StrictSettings>(R"({"ports": [443, 8443]})");
  EXPECT_EQ(good.result(), PROXY_CREATE_OK) << good.error();
}

}  // namespace
}  // namespace proxy::sdk

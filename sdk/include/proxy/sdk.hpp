#pragma once

// Everything a plugin author needs: the Plugin base class, the value types its hooks see,
// Decision and Completion, PluginContext, SettingsReader and the network types it reads,
// the HttpParser capability and PROXY_PLUGIN.
#include "proxy/sdk/abi.h"
#include "proxy/sdk/context.hpp"
#include "proxy/sdk/decision.hpp"
#include "proxy/sdk/export.hpp"
#include "proxy/sdk/http_parser.hpp"
#include "proxy/sdk/network.hpp"
#include "proxy/sdk/plugin.hpp"
#include "proxy/sdk/settings.hpp"
#include "proxy/sdk/types.hpp"

// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "http_parser_plugin.hpp"
#include "proxy/sdk/export.hpp"

PROXY_PLUGIN(proxy::plugins::http_parser::HttpParserPlugin, "http_parser", "0.1.0",
             "HTTP/1.1 parser built on Boost.Beast")

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_host/attribute_list.hpp"
#include "plugin_host/header_list.hpp"
#include "proxy/sdk/abi.h"
#include "tls/client_hello_parser.hpp"

// The C structs hooks receive, built from the core's own data. Each view borrows the
// data it was built from: keep the data alive, and unchanged except through the view's
// header handle, while a hook may read the view.
namespace proxy::host {

inline proxy_str abi_str(std::string_view s) {
  return {s.data(), s.size()};
}

struct ConnectionData {
  std::uint64_t id = 0;
  std::string client_ip;
  std::uint16_t client_port = 0;
  std::string local_ip;
  std::uint16_t local_port = 0;
  std::uint32_t worker = 0;
  std::string client_key;  // see proxy_conn_info::client_key
  std::string peer_ip;     // see proxy_conn_info::peer_ip: empty unless PROXY protocol is on
};

proxy_conn_info abi_conn_info(const ConnectionData& conn);

struct RequestData {
  std::string method;
  std::string target;
  std::string host;
  std::uint16_t port = 0;
  std::string path;
  int version = 11;
  bool is_connect = false;
  HeaderList headers;
};

// A proxy_request over a RequestData whose headers the hook may edit (when `editable`).
// refresh() before each hook: an earlier plugin's edits change the header views.
class RequestView {
 public:
  // `attributes`: the transaction's, shown to the hook (none when null).
  RequestView(RequestData& data, bool editable, const AttributeList* attributes = nullptr);
  RequestView(const RequestView&) = delete;
  RequestView& operator=(const RequestView&) = delete;

  const proxy_request* refresh();
  RequestData& data() { return data_; }

 private:
  RequestData& data_;
  bool editable_;
  const AttributeList* attributes_;
  proxy_headers handle_;
  std::vector<proxy_header> views_;
  proxy_request abi_{};
};

struct ResponseData {
  int status = 0;
  std::string reason;
  int version = 11;
  HeaderList headers;
};

class ResponseView {
 public:
  ResponseView(ResponseData& data, bool editable);
  ResponseView(const ResponseView&) = delete;
  ResponseView& operator=(const ResponseView&) = delete;

  const proxy_response* refresh();

 private:
  ResponseData& data_;
  bool editable_;
  proxy_headers handle_;
  std::vector<proxy_header> views_;
  proxy_response abi_{};
};

// The ClientHello as on_sni sees it: the TLS peek's own result, or none when the client
// did not send one (is_tls = 0). Borrows `hello`: keep it alive.
class ClientHelloView {
 public:
  explicit ClientHelloView(const tls::ClientHelloInfo* hello);
  ClientHelloView(const ClientHelloView&) = delete;
  ClientHelloView& operator=(const ClientHelloView&) = delete;

  const proxy_client_hello* get() const { return &abi_; }

 private:
  std::vector<proxy_str> alpn_;
  proxy_client_hello abi_{};
};

struct TransactionData {
  proxy_transaction_kind kind = PROXY_TRANSACTION_REQUEST;
  std::string method;
  std::string host;
  std::uint16_t port = 0;
  std::string target;
  int status = 0;
  std::string sni;
  std::uint64_t bytes_client_to_upstream = 0;
  std::uint64_t bytes_upstream_to_client = 0;
  std::int64_t start_unix_ms = 0;
  std::uint64_t duration_us = 0;
  proxy_verdict verdict = PROXY_VERDICT_ALLOW;
  std::string decided_by;  // plugin name, "core", or empty when allowed
  std::string reason;
  AttributeList attributes;  // what plugins set (proxy_decision::attributes)
  // PROXY_UPSTREAM_DIRECT or the parent's name, once an upstream was tried; else empty
  std::string upstream;
};

// `conn` must outlive the returned struct, as `data` must.
proxy_transaction abi_transaction(const TransactionData& data, const proxy_conn_info& conn);

}  // namespace proxy::host

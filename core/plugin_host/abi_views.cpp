#include "plugin_host/abi_views.hpp"

namespace proxy::host {

proxy_conn_info abi_conn_info(const ConnectionData& conn) {
  proxy_conn_info out{};
  out.size = sizeof(out);
  out.id = conn.id;
  out.client_ip = abi_str(conn.client_ip);
  out.client_port = conn.client_port;
  out.local_ip = abi_str(conn.local_ip);
  out.local_port = conn.local_port;
  out.worker = conn.worker;
  out.client_key = abi_str(conn.client_key);
  out.peer_ip = abi_str(conn.peer_ip);
  return out;
}

RequestView::RequestView(RequestData& data, bool editable, const AttributeList* attributes)
    : data_(data), editable_(editable), attributes_(attributes), handle_{&data.headers} {
  abi_.size = sizeof(abi_);
}

const proxy_request* RequestView::refresh() {
  fill_header_views(data_.headers, views_);
  release_pinned_headers(handle_);
  abi_.method = abi_str(data_.method);
  abi_.target = abi_str(data_.target);
  abi_.host = abi_str(data_.host);
  abi_.port = data_.port;
  abi_.path = abi_str(data_.path);
  abi_.version = static_cast<std::uint32_t>(data_.version);
  abi_.is_connect = data_.is_connect ? 1 : 0;
  abi_.headers = views_.data();
  abi_.header_count = views_.size();
  abi_.editable = editable_ ? &handle_ : nullptr;
  if (attributes_ != nullptr) {
    abi_.attributes = attributes_->views().data();
    abi_.attribute_count = attributes_->views().size();
  }
  return &abi_;
}

ResponseView::ResponseView(ResponseData& data, bool editable)
    : data_(data), editable_(editable), handle_{&data.headers} {
  abi_.size = sizeof(abi_);
}

const proxy_response* ResponseView::refresh() {
  fill_header_views(data_.headers, views_);
  release_pinned_headers(handle_);
  abi_.status = static_cast<std::uint32_t>(data_.status);
  abi_.reason = abi_str(data_.reason);
  abi_.version = static_cast<std::uint32_t>(data_.version);
  abi_.headers = views_.data();
  abi_.header_count = views_.size();
  abi_.editable = editable_ ? &handle_ : nullptr;
  return &abi_;
}

ClientHelloView::ClientHelloView(const tls::ClientHelloInfo* hello) {
  abi_.size = sizeof(abi_);
  abi_.sni = abi_str(std::string_view(""));  // an empty name, never a null pointer
  if (hello == nullptr) {
    return;
  }
  alpn_.reserve(hello->alpn.size());
  for (const auto& protocol : hello->alpn) {
    alpn_.push_back(abi_str(protocol));
  }
  abi_.is_tls = 1;
  abi_.sni = abi_str(hello->sni);
  abi_.alpn = alpn_.data();
  abi_.alpn_count = alpn_.size();
  abi_.legacy_version = hello->legacy_version;
  abi_.highest_version = hello->highest_version;
  abi_.has_ech = hello->has_ech ? 1 : 0;
}

proxy_transaction abi_transaction(const TransactionData& data, const proxy_conn_info& conn) {
  proxy_transaction out{};
  out.size = sizeof(out);
  out.kind = static_cast<std::uint32_t>(data.kind);
  out.conn = &conn;
  out.method = abi_str(data.method);
  out.host = abi_str(data.host);
  out.port = data.port;
  out.target = abi_str(data.target);
  out.status = static_cast<std::uint32_t>(data.status);
  out.sni = abi_str(data.sni);
  out.bytes_client_to_upstream = data.bytes_client_to_upstream;
  out.bytes_upstream_to_client = data.bytes_upstream_to_client;
  out.start_unix_ms = data.start_unix_ms;
  out.duration_us = data.duration_us;
  out.verdict = static_cast<std::uint32_t>(data.verdict);
  out.decided_by = abi_str(data.decided_by);
  out.reason = abi_str(data.reason);
  out.attributes = data.attributes.views().data();
  out.attribute_count = data.attributes.views().size();
  if (const auto user = data.attributes.get(PROXY_ATTRIBUTE_USER)) {
    out.user = abi_str(*user);
  }
  if (!data.upstream.empty()) {
    out.upstream = abi_str(data.upstream);
  }
  return out;
}

}  // namespace proxy::host

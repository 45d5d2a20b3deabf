#include "test_hellos.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/ssl.h>

namespace proxy::tls::test {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

void append_u8(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
}

void append_u16(Bytes& out, std::size_t value) {
  append_u8(out, value >> 8);
  append_u8(out, value & 0xff);
}

void append_u24(Bytes& out, std::size_t value) {
  append_u8(out, value >> 16);
  append_u16(out, value & 0xffff);
}

void append(Bytes& out, const Bytes& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Reads test input that is known to be well formed; throws if it is not.
class Cursor {
 public:
  explicit Cursor(const Bytes& bytes) : bytes_(bytes) {}

  bool done() const { return pos_ == bytes_.size(); }

  std::size_t number(std::size_t width) {
    std::size_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      value = value << 8 | take(1)[0];
    }
    return value;
  }

  Bytes take(std::size_t count) {
    if (bytes_.size() - pos_ < count) {
      throw std::runtime_error("test hello is truncated");
    }
    Bytes out(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
              bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + count));
    pos_ += count;
    return out;
  }

 private:
  const Bytes& bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

Bytes openssl_client_hello(const OpenSslHelloOptions& options) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    throw std::runtime_error("SSL_CTX_new failed");
  }
  if (options.max_version != 0 &&
      SSL_CTX_set_max_proto_version(ctx.get(), options.max_version) != 1) {
    throw std::runtime_error("SSL_CTX_set_max_proto_version failed");
  }
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) {
    throw std::runtime_error("SSL_new failed");
  }
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), rbio, wbio);  // the SSL owns both from here
  if (!options.host_name.empty() &&
      SSL_set_tlsext_host_name(ssl.get(), options.host_name.c_str()) != 1) {
    throw std::runtime_error("SSL_set_tlsext_host_name failed");
  }
  if (!options.alpn.empty()) {
    Bytes wire;
    for (const auto& protocol : options.alpn) {
      append_u8(wire, protocol.size());
      wire.insert(wire.end(), protocol.begin(), protocol.end());
    }
    // Unlike most of OpenSSL, 0 means success here.
    if (SSL_set_alpn_protos(ssl.get(), wire.data(), static_cast<unsigned>(wire.size())) != 0) {
      throw std::runtime_error("SSL_set_alpn_protos failed");
    }
  }
  const int rc = SSL_connect(ssl.get());
  if (rc > 0 || SSL_get_error(ssl.get(), rc) != SSL_ERROR_WANT_READ) {
    throw std::runtime_error("SSL_connect did not stop to wait for the ServerHello");
  }
  Bytes out(BIO_ctrl_pending(wbio));
  if (out.empty() ||
      BIO_read(wbio, out.data(), static_cast<int>(out.size())) != static_cast<int>(out.size())) {
    throw std::runtime_error("no ClientHello written");
  }
  return out;
}

Extension* HelloParts::find(std::uint16_t type) {
  for (auto& extension : extensions) {
    if (extension.type == type) {
      return &extension;
    }
  }
  return nullptr;
}

HelloParts split_hello(const Bytes& wire) {
  Bytes message;
  Cursor records(wire);
  while (!records.done()) {
    records.take(3);
    append(message, records.take(records.number(2)));
  }
  Cursor hello(message);
  if (hello.number(1) != 1) {
    throw std::runtime_error("not a ClientHello");
  }
  const Bytes body_bytes = hello.take(hello.number(3));
  Cursor body(body_bytes);
  HelloParts parts;
  parts.legacy_version = static_cast<std::uint16_t>(body.number(2));
  parts.random = body.take(32);
  parts.session_id = body.take(body.number(1));
  parts.cipher_suites = body.take(body.number(2));
  parts.compression = body.take(body.number(1));
  parts.with_extensions = !body.done();
  if (parts.with_extensions) {
    const Bytes block = body.take(body.number(2));
    Cursor extensions(block);
    while (!extensions.done()) {
      Extension extension;
      extension.type = static_cast<std::uint16_t>(extensions.number(2));
      extension.data = extensions.take(extensions.number(2));
      parts.extensions.push_back(std::move(extension));
    }
  }
  return parts;
}

Bytes handshake_message(const HelloParts& parts) {
  Bytes body;
  append_u16(body, parts.legacy_version);
  append(body, parts.random);
  append_u8(body, parts.session_id.size());
  append(body, parts.session_id);
  append_u16(body, parts.cipher_suites.size());
  append(body, parts.cipher_suites);
  append_u8(body, parts.compression.size());
  append(body, parts.compression);
  if (parts.with_extensions) {
    Bytes block;
    for (const auto& extension : parts.extensions) {
      append_u16(block, extension.type);
      append_u16(block, extension.data.size());
      append(block, extension.data);
    }
    append_u16(body, block.size());
    append(body, block);
  }
  Bytes message{1};
  append_u24(message, body.size());
  append(message, body);
  return message;
}

Bytes frame_records(const Bytes& message, std::size_t record_size, std::uint16_t record_version) {
  Bytes wire;
  for (std::size_t at = 0; at < message.size(); at += record_size) {
    const std::size_t length = std::min(record_size, message.size() - at);
    append_u8(wire, 22);
    append_u16(wire, record_version);
    append_u16(wire, length);
    wire.insert(wire.end(), message.begin() + static_cast<std::ptrdiff_t>(at),
                message.begin() + static_cast<std::ptrdiff_t>(at + length));
  }
  return wire;
}

Bytes single_record(const HelloParts& parts) {
  const Bytes message = handshake_message(parts);
  return frame_records(message, message.size());
}

Extension server_name_extension(std::string_view host_name) {
  Extension extension{0, {}};
  append_u16(extension.data, host_name.size() + 3);
  append_u8(extension.data, 0);
  append_u16(extension.data, host_name.size());
  extension.data.insert(extension.data.end(), host_name.begin(), host_name.end());
  return extension;
}

Extension alpn_extension(const std::vector<std::string>& protocols) {
  Bytes list;
  for (const auto& protocol : protocols) {
    append_u8(list, protocol.size());
    list.insert(list.end(), protocol.begin(), protocol.end());
  }
  Extension extension{16, {}};
  append_u16(extension.data, list.size());
  append(extension.data, list);
  return extension;
}

Extension supported_versions_extension(const std::vector<std::uint16_t>& versions) {
  Extension extension{43, {}};
  append_u8(extension.data, versions.size() * 2);
  for (const auto version : versions) {
    append_u16(extension.data, version);
  }
  return extension;
}

std::vector<LengthField> length_fields(const HelloParts& parts) {
  const std::size_t end = single_record(parts).size();
  std::vector<LengthField> fields;
  std::size_t at = 5 + 4 + 2 + 32;
  fields.push_back({"session_id", at, 1, end});
  at += 1 + parts.session_id.size();
  fields.push_back({"cipher_suites", at, 2, end});
  at += 2 + parts.cipher_suites.size();
  fields.push_back({"compression_methods", at, 1, end});
  at += 1 + parts.compression.size();
  if (!parts.with_extensions) {
    return fields;
  }
  fields.push_back({"extensions", at, 2, end});
  at += 2;
  for (const auto& extension : parts.extensions) {
    const std::string name = "extension " + std::to_string(extension.type);
    fields.push_back({name, at + 2, 2, end});
    const std::size_t data = at + 4;
    const std::size_t data_end = data + extension.data.size();
    if (extension.type == 0) {
      fields.push_back({"server_name list", data, 2, data_end});
      fields.push_back({"server_name host_name", data + 3, 2, data_end});
    } else if (extension.type == 16) {
      fields.push_back({"ALPN list", data, 2, data_end});
      fields.push_back({"ALPN first protocol", data + 2, 1, data_end});
    } else if (extension.type == 43) {
      fields.push_back({"supported_versions list", data, 1, data_end});
    }
    at = data_end;
  }
  return fields;
}

void put_length(Bytes& wire, const LengthField& field, std::size_t value) {
  for (std::size_t i = 0; i < field.width; ++i) {
    wire[field.offset + field.width - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}

}  // namespace proxy::tls::test

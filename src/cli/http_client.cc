#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <optional>

namespace gantry::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Replies larger than this are refused rather than buffered (the server caps bodies at 8 MiB
// on the way in; listings can be larger on the way out).
constexpr uint64_t kMaxResponseBody = 256ull << 20;

std::string Seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
  return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0);
}

// A reused keep-alive connection the server closed while idle fails this way; the request was
// not processed, so it is safe to send it again on a fresh connection.
bool IsStaleConnectionError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view url) {
  std::string text(url);
  if (text.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty endpoint URL");
  if (text.find("://") == std::string::npos) text = "http://" + text;
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed)
    return MakeError(ErrorCode::kInvalidArgument, "invalid endpoint URL '{}': {}", url,
                     parsed.error().message());
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "http")
    return MakeError(ErrorCode::kInvalidArgument,
                     "unsupported endpoint URL '{}': only http:// is supported", url);
  Endpoint ep;
  ep.host = u.host_address();
  if (ep.host.empty())
    return MakeError(ErrorCode::kInvalidArgument, "invalid endpoint URL '{}': no host", url);
  ep.port = u.has_port() ? std::string(u.port()) : "80";
  if (ep.port.empty() || ep.port.size() > 5 ||
      ep.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(ep.port) == 0 ||
      std::stoi(ep.port) > 65535)
    return MakeError(ErrorCode::kInvalidArgument, "invalid endpoint URL '{}': bad port '{}'", url,
                     ep.port);
  ep.base_path = std::string(u.encoded_path());
  // (Boost.URL 1.81 reads "http://h:port" as host "h", empty port, path "port".)
  if (!ep.base_path.empty() && ep.base_path.front() != '/')
    return MakeError(ErrorCode::kInvalidArgument, "invalid endpoint URL '{}'", url);
  while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  if (u.has_query() || u.has_fragment())
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid endpoint URL '{}': a query or fragment is not allowed", url);
  ep.display = fmt::format("http://{}:{}{}", std::string(u.encoded_host()), ep.port, ep.base_path);
  return ep;
}

struct HttpClient::Impl {
  Endpoint endpoint;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int connections = 0;

  explicit Impl(Endpoint ep) : endpoint(std::move(ep)) {}

  // Every operation below is started asynchronously only so that tcp_stream's timeouts apply;
  // this runs it to completion before returning, so nothing outlives the call.
  void RunPending() {
    ioc.restart();
    ioc.run();
  }

  void Close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
      stream.reset();
    }
    buffer.clear();
  }

  Error Unreachable(const beast::error_code& ec, std::chrono::milliseconds timeout) const {
    if (ec == asio::error::connection_refused)
      return MakeError(ErrorCode::kUnavailable,
                       "cannot reach gantry server at {} (is `gantry server` running?)",
                       endpoint.display);
    if (ec == beast::error::timeout)
      return MakeError(ErrorCode::kUnavailable,
                       "cannot reach gantry server at {}: connect timed out after {}",
                       endpoint.display, Seconds(timeout));
    return MakeError(ErrorCode::kUnavailable, "cannot reach gantry server at {}: {}",
                     endpoint.display, ec.message());
  }

  Result<void> Connect(std::chrono::milliseconds timeout) {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
    if (ec)
      return MakeError(ErrorCode::kUnavailable, "cannot reach gantry server at {}: {}",
                       endpoint.display, ec.message());
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(results,
                          [&ec](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    RunPending();
    if (ec) {
      Close();
      return Unreachable(ec, timeout);
    }
    beast::error_code ignored;
    stream->socket().set_option(tcp::no_delay(true), ignored);
    ++connections;
    return Ok();
  }

  struct Attempt {
    beast::error_code ec;
    bool got_reply_bytes = false;
    Response response;
  };

  Attempt RoundTrip(http::verb verb, std::string_view target, std::string_view body,
                    std::chrono::milliseconds timeout) {
    Attempt a;
    http::request<http::string_body> req{verb, endpoint.base_path + std::string(target), 11};
    req.set(http::field::host, endpoint.host + ":" + endpoint.port);
    req.set(http::field::user_agent, "gantry-cli");
    req.set(http::field::accept, "application/json");
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::string(body);
    }
    req.keep_alive(true);
    req.prepare_payload();

    stream->expires_after(timeout);
    http::async_write(*stream, req, [&a](const beast::error_code& e, std::size_t) { a.ec = e; });
    RunPending();
    if (a.ec) return a;

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    stream->expires_after(timeout);
    http::async_read(*stream, buffer, parser,
                     [&a](const beast::error_code& e, std::size_t) { a.ec = e; });
    RunPending();
    a.got_reply_bytes = parser.got_some();
    if (a.ec) return a;

    auto& res = parser.get();
    a.response.status = static_cast<int>(res.result_int());
    a.response.body = std::move(res.body());
    if (!res.keep_alive()) Close();
    return a;
  }
};

HttpClient::HttpClient(Endpoint endpoint) : impl_(std::make_unique<Impl>(std::move(endpoint))) {}
HttpClient::~HttpClient() {
  if (impl_) impl_->Close();
}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const Endpoint& HttpClient::endpoint() const { return impl_->endpoint; }
int HttpClient::connections_opened() const { return impl_->connections; }

Result<Response> HttpClient::Request(std::string_view method, std::string_view target,
                                     std::string_view body, std::chrono::milliseconds timeout) {
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    return MakeError(ErrorCode::kInvalidArgument, "unknown HTTP method '{}'", method);

  for (int attempt = 0;; ++attempt) {
    bool reused = impl_->stream.has_value();
    if (!reused) GANTRY_TRY(impl_->Connect(timeout));
    Impl::Attempt a = impl_->RoundTrip(verb, target, body, timeout);
    if (!a.ec) return std::move(a.response);
    impl_->Close();
    if (reused && attempt == 0 && !a.got_reply_bytes && IsStaleConnectionError(a.ec)) continue;
    if (a.ec == beast::error::timeout)
      return MakeError(ErrorCode::kUnavailable, "{} {}{} timed out after {}", method,
                       impl_->endpoint.display, target, Seconds(timeout));
    if (a.ec == http::error::body_limit)
      return MakeError(ErrorCode::kResourceExhausted, "{} {}{}: reply larger than {} bytes", method,
                       impl_->endpoint.display, target, kMaxResponseBody);
    return MakeError(ErrorCode::kUnavailable, "{} {}{} failed: {}", method, impl_->endpoint.display,
                     target, a.ec.message());
  }
}

}  // namespace gantry::cli

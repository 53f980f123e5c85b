#include "api/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

namespace gantry::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

HttpRequest ToRequest(const http::request<http::string_body>& req, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  auto parsed = boost::urls::parse_origin_form(out.target);
  if (parsed) {
    out.path = parsed->path();
    for (auto p : parsed->params()) out.query.emplace(p.key, p.has_value ? p.value : "");
  } else {
    out.path = out.target.substr(0, out.target.find('?'));
  }
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers[name] = std::string(f.value());
  }
  out.body = req.body();
  out.remote = remote;
  return out;
}

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(HttpServerOptions opts, Handler handler)
      : opts_(std::move(opts)), handler_(std::move(handler)), acceptor_(ioc_),
        workers_(static_cast<size_t>(opts_.worker_threads)) {}

  ~ServerImpl() override { Stop(); }

  Result<void> Start() {
    auto colon = opts_.listen.rfind(':');
    if (colon == std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT (got '{}')",
                       opts_.listen);
    std::string host = opts_.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    int port = std::atoi(opts_.listen.c_str() + colon + 1);
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) return MakeError(ErrorCode::kInvalidArgument, "bad listen address '{}'", host);
    tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return MakeError(ErrorCode::kUnavailable, "cannot listen on {}: {}", opts_.listen,
                       ec.message());
    auto local = acceptor_.local_endpoint();
    address_ = (local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                        : local.address().to_string()) +
               ":" + std::to_string(local.port());
    asio::co_spawn(ioc_, Accept(), asio::detached);
    for (int i = 0; i < opts_.io_threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return Ok();
  }

  std::string Address() const override { return address_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    workers_.join();
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kUseTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ioc_, Session(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> Session(tcp::socket sock) {
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    boost::system::error_code ec;
    std::string remote;
    auto rep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = rep.address().to_string();
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(opts_.body_limit);
      stream.expires_after(std::chrono::seconds(300));
      auto [rec, n] = co_await http::async_read(stream, buf, parser, kUseTuple);
      (void)n;
      if (rec) {
        if (rec == http::error::body_limit) {
          http::response<http::string_body> res{http::status::payload_too_large, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = R"({"error":{"code":"PayloadTooLarge","message":"request body too large"}})";
          res.prepare_payload();
          res.keep_alive(false);
          co_await http::async_write(stream, res, kUseTuple);
        } else if (rec != http::error::end_of_stream && rec != asio::error::eof &&
                   rec != asio::error::operation_aborted && rec != beast::error::timeout &&
                   rec != asio::error::connection_reset) {
          http::response<http::string_body> res{http::status::bad_request, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = R"({"error":{"code":"InvalidArgument","message":"malformed HTTP request"}})";
          res.prepare_payload();
          res.keep_alive(false);
          co_await http::async_write(stream, res, kUseTuple);
        }
        break;
      }
      auto req = parser.release();
      HttpRequest hreq = ToRequest(req, remote);
      // Run the handler on the worker pool, then resume here on the io_context.
      HttpResponse hres;
      co_await asio::post(workers_, asio::use_awaitable);
      try {
        hres = handler_(hreq);
      } catch (const std::exception& e) {
        spdlog::error("handler for {} {} threw: {}", hreq.method, hreq.path, e.what());
        hres.status = 500;
        hres.body = R"({"error":{"code":"Internal","message":"internal error"}})";
      }
      co_await asio::post(ioc_, asio::use_awaitable);

      http::response<http::string_body> res{static_cast<http::status>(hres.status),
                                            req.version()};
      res.set(http::field::server, "gantry");
      if (!hres.content_type.empty()) res.set(http::field::content_type, hres.content_type);
      for (const auto& [k, v] : hres.headers) res.set(k, v);
      res.body() = std::move(hres.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, kUseTuple);
      (void)wn;
      if (wec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  HttpServerOptions opts_;
  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::thread_pool workers_;
  std::vector<std::thread> threads_;
  std::string address_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<HttpServer>> StartHttpServer(const HttpServerOptions& opts,
                                                    Handler handler) {
  auto s = std::make_unique<ServerImpl>(opts, std::move(handler));
  GANTRY_TRY(s->Start());
  return std::unique_ptr<HttpServer>(std::move(s));
}

}  // namespace gantry::api

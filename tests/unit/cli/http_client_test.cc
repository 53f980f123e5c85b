// HttpClient and ApiClient against a small synchronous Beast server on 127.0.0.1:0.
#include "cli/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <functional>
#include <thread>

#include "cli/api_client.h"

namespace gantry::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Req = http::request<http::string_body>;
using Res = http::response<http::string_body>;

enum class ConnectionMode {
  kKeepAlive,    // honour keep-alive
  kClose,        // answer "Connection: close" and close
  kSilentClose,  // answer as keep-alive, then close anyway (a server's idle timeout)
};

// Serves one connection at a time on its own thread, calling `handler` for each request.
class TestServer {
 public:
  explicit TestServer(std::function<Res(const Req&)> handler,
                      ConnectionMode mode = ConnectionMode::kKeepAlive)
      : handler_(std::move(handler)),
        mode_(mode),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }

  ~TestServer() {
    stopping_ = true;
    // Wake the blocking accept() with a throwaway connection.
    beast::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_; }

 private:
  void Serve() {
    while (!stopping_) {
      tcp::socket s(ioc_);
      beast::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping_) return;
      ++accepted_;
      beast::flat_buffer buffer;
      for (;;) {
        Req req;
        http::read(s, buffer, req, ec);
        if (ec) break;
        Res res = handler_(req);
        res.version(11);
        res.keep_alive(mode_ != ConnectionMode::kClose && req.keep_alive());
        res.prepare_payload();
        http::write(s, res, ec);
        if (ec || mode_ != ConnectionMode::kKeepAlive) break;
      }
      s.shutdown(tcp::socket::shutdown_both, ec);
      s.close(ec);
    }
  }

  std::function<Res(const Req&)> handler_;
  ConnectionMode mode_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

Res Reply(http::status status, std::string body) {
  Res res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

Res Echo(const Req& req) {
  return Reply(http::status::ok,
               std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                   std::string(req[http::field::content_type]) + " " + req.body());
}

HttpClient ClientFor(const std::string& url) {
  auto ep = ParseEndpoint(url);
  EXPECT_TRUE(ep.ok());
  return HttpClient(*ep);
}

TEST(ParseEndpointTest, Forms) {
  auto ep = ParseEndpoint("http://127.0.0.1:7480");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, "7480");
  EXPECT_EQ(ep->base_path, "");
  EXPECT_EQ(ep->display, "http://127.0.0.1:7480");

  ep = ParseEndpoint("localhost:9000");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, "9000");

  ep = ParseEndpoint("http://example.com/gantry/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, "80");
  EXPECT_EQ(ep->base_path, "/gantry");
  EXPECT_EQ(ep->display, "http://example.com:80/gantry");

  ep = ParseEndpoint("http://[::1]:7480");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->display, "http://[::1]:7480");
}

TEST(ParseEndpointTest, Rejects) {
  for (const char* bad : {"", "https://127.0.0.1:7480", "http://", "http://h:1/?q=1",
                          "http://h:1/#x", "http://h:port", "ftp://h"}) {
    auto ep = ParseEndpoint(bad);
    EXPECT_FALSE(ep.ok()) << bad;
    if (!ep.ok()) {
      EXPECT_EQ(ep.error().code, ErrorCode::kInvalidArgument) << bad;
    }
  }
}

TEST(HttpClientTest, GetAndPost) {
  TestServer server(Echo);
  HttpClient client = ClientFor(server.url());
  auto r = client.Request("GET", "/v1/info");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /v1/info  ");

  r = client.Request("POST", "/v1/tasks?x=1", R"({"a":1})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, R"(POST /v1/tasks?x=1 application/json {"a":1})");
}

TEST(HttpClientTest, ErrorStatusIsAValueNotAnError) {
  TestServer server([](const Req&) { return Reply(http::status::not_found, "{}"); });
  HttpClient client = ClientFor(server.url());
  auto r = client.Request("DELETE", "/v1/images/x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST(HttpClientTest, KeepAliveUsesOneConnection) {
  TestServer server(Echo);
  HttpClient client = ClientFor(server.url());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.Request("GET", "/healthz").ok());
  EXPECT_EQ(client.connections_opened(), 1);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, ReconnectsWhenServerAsksToClose) {
  TestServer server(Echo, ConnectionMode::kClose);
  HttpClient client = ClientFor(server.url());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Request("GET", "/healthz");
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  EXPECT_EQ(client.connections_opened(), 3);
}

TEST(HttpClientTest, RetriesOnceOnAStaleKeepAliveConnection) {
  TestServer server(Echo, ConnectionMode::kSilentClose);
  HttpClient client = ClientFor(server.url());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Request("POST", "/v1/tasks", "{}");
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 3);
}

TEST(HttpClientTest, BasePathIsPrepended) {
  TestServer server(Echo);
  HttpClient client = ClientFor(server.url() + "/prefix/");
  auto r = client.Request("GET", "/v1/info");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "GET /prefix/v1/info  ");
}

TEST(HttpClientTest, ConnectionRefusedNamesTheServer) {
  unsigned short port;
  {
    // A port that was free a moment ago and has no listener now.
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  HttpClient client = ClientFor(url);
  auto r = client.Request("GET", "/v1/tasks");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message,
            "cannot reach gantry server at " + url + " (is `gantry server` running?)");
}

TEST(HttpClientTest, ReadTimeout) {
  TestServer server([](const Req& req) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return Echo(req);
  });
  HttpClient client = ClientFor(server.url());
  auto r = client.Request("GET", "/slow", {}, std::chrono::milliseconds(100));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("timed out after 0.1s"), std::string::npos) << r.error().message;
}

TEST(HttpClientTest, UnknownMethodIsRejected) {
  HttpClient client = ClientFor("http://127.0.0.1:1");
  auto r = client.Request("FROB", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(ApiClientTest, ParsesJsonAndMapsApiErrors) {
  TestServer server([](const Req& req) {
    if (req.target() == "/v1/info") return Reply(http::status::ok, R"({"version":"1"})");
    if (req.target() == "/empty") return Reply(http::status::ok, "");
    if (req.target() == "/html") return Reply(http::status::bad_gateway, "<html>\nbad</html>");
    return Reply(http::status::not_found,
                 R"({"error":{"code":"NotFound","message":"task 0f3c not found"}})");
  });
  ApiClient api(ClientFor(server.url()));
  auto info = api.Get("/v1/info");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(*info, boost::json::parse(R"({"version":"1"})"));

  auto empty = api.Delete("/empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_object());

  auto missing = api.Get("/v1/tasks/0f3c");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "task 0f3c not found");

  auto html = api.Get("/html");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().message, "server replied HTTP 502: <html> bad</html>");
}

TEST(ErrorFromReplyTest, CodesFromNameOrStatus) {
  EXPECT_EQ(ErrorFromReply(409, R"({"error":{"code":"AlreadyExists","message":"m"}})").code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(ErrorFromReply(429, "").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(ErrorFromReply(429, "").message, "server replied HTTP 429");
  EXPECT_EQ(ErrorFromReply(400, R"({"error":{"code":"InvalidArgument"}})").message,
            "InvalidArgument");
}

TEST(PercentEncodeTest, Encodes) {
  EXPECT_EQ(PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(PercentEncode("a b/c:d"), "a%20b%2Fc%3Ad");
  EXPECT_EQ(EncodePathSegment("busybox:latest"), "busybox:latest");
  EXPECT_EQ(EncodePathSegment("arn:aws:ecs:r:1:task-definition/web:3"),
            "arn:aws:ecs:r:1:task-definition%2Fweb:3");
}

}  // namespace
}  // namespace gantry::cli

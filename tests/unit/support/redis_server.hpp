#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace proxy::test_support {

// A real redis-server for a test: on 127.0.0.1, on a port picked free, without
// persistence (--save '' --appendonly no), in a folder of its own. Ended by its PID (the
// destructor kills it). kill() and start() again on the same port stand for a crash
// and a restart; pause() and resume() (SIGSTOP, SIGCONT) for a Redis that hangs.
// PROXY_REDIS_SERVER names the binary (found when the build was configured).
class RedisServer {
 public:
  explicit RedisServer(std::string password = {}) : password_(std::move(password)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("proxy_redis_" + std::to_string(::getpid()) + "_" + std::to_string(next_id()));
    std::filesystem::create_directories(dir_);
    port_ = free_port();
    start();
  }
  ~RedisServer() {
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Starts it (again) on the same port and waits until it answers PING.
  void start() {
    const std::string binary = PROXY_REDIS_SERVER;
    if (binary.empty()) {
      throw std::runtime_error(
          "redis-server was not found when the build was configured "
          "(scripts/install-deps.sh installs it)");
    }
    std::vector<std::string> args = {binary,
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_.string(),
                                     "--logfile",
                                     (dir_ / "redis.log").string()};
    if (!password_.empty()) {
      args.insert(args.end(), {"--requirepass", password_});
    }
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (::posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot start " + binary);
      }
      if (wait_until_answering()) {
        return;
      }
      kill();  // the port was taken meanwhile: pick another
      port_ = free_port();
      args[2] = std::to_string(port_);
      argv[2] = args[2].data();
    }
    throw std::runtime_error("redis-server did not start");
  }

  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGCONT);
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  void pause() const { ::kill(pid_, SIGSTOP); }
  void resume() const { ::kill(pid_, SIGCONT); }

  // A plain (blocking) client for the test's own checks.
  std::unique_ptr<redisContext, void (*)(redisContext*)> client() const {
    const timeval timeout{2, 0};
    std::unique_ptr<redisContext, void (*)(redisContext*)> context(
        redisConnectWithTimeout("127.0.0.1", port_, timeout), redisFree);
    if (!context || context->err != 0) {
      throw std::runtime_error("cannot connect to the test's redis-server");
    }
    if (!password_.empty()) {
      command(context.get(), {"AUTH", password_});
    }
    return context;
  }

  // Runs one command; the reply, owned by the caller.
  static std::unique_ptr<redisReply, void (*)(void*)> command(
      redisContext* context, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    void* reply =
        redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data());
    if (reply == nullptr) {
      throw std::runtime_error("redis command failed: " + std::string(context->errstr));
    }
    return {static_cast<redisReply*>(reply), freeReplyObject};
  }

 private:
  static int next_id() {
    static int id = 0;
    return ++id;
  }

  static std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
  }

  bool wait_until_answering() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      const timeval timeout{0, 200'000};
      redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
      if (context != nullptr && context->err == 0) {
        redisFree(context);
        return true;
      }
      redisFree(context);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::string password_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace proxy::test_support

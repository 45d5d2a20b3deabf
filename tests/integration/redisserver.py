"""A real redis-server for the integration tests: on 127.0.0.1, on a port picked free,
without persistence (--save '' --appendonly no), in a temporary folder of its own, ended
by its PID. kill() (SIGKILL) then start() again on the same port stands for a crash and a
restart; pause() and resume() (SIGSTOP, SIGCONT) for a Redis that hangs. A small RESP
client (standard library only) runs the tests' own commands."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from proxytest import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _encode(args):
    out = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    return b"".join(out)


class RespError(Exception):
    pass


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _line(self):
        while b"\r\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("redis closed the connection")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buffer) < n + 2:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("redis closed the connection")
            self.buffer += data
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ConnectionError(f"unexpected RESP line {line!r}")


class RedisServer:
    def __init__(self, password=None):
        if not os.access(REDIS_SERVER, os.X_OK):
            raise AssertionError("redis-server is missing (scripts/install-deps.sh installs it)")
        self.password = password
        self.dir = tempfile.mkdtemp(prefix="proxy-redis-")
        self.port = free_port()
        self.proc = None
        self.start()

    def start(self, timeout=10):
        """Starts redis-server (again, on the same port) and waits until it answers."""
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir,
                "--logfile", os.path.join(self.dir, "redis.log")]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.command("PING") == "PONG":
                    return
            except (OSError, ConnectionError, RespError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start on port {self.port}:\n"
                                     + self.log())
            time.sleep(0.02)

    def log(self):
        try:
            with open(os.path.join(self.dir, "redis.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def command(self, *args, timeout=5):
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            reader = _Reader(sock)
            if self.password:
                sock.sendall(_encode(["AUTH", self.password]))
                reader.reply()
            sock.sendall(_encode(args))
            return reader.reply()

    def time_ms(self):
        """Redis's own clock, which the rate limit's windows are aligned on."""
        seconds, micros = self.command("TIME")
        return int(seconds) * 1000 + int(micros) // 1000

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

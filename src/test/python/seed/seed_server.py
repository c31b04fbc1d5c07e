#!/usr/bin/env python3
"""Reconstruction of the ORIGINAL Python chat server, written from /work/shared/PROTOCOL-SEED.md.

This is NOT the original code. It exists only as an interop test fixture for pekko-chat:
it speaks the seed protocol exactly as the contract describes, with the original's plain
threaded design (one thread per client, a lock around the user dict). It deliberately keeps
the original's documented defects that do not make it unusable as a fixture:
  - whole frames are buffered in memory, with no size limit (defects 3 and 4);
  - broadcasts use blocking writes while holding the user lock (defect 5);
  - no JOIN timeout, no limits, no name validation (defect 6); no TLS, no auth (defect 7).

Usage: python3 seed_server.py [--host H] [--port P]     (defaults 0.0.0.0, 12000)

Once listening it prints exactly one line "LISTENING <port>" to stdout (the real bound port,
so "--port 0" yields an ephemeral port) and flushes it. All other logging goes to stderr.
"""

import argparse
import signal
import socket
import struct
import sys
import threading

TEXT, FILE, JOIN, LEAVE, ERROR, COMMAND = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
SEP = b"::"

HELP_TEXT = (
    "[Server] Commands:\n"
    "/users - list online users\n"
    "/send <filepath> - send a file to everyone\n"
    "/quit - leave the chat"
)

clients = {}  # username -> Client, in join order
clients_lock = threading.Lock()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def recv_exact(sock, n):
    """Read exactly n bytes, or return None if the peer closed first."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 65536))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def recv_frame(sock):
    """Return (type, payload) or None on a clean EOF. Whole-frame buffering, no size limit."""
    header = recv_exact(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    if length == 0:
        # Not a valid frame (no type byte); the original would just read garbage. Treat as EOF.
        return None
    body = recv_exact(sock, length)
    if body is None:
        return None
    return body[0], body[1:]


def encode_frame(mtype, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return struct.pack(">IB", len(payload) + 1, mtype) + payload


class Client:
    def __init__(self, sock, addr):
        self.sock = sock
        self.addr = addr
        self.name = None
        # Sends to one socket come from its own thread and from broadcasting threads;
        # serialise them so frames never interleave.
        self.send_lock = threading.Lock()

    def send(self, mtype, payload):
        data = encode_frame(mtype, payload)
        with self.send_lock:
            self.sock.sendall(data)  # blocking, as in the original


def broadcast_locked(mtype, payload, exclude=None):
    """Send to every online user except `exclude`. Caller holds clients_lock (defect 5)."""
    data = encode_frame(mtype, payload)
    for name, c in list(clients.items()):
        if c is exclude:
            continue
        try:
            with c.send_lock:
                c.sock.sendall(data)
        except OSError as e:
            # That client's own thread will see the broken connection and announce LEAVE.
            log(f"send to {name!r} failed: {e}")


def handle_join(client):
    """Wait for a successful JOIN. Returns True when joined, False if the connection ended."""
    while True:
        frame = recv_frame(client.sock)
        if frame is None:
            return False
        mtype, payload = frame
        if mtype != JOIN:
            client.send(ERROR, "Invalid JOIN message.")
            continue
        name = payload.decode("utf-8", errors="replace")
        with clients_lock:
            if name in clients:
                taken = True
            else:
                taken = False
                clients[name] = client
                client.name = name
                broadcast_locked(JOIN, f"{name} joined the chat.", exclude=client)
                client.send(TEXT, "Welcome! Type /help for commands.")
        if taken:
            client.send(ERROR, "Username already taken.")
            continue
        log(f"{name!r} joined from {client.addr}")
        return True


def handle_command(client, line):
    """Returns False when the connection must be closed (after /quit)."""
    cmd = line.strip()
    if cmd == "/users":
        with clients_lock:
            names = ", ".join(clients.keys())
        client.send(TEXT, f"[Server] Online users: {names}")
    elif cmd == "/help":
        client.send(TEXT, HELP_TEXT)
    elif cmd == "/quit":
        client.send(COMMAND, "/quit_ack")
        return False
    else:
        client.send(ERROR, "Unknown command. Type /help.")
    return True


def handle_client(sock, addr):
    client = Client(sock, addr)
    try:
        if not handle_join(client):
            return
        while True:
            frame = recv_frame(sock)
            if frame is None:
                break
            mtype, payload = frame
            if mtype == TEXT:
                line = payload.decode("utf-8", errors="replace")
                if line.startswith("/"):
                    if not handle_command(client, line):
                        break
                else:
                    with clients_lock:
                        broadcast_locked(TEXT, f"{client.name}::{line}", exclude=client)
            elif mtype == FILE:
                if SEP not in payload:
                    client.send(ERROR, "Invalid FILE message.")
                    continue
                # Forward "filename::bytes" untouched behind the sender prefix.
                relayed = client.name.encode("utf-8") + SEP + payload
                with clients_lock:
                    broadcast_locked(FILE, relayed, exclude=client)
            else:
                client.send(ERROR, "Invalid message type.")
    except OSError as e:
        log(f"connection {addr} error: {e}")
    except Exception as e:  # never let one client take the server down
        log(f"connection {addr} unexpected error: {e!r}")
    finally:
        name = client.name
        if name is not None:
            with clients_lock:
                # Remove exactly once; only the remover announces the LEAVE.
                if clients.get(name) is client:
                    del clients[name]
                    broadcast_locked(LEAVE, f"{name} left the chat.")
            log(f"{name!r} left")
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description="Seed protocol chat server (reconstruction)")
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=12000)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    port = srv.getsockname()[1]
    print(f"LISTENING {port}", flush=True)
    log(f"seed server listening on {args.host}:{port}")
    try:
        while True:
            sock, addr = srv.accept()
            threading.Thread(target=handle_client, args=(sock, addr), daemon=True).start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        srv.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reconstruction of the ORIGINAL Python chat server, for interop tests of pekko-chat.

This is NOT the original code. It was written by hand from /work/shared/PROTOCOL-SEED.md and
then corrected by observing the original (seed-original/) from the outside: raw sockets against
both, the same frames in, the replies compared. It is the stand-in the interop tests use when
the original is not beside the project, so it repeats the original's observable behaviour,
defects included (see README.md for the list), and nothing more.

Usage: python3 seed_server.py [--host H] [-p/--port P] [-m/--max-clients N]
       (defaults 0.0.0.0, 12000, 10; N is only the listen backlog, as in the original)

Like the original it logs to stderr as "[HH:MM:SS] message", the first line being
"Server listening on H:P" once it listens (the requested port, so --port 0 is of no use).
If it cannot bind it logs "Failed to start server: <reason>", prints "Server shutdown complete."
and exits with status 0.
"""

import argparse
import socket
import struct
import sys
import threading
import time

TEXT, FILE, JOIN, LEAVE, ERROR, COMMAND = 1, 2, 3, 4, 5, 6

HELP_TEXT = "\n".join([
    "[Server] Commands:",
    "/users - List online users",
    "/send <filepath> - Send a file",
    "/quit - Disconnect",
])

# socket -> username, in the order the users joined (the /users order).
users = {}
users_lock = threading.Lock()


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def frame(mtype, payload):
    return struct.pack("!IB", len(payload) + 1, mtype) + payload


def read_exactly(sock, n):
    """n bytes, or None when the connection ends (or fails) first. n == 0 gives b''."""
    got = bytearray()
    while len(got) < n:
        try:
            part = sock.recv(n - len(got))
        except OSError as e:
            # Observed on stdout after a /quit (the server closed the socket itself) and on resets.
            print(f"[Network Error] Connection lost during recvall: {e}", flush=True)
            return None
        if not part:
            return None
        got += part
    return bytes(got)


def read_frame(sock):
    """(type, payload), or None. A length of 0 reads as the end of the connection (observed)."""
    header = read_exactly(sock, 4)
    if not header:
        return None
    (length,) = struct.unpack("!I", header)
    body = read_exactly(sock, length)
    if not body:
        return None
    return body[0], body[1:]


def tell(sock, mtype, payload):
    try:
        sock.sendall(frame(mtype, payload))
    except OSError as e:
        print(f"[Network Error] Failed to send message: {e}", flush=True)
        log(f"Failed to send direct message to {users.get(sock, 'unknown')}.")


def broadcast(mtype, payload, skip=None):
    """Blocking writes to everyone but `skip`, holding the user lock all along (defect 5)."""
    with users_lock:
        data = frame(mtype, payload)
        for sock in users:
            if sock is skip:
                continue
            try:
                sock.sendall(data)
            except OSError:
                log(f"Failed to send message to {users.get(sock, 'unknown')}. Connection might be closed.")


def command(sock, text):
    words = text.split()  # any white space, Unicode included (str.split)
    word = words[0].lower() if words else ""
    if word == "/quit":
        tell(sock, COMMAND, b"/quit_ack")
        sock.close()  # the read that follows fails; the connection's cleanup announces the LEAVE
    elif word == "/users":
        with users_lock:
            names = ", ".join(users.values())
        tell(sock, TEXT, f"[Server] Online users: {names}".encode())
    elif word == "/help":
        tell(sock, TEXT, HELP_TEXT.encode())
    else:
        tell(sock, ERROR, b"Unknown command. Type /help.")


def serve(sock, addr):
    name = None
    try:
        # Until a JOIN with a non-empty payload and a free name, everything gets an ERROR.
        while name is None:
            got = read_frame(sock)
            if got is None:
                return
            mtype, payload = got
            if mtype != JOIN or not payload:
                tell(sock, ERROR, b"Invalid JOIN message.")
                continue
            wanted = payload.decode("utf-8", errors="ignore")  # may well be "" (defect 6)
            with users_lock:
                taken = wanted in users.values()
                if taken:
                    tell(sock, ERROR, b"Username already taken.")
                else:
                    users[sock] = wanted
            if not taken:
                name = wanted
        log(f"{addr} identified as '{name}'")
        broadcast(JOIN, f"{name} joined the chat.".encode(), skip=sock)
        tell(sock, TEXT, b"Welcome! Type /help for commands.")

        prefix = f"{name}::".encode()
        while True:
            got = read_frame(sock)
            if got is None:
                break
            mtype, payload = got
            if mtype == TEXT:
                text = payload.decode("utf-8", errors="ignore")
                log(f"'{name}' sent text: {text[:50]}...")
                if text.startswith("/"):
                    command(sock, text)
                else:
                    broadcast(TEXT, prefix + payload, skip=sock)  # the raw bytes, not the decoded text
            elif mtype == FILE:
                log(f"'{name}' sent a file.")
                broadcast(FILE, prefix + payload, skip=sock)  # relayed unchecked, even without "::"
            # A second JOIN, LEAVE, ERROR, COMMAND and unknown types: no answer at all.
    except Exception as e:
        log(f"Error handling client {name or addr}: {e}")
    finally:
        with users_lock:
            gone = users.pop(sock, None)
        try:
            sock.close()
        except OSError:
            pass
        if gone and gone != "unknown":  # "" and "unknown" never get their LEAVE (observed)
            log(f"'{gone}' disconnected.")
            broadcast(LEAVE, f"{gone} left the chat.".encode())


def main():
    ap = argparse.ArgumentParser(description="Seed chat server (reconstruction)")
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("-p", "--port", type=int, default=12000)
    ap.add_argument("-m", "--max-clients", type=int, default=10)
    args = ap.parse_args()
    listener = None
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((args.host, args.port))
        listener.listen(args.max_clients)
        log(f"Server listening on {args.host}:{args.port}")
        while True:
            sock, addr = listener.accept()
            log(f"Accepted connection from {addr}")
            threading.Thread(target=serve, args=(sock, addr), daemon=True).start()
    except OSError as e:
        log(f"Failed to start server: {e}")
    except KeyboardInterrupt:
        print("\nCtrl+C detected. Shutting down server...")
    finally:
        if listener:
            listener.close()
        print("Server shutdown complete.", flush=True)


if __name__ == "__main__":
    main()

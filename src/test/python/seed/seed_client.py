#!/usr/bin/env python3
"""Reconstruction of the ORIGINAL Python chat client, written from /work/shared/PROTOCOL-SEED.md.

This is NOT the original code. It exists only as an interop test fixture for pekko-chat.

DELIBERATE DEVIATION from the original: the original client has defect #1 (it splits a
relayed FILE payload wrongly and never saves the file). This fixture does it correctly so
tests can check that file content arrives intact: the payload is split at the first two "::"
into sender, filename and raw bytes, and the bytes are saved as
received_files/<basename of filename> under the current working directory. (Like the
original, a second file with the same name overwrites the first.)

Usage: python3 seed_client.py HOST [-p PORT] -u USERNAME      (port defaults to 12000)

Output (stdout, flushed after every line), each incoming frame as "[HH:MM:SS] " + :
  TEXT "alice::hi"        -> "alice: hi"
  TEXT "[Server]..."      -> printed as is
  other TEXT              -> "[Server]: <text>"
  JOIN / LEAVE            -> payload as is
  ERROR                   -> "[Server Error]: <text>"
  FILE                    -> "Received file <filename> from <sender> (<n> bytes), saved to received_files/<name>"
  COMMAND "/quit_ack"     -> the client exits (nothing printed)
If the server closes the connection: "Connection closed by server." and the client exits.
Local output (help, "Sent file <name> (<n> bytes)", local errors) has no timestamp.

Input lines: "/quit" sends TEXT "/quit" and ends; "/send <path>" sends FILE
"<basename>::<bytes>"; "/help" is answered locally; empty lines are ignored; anything else
is sent as TEXT. End of stdin behaves like "/quit".
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time

TEXT, FILE, JOIN, LEAVE, ERROR, COMMAND = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
SEP = b"::"
RECEIVED_DIR = "received_files"
QUIT_WAIT_SECONDS = 5.0

LOCAL_HELP = (
    "Commands:\n"
    "/users - list online users\n"
    "/send <filepath> - send a file to everyone\n"
    "/help - show this help\n"
    "/quit - leave the chat"
)

out_lock = threading.Lock()
done = threading.Event()


def out(msg, stamp=True):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}" if stamp else msg
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 65536))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def recv_frame(sock):
    header = recv_exact(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    if length == 0:
        return None
    body = recv_exact(sock, length)
    if body is None:
        return None
    return body[0], body[1:]


def send_frame(sock, mtype, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    sock.sendall(struct.pack(">IB", len(payload) + 1, mtype) + payload)


def safe_name(filename):
    name = os.path.basename(filename.replace("\\", "/"))
    if name in ("", ".", ".."):
        name = "file"
    return name


def save_file(payload):
    parts = payload.split(SEP, 2)
    if len(parts) < 3:
        out(f"[Server]: malformed FILE frame ({len(payload)} bytes)")
        return
    sender = parts[0].decode("utf-8", errors="replace")
    filename = parts[1].decode("utf-8", errors="replace")
    data = parts[2]
    name = safe_name(filename)
    os.makedirs(RECEIVED_DIR, exist_ok=True)
    rel = f"{RECEIVED_DIR}/{name}"
    with open(os.path.join(RECEIVED_DIR, name), "wb") as f:
        f.write(data)
    out(f"Received file {filename} from {sender} ({len(data)} bytes), saved to {rel}")


def reader(sock):
    try:
        while True:
            frame = recv_frame(sock)
            if frame is None:
                if not done.is_set():
                    out("Connection closed by server.")
                break
            mtype, payload = frame
            if mtype == TEXT:
                text = payload.decode("utf-8", errors="replace")
                if text.startswith("[Server]"):
                    out(text)
                elif "::" in text:
                    sender, line = text.split("::", 1)
                    out(f"{sender}: {line}")
                else:
                    out(f"[Server]: {text}")
            elif mtype in (JOIN, LEAVE):
                out(payload.decode("utf-8", errors="replace"))
            elif mtype == ERROR:
                out(f"[Server Error]: {payload.decode('utf-8', errors='replace')}")
            elif mtype == FILE:
                try:
                    save_file(payload)
                except OSError as e:
                    out(f"[Error]: could not save received file: {e}")
            elif mtype == COMMAND:
                if payload == b"/quit_ack":
                    break
                out(f"[Server]: {payload.decode('utf-8', errors='replace')}")
            else:
                out(f"[Server]: unknown message type {mtype}")
    except OSError as e:
        if not done.is_set():
            out(f"Connection error: {e}")
    finally:
        finish(sock)


def finish(sock, code=0):
    done.set()
    try:
        sock.close()
    except OSError:
        pass
    sys.stdout.flush()
    os._exit(code)  # the main thread may be blocked reading stdin


def quit_and_wait(sock):
    done.set()
    try:
        send_frame(sock, TEXT, "/quit")
    except OSError:
        finish(sock)
    # The reader thread exits the process on /quit_ack or on connection close.
    time.sleep(QUIT_WAIT_SECONDS)
    finish(sock)


def main():
    try:
        sys.stdout.reconfigure(errors="replace")
    except AttributeError:
        pass
    ap = argparse.ArgumentParser(description="Seed protocol chat client (reconstruction)")
    ap.add_argument("host")
    ap.add_argument("-p", "--port", type=int, default=12000)
    ap.add_argument("-u", "--username", required=True)
    args = ap.parse_args()

    try:
        sock = socket.create_connection((args.host, args.port))
    except OSError as e:
        print(f"Could not connect to {args.host}:{args.port}: {e}", file=sys.stderr, flush=True)
        sys.exit(1)

    send_frame(sock, JOIN, args.username)
    threading.Thread(target=reader, args=(sock,), daemon=True).start()

    try:
        for raw in sys.stdin:
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if line.strip() == "/quit":
                quit_and_wait(sock)
            elif line.strip() == "/help":
                out(LOCAL_HELP, stamp=False)
            elif line.startswith("/send ") or line.strip() == "/send":
                path = line[len("/send"):].strip()
                if not path:
                    out("Usage: /send <filepath>", stamp=False)
                    continue
                try:
                    with open(path, "rb") as f:
                        data = f.read()  # whole file in memory, like the original (defect 4)
                except OSError as e:
                    out(f"[Error]: cannot read {path}: {e}", stamp=False)
                    continue
                send_frame(sock, FILE, os.path.basename(path).encode("utf-8") + SEP + data)
                out(f"Sent file {os.path.basename(path)} ({len(data)} bytes)", stamp=False)
            else:
                send_frame(sock, TEXT, line)
    except OSError as e:
        if not done.is_set():
            out(f"Connection error: {e}")
        finish(sock, 0)
    except KeyboardInterrupt:
        pass
    # End of stdin (or Ctrl-C) behaves like /quit.
    quit_and_wait(sock)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reconstruction of the ORIGINAL Python chat client, for interop tests of pekko-chat.

This is NOT the original code. It was written by hand from /work/shared/PROTOCOL-SEED.md and
then corrected by running the original client (seed-original/) with piped input against the
same servers and comparing what it printed. It is the stand-in when the original is absent, so
it repeats the original's observable behaviour, defects included:

  - it NEVER saves a relayed file: every incoming FILE prints
    "[Error]: Received malformed file message." (defect 1); received_files/ is only created,
    at start-up, and stays empty;
  - stdin must stay open: at its end the client prints its closing lines and then dies of the
    EOFError (traceback on stderr, exit status 1), as the original does.

Usage: python3 seed_client.py HOST [-p PORT] -u USERNAME      (port defaults to 12000)

stdout: the prompt "USERNAME> " (no newline) before each input line and after each incoming
line; every incoming line as "\\n[HH:MM:SS] " followed by
  TEXT starting with "[Server]" -> as is;  TEXT "alice::hi" -> "alice: hi";
  other TEXT (or a sender that is not UTF-8) -> "[Server]: <text>";
  JOIN / LEAVE -> the payload;  ERROR -> "[Server Error]: <text>";
  FILE -> "[Error]: Received malformed file message." (no timestamp-less "saved" line ever);
  COMMAND "/quit_ack" -> ends the reader; other COMMAND payloads and unknown types: nothing.
Local output on stdout: "/help" (answered locally only when it is the whole line, any case),
"Usage: /send <path/to/your/file>", and "Closing client...", "Receive thread terminated.",
"Client closed." at the end. Status messages (connected, sent file, file not found, quit
acknowledged, disconnected) go to stderr, one per line, without timestamps.

Input: an empty line is skipped (a line of spaces is sent); "/quit" in any case is sent as is
and ends the client; "/send <path>" (any case) sends FILE "<basename>::<bytes>"; anything else,
"/users", "/quit now" and "/help me" included, is sent as TEXT.
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time
from datetime import datetime

TEXT, FILE, JOIN, LEAVE, ERROR, COMMAND = 1, 2, 3, 4, 5, 6

LOCAL_HELP = "Commands:\n  /users - List online users\n  /send <filepath> - Send a file\n  /quit - Disconnect"


def status(msg):
    print(msg, file=sys.stderr, flush=True)


class Client:
    def __init__(self, host, port, name):
        self.host, self.port, self.name = host, port, name
        self.sock = None
        self.reader = None
        self.running = True
        os.makedirs("received_files", exist_ok=True)  # created, never written to

    def prompt(self):
        print(f"{self.name}> ", end="", flush=True)

    def shown(self, line):
        print(f"\n[{datetime.now().strftime('%H:%M:%S')}] {line}", flush=True)

    def send(self, mtype, payload):
        try:
            self.sock.sendall(struct.pack("!IB", len(payload) + 1, mtype) + payload)
        except OSError as e:
            print(f"[Network Error] Failed to send message: {e}", flush=True)
            raise ConnectionError("Failed to send message") from e

    def read_exactly(self, n):
        got = bytearray()
        while len(got) < n:
            try:
                part = self.sock.recv(n - len(got))
            except OSError as e:
                print(f"[Network Error] Connection lost during recvall: {e}", flush=True)
                return None
            if not part:
                return None
            got += part
        return bytes(got)

    def read_frame(self):
        header = self.read_exactly(4)
        if not header:
            return None
        body = self.read_exactly(struct.unpack("!I", header)[0])
        if not body:  # a zero length reads as the end, too
            return None
        return body[0], body[1:]

    def connect(self):
        try:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.connect((self.host, self.port))
            status(f"Connected to server at {self.host}:{self.port}")
            self.send(JOIN, self.name.encode())
        except ConnectionRefusedError:
            status("Connection refused. Is the server running?")
            return False
        except OSError as e:
            status(f"Failed to connect: {e}")
            return False
        except ConnectionError as e:
            status(f"Network error during connection: {e}")
            return False
        self.reader = threading.Thread(target=self.read_loop, daemon=True)
        self.reader.start()
        return True

    def show_text(self, payload):
        if payload.startswith(b"[Server]"):
            self.shown(payload.decode("utf-8", errors="ignore"))
            return
        if b"::" in payload:
            sender, line = payload.split(b"::", 1)
            try:
                self.shown(f"{sender.decode()}: {line.decode('utf-8', errors='ignore')}")
                return
            except UnicodeDecodeError:
                pass  # a sender that is not UTF-8 falls back to the plain form below
        self.shown(f"[Server]: {payload.decode('utf-8', errors='ignore')}")

    def read_loop(self):
        while self.running:
            try:
                got = self.read_frame()
                if got is None:
                    status("Disconnected from server.")
                    self.running = False
                    break
                mtype, payload = got
                if mtype == TEXT:
                    self.show_text(payload)
                    self.prompt()
                elif mtype == FILE:
                    # The original cannot split sender::filename::bytes (defect 1): never saved.
                    self.shown("[Error]: Received malformed file message.")
                    self.prompt()
                elif mtype in (JOIN, LEAVE):
                    self.shown(payload.decode("utf-8", errors="ignore"))
                    self.prompt()
                elif mtype == ERROR:
                    self.shown(f"[Server Error]: {payload.decode('utf-8', errors='ignore')}")
                    self.prompt()
                elif mtype == COMMAND and payload == b"/quit_ack":
                    status("Quit acknowledged by server. Disconnecting.")
                    self.running = False
                    break
            except Exception as e:
                if self.running:
                    status(f"Error receiving message: {e}")
                self.running = False
                break
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
        except OSError:
            pass
        print("Receive thread terminated.", flush=True)

    def send_text(self, line):
        try:
            self.send(TEXT, line.encode())
        except ConnectionError:
            status("Cannot send message. Connection lost.")
            self.running = False

    def send_file(self, path):
        if not os.path.isfile(path):
            status(f"File not found: '{path}'")
            return
        name = os.path.basename(path)
        try:
            with open(path, "rb") as f:
                data = f.read()  # whole file in memory (defect 4)
            self.send(FILE, name.encode() + b"::" + data)
            status(f"Sent file '{name}' ({len(data)} bytes)")
        except ConnectionError:
            status("Cannot send file. Connection lost.")
            self.running = False
        except OSError as e:
            status(f"Error reading file '{path}': {e}")

    def input_loop(self):
        status("You can start chatting. Type /help for commands.")
        try:
            while self.running:
                line = input(f"{self.name}> ")  # EOFError at the end of stdin is not caught
                if not self.running:
                    break
                if not line:
                    continue
                lowered = line.lower()
                if lowered == "/quit":
                    self.send_text(line)
                    self.running = False
                    break
                elif lowered.startswith("/send "):
                    path = line[6:].strip()
                    if path:
                        self.send_file(path)
                    else:
                        print("Usage: /send <path/to/your/file>")
                elif lowered == "/help":
                    print(LOCAL_HELP)
                else:
                    self.send_text(line)
        except KeyboardInterrupt:
            status("Ctrl+C detected. Disconnecting...")
            if self.running:
                self.send_text("/quit")
            self.running = False
        finally:
            print("Closing client...", flush=True)
            time.sleep(0.5)
            if not self.running:
                try:
                    self.sock.close()
                except OSError:
                    pass
            if self.reader and self.reader.is_alive():
                self.reader.join(timeout=1.0)
            print("Client closed.", flush=True)


def main():
    ap = argparse.ArgumentParser(description="Seed chat client (reconstruction)")
    ap.add_argument("host")
    ap.add_argument("-p", "--port", type=int, default=12000)
    ap.add_argument("-u", "--username", required=True)
    args = ap.parse_args()
    client = Client(args.host, args.port, args.username)
    if client.connect():
        client.input_loop()


if __name__ == "__main__":
    main()

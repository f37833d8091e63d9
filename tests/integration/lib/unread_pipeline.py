#!/usr/bin/env python3
"""Clients that pipeline requests and never read their answers, with a tiny receive window.

Node cannot set SO_RCVBUF; this does, before connecting, so the server's answers back up at
once. Usage: unread_pipeline.py PORT CONNECTIONS REQUESTS TARGET. Prints "ready N" once N
connections are open and have sent their requests, then holds them until stdin closes.
"""
import socket
import sys


def main():
    port, count, requests, target = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    payload = (f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n" * requests).encode()
    held = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        try:
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            try:
                s.send(payload)
            except OSError:
                pass  # evicted already, or the send buffer is full: either way it never reads
        except OSError:
            s.close()
            continue
        held.append(s)
    print(f"ready {len(held)}", flush=True)
    sys.stdin.read()  # until the test closes stdin or kills this process
    for s in held:
        s.close()


if __name__ == "__main__":
    main()

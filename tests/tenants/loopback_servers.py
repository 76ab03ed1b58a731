"""Real servers on 127.0.0.1 for the domain checks: a DNS server (dnslib) and an HTTP server.

Each serves what a test puts in a plain dict, so a test reads like the zone or site it describes.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dnslib import QTYPE, RCODE, RR, A, DNSError, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

# A name whose queries the DNS server swallows, so the client times out.
SILENT = "silent"


class DictResolver(BaseResolver):
    """records: {"_idadmin.acme.example": {"TXT": ["v1", ["long", "value"]], "A": ["127.0.0.1"]}}.
    A name absent from the dict is NXDOMAIN; a name mapped to SILENT gets no answer at all."""

    def __init__(self):
        self.records: dict[str, object] = {}
        self.queries: list[str] = []

    def resolve(self, request, handler):
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        self.queries.append(f"{name} {qtype}")
        entry = self.records.get(name)
        if entry == SILENT:
            raise DNSError("test: no answer")  # dnslib sends nothing back
        reply = request.reply()
        if entry is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for value in entry.get(qtype, []):
            rdata = TXT(value) if qtype == "TXT" else A(value)
            reply.add_answer(RR(request.q.qname, request.q.qtype, rdata=rdata, ttl=60))
        return reply


class QuietDNSLogger(DNSLogger):
    def __init__(self):
        super().__init__(log="-recv,-send,-request,-reply,-truncated,-data,-error")


def start_dns_server() -> tuple[DNSServer, DictResolver, int]:
    resolver = DictResolver()
    server = DNSServer(resolver, address="127.0.0.1", port=0, logger=QuietDNSLogger())
    server.start_thread()
    return server, resolver, server.server.server_address[1]


class FileHandler(BaseHTTPRequestHandler):
    """files: {("acme.example", "/path"): (status, headers_dict, body_bytes)}, keyed by Host header."""

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        self.server.requests.append((host, self.path))
        status, headers, body = self.server.files.get((host, self.path), (404, {}, b"not found"))
        self.send_response(status)
        for header, value in headers.items():
            self.send_header(header, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_http_server() -> tuple[ThreadingHTTPServer, int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FileHandler)
    server.daemon_threads = True
    server.files = {}
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]

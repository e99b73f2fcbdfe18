# The lab's image server: Python's http.server on this machine, bound to this
# machine's end of a lab host's veth (10.231.K.1) so the lab hosts reach it.
# tests/lab/image_server.h runs it for the image tests and scripts/quickstart
# for the quickstart's guest image.
#
# usage: python3 image_server.py ADDRESS DIRECTORY [PORT]
#
# PORT 0 (the default) lets the kernel pick one. Prints
# "Serving HTTP on ADDRESS port PORT" once it listens, then one request log
# line per request (on standard error, as http.server does). With
# IMAGE_SERVER_TLS=PEM (a certificate and its key) it serves HTTPS instead and
# says "Serving HTTPS on ...".
#
# The first request for a file named drop-* gets its full Content-Length and
# half its bytes, then the connection closes: a download dropped mid-body.
# Every request for a file named stall-* gets its full Content-Length and
# half its bytes, then nothing more while the socket stays open (until the
# client gives up): a server stalled mid-body. The first request for a file
# named flaky-* gets HTTP 503 (a transient error), later ones the file.
import functools
import http.server
import os
import sys

dropped = set()
refused = set()


class Handler(http.server.SimpleHTTPRequestHandler):
    def send_half(self, name):
        """Its full Content-Length, then half its bytes."""
        with open(os.path.join(self.directory, name), "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        name = self.path.lstrip("/")
        if name.startswith("drop-") and name not in dropped:
            dropped.add(name)
            self.send_half(name)
            return
        if name.startswith("flaky-") and name not in refused:
            refused.add(name)
            self.send_error(503, "try again")
            return
        if name.startswith("stall-"):
            self.send_half(name)
            # Nothing more until the client closes its end (reading returns then).
            self.rfile.read(1)
            return
        super().do_GET()


address, directory = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
server = http.server.ThreadingHTTPServer((address, port), functools.partial(Handler, directory=directory))
tls = os.environ.get("IMAGE_SERVER_TLS")
if tls:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls)
    # A client that refuses the certificate fails the handshake in accept():
    # an OSError, which the server logs and survives.
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"Serving {'HTTPS' if tls else 'HTTP'} on {address} port {server.server_address[1]}", flush=True)
server.serve_forever()

"""A real SMTP server for the tests (aiosmtpd): every message it accepts is written as one file.

    python smtp_sink.py MAILDIR PORTFILE

Listens on 127.0.0.1, an ephemeral port, which it writes to PORTFILE (then a newline) once it
accepts connections. Each message becomes MAILDIR/<n>.eml, its first line `X-Rcpt-To: <rcpts>`,
written to a temporary name and renamed, so a reader never sees half a message.
"""
import asyncio
import itertools
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, maildir):
        self.maildir = maildir
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        path = os.path.join(self.maildir, f"{n:06d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


async def main(maildir, portfile):
    loop = asyncio.get_running_loop()
    sink = Sink(maildir)
    server = await loop.create_server(lambda: SMTP(sink, hostname="stand-in.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(portfile + ".tmp", portfile)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

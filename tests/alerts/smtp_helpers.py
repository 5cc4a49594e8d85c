"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the alert tests: plain, STARTTLS or SMTPS,
with a self-signed certificate made here (cryptography), and an inbox of received messages."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "alerts@example.org", "geheim-Passwort-42"  # smtplib logs in with ASCII only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(cert, key) for localhost and 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP sends CRLF


@dataclass
class Inbox:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.original_content or envelope.content, envelope.mail_from,
                                      list(envelope.rcpt_tos),
                                      server.transport.get_extra_info("ssl_object") is not None,
                                      bool(getattr(session, "authenticated", False))))
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return [r.message["Subject"] for r in self.received]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


class SmtpServer:
    """mode: "plain" (no STARTTLS offered), "starttls" (required) or "smtps"."""

    def __init__(self, mode: str, folder: Path):
        self.mode, self.inbox, self.port = mode, Inbox(), free_port()
        self.cert, key = self_signed(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        options: dict = {"authenticator": authenticator, "auth_require_tls": True}
        if mode == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif mode == "smtps":
            # the whole connection is TLS, but aiosmtpd only counts STARTTLS as TLS for AUTH
            options.update(ssl_context=context, auth_require_tls=False)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

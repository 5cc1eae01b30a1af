"""A real FTP/FTPS server for tests: pyftpdlib on 127.0.0.1, an ephemeral port, one user.

    with FtpServer(root, tls=True) as server:   # TLS: a fresh self-signed cert (server.ca_file)
        server.env()                           # PROOFDESK_PUBLISH__* variables for proofdesk

    ca = TinyCa(folder)                         # a test CA (ca.cert_file) that issues server certs:
    FtpServer(root, tls=True, certificate=ca.issue(folder, "other.example"), ca_file=ca.cert_file)

Faults, scriptable per test:
- `server.drop_uploads = N`: the next N uploads lose the connection (control and data) after
  `drop_after_bytes` bytes arrived, leaving a partial file behind, as a network cut does;
- `server.on_file_received = callback(path)`: called after each completed upload (e.g. to cut a
  database proxy between the upload and the gallery upsert);
- `server.on_file_deleted = callback(path)`: called after each completed delete (DELE);
- `server.down = True`: the connection at hand is closed after its reply and every new one is
  closed at once, as a server that went away (set it from `on_file_deleted` to drop the network
  right after a delete); `False` brings it back.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler, TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)  # one line per command otherwise
logging.getLogger("pyftpdlib").addHandler(logging.NullHandler())  # and keep it from configuring its own

USER = "publisher"
PASSWORD = "s3cr3t-ftp-pass"  # a test secret: tests check it never shows up in output


def make_self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (SAN) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "proofdesk test ftp")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "ftp-cert.pem", folder / "ftp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _name_entries(names: Sequence[str]) -> list[Any]:
    from cryptography import x509

    entries: list[Any] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return entries


class TinyCa:
    """A certificate authority for tests: its certificate (`cert_file`, what a client trusts) and
    `issue(folder, *names)`, a server certificate and key for those host names / IP addresses."""

    def __init__(self, folder: Path, common_name: str = "proofdesk test CA") -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        public = self._key.public_key()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.cert_file = folder / "ca-cert.pem"
        self.cert_file.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, folder: Path, *names: str) -> tuple[Path, Path]:
        """A server certificate naming exactly `names` (SAN: DNS names and IP addresses), signed by
        this CA, and its key, as PEM files in `folder`."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(_name_entries(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        stem = "-".join(names).replace(":", "_")
        cert_file, key_file = folder / f"{stem}-cert.pem", folder / f"{stem}-key.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_file, key_file


class FtpServer:
    def __init__(self, root: Path, tls: bool = False, cert_dir: Path | None = None,
                 certificate: tuple[Path, Path] | None = None, ca_file: Path | None = None) -> None:
        """`certificate` (cert, key) replaces the fresh self-signed one; `ca_file` is then what
        `env()` tells the client to trust (e.g. the TinyCa that issued it)."""
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self.drop_uploads = 0
        self.drop_after_bytes = 4096
        self.dropped = 0
        self.on_file_received: Callable[[str], None] | None = None
        self.received: list[str] = []
        self.on_file_deleted: Callable[[str], None] | None = None
        self.deleted: list[str] = []
        self.down = False
        self.secure_data_transfers = 0
        self.ca_file: Path | None = ca_file
        self._certificate = certificate
        self._cert_dir = cert_dir or root.parent / f"{root.name}-tls"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._server: FTPServer | None = None
        self.port = 0

    # ---- handlers bound to this server

    def _handler(self) -> type[FTPHandler]:
        controller = self
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(self.root), perm="elradfmwMT")
        base_dtp = TLS_DTPHandler if self.tls else DTPHandler

        class Dtp(base_dtp):  # type: ignore[misc, valid-type]
            def handle_read_event(self) -> None:
                super().handle_read_event()
                if self.receive and not self._closed and controller.drop_uploads > 0 and self.tot_bytes_received >= controller.drop_after_bytes:
                    controller.drop_uploads -= 1
                    controller.dropped += 1
                    self.file_obj.flush()
                    self.cmd_channel.close()  # closes the data channel too: the client sees a reset

        base: type[FTPHandler] = TLS_FTPHandler if self.tls else FTPHandler
        attributes: dict[str, Any] = {
            "authorizer": authorizer,
            "dtp_handler": Dtp,
            "banner": "proofdesk test ftp",
            "passive_ports": None,
            "permit_foreign_addresses": False,
            "auth_failed_timeout": 0.1,  # a wrong password answers at once (default: 3 s)
        }
        if self.tls:
            if self._certificate is not None:
                cert_file, key_file = self._certificate
            else:
                cert_file, key_file = make_self_signed_cert(self._cert_dir)
                self.ca_file = cert_file
            attributes.update(certfile=str(cert_file), keyfile=str(key_file),
                              tls_control_required=True, tls_data_required=True)

        def on_file_received(handler: FTPHandler, file: str) -> None:
            controller.received.append(file)
            if getattr(handler, "_prot", False):
                controller.secure_data_transfers += 1
            if controller.on_file_received is not None:
                controller.on_file_received(file)

        attributes["on_file_received"] = on_file_received

        def handle(handler: FTPHandler) -> None:
            if controller.down:  # gone away: the client reads no banner
                handler.close()
                return
            base.handle(handler)

        def ftp_DELE(handler: FTPHandler, path: str) -> Any:  # noqa: N802 - pyftpdlib's command name
            result = base.ftp_DELE(handler, path)
            controller.deleted.append(path)
            if controller.on_file_deleted is not None:
                controller.on_file_deleted(path)
            if controller.down:
                handler.close_when_done()  # the delete happened; the connection is lost after it
            return result

        attributes.update(handle=handle, ftp_DELE=ftp_DELE)
        return type("TestFtpHandler", (base,), attributes)

    # ---- lifecycle

    def start(self) -> FtpServer:
        handler = self._handler()
        self._server = FTPServer(("127.0.0.1", 0), handler, ioloop=IOLoop())
        self.port = self._server.address[1]
        self._thread = threading.Thread(target=self._serve, name="test-ftp", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            self._server.ioloop.loop(0.05, blocking=False)
        self._server.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- for tests

    def env(self, remote_dir: str = "/gallery", thumb_dir: str = "/gallery/thumbs", **extra: str) -> dict[str, str]:
        env = {
            "PROOFDESK_PUBLISH__UPLOADER": "ftp",
            "PROOFDESK_PUBLISH__FTP__HOST": "127.0.0.1",
            "PROOFDESK_PUBLISH__FTP__PORT": str(self.port),
            "PROOFDESK_PUBLISH__FTP__USER": USER,
            "PROOFDESK_PUBLISH__FTP__PASSWORD": PASSWORD,
            "PROOFDESK_PUBLISH__FTP__TLS": "true" if self.tls else "false",
            "PROOFDESK_PUBLISH__FTP__REMOTE_DIR": remote_dir,
            "PROOFDESK_PUBLISH__FTP__THUMB_DIR": thumb_dir,
            "PROOFDESK_PUBLISH__FTP__BACKOFF_S": "0.05",
            "PROOFDESK_PUBLISH__FTP__TIMEOUT_S": "10",
        }
        if self.ca_file is not None:
            env["PROOFDESK_PUBLISH__FTP__CA_FILE"] = str(self.ca_file)
        return {**env, **extra}

    def files(self, folder: str = "") -> list[str]:
        """Plain files under the server root (relative paths, sorted), hidden ones included."""
        base = self.root / folder.strip("/")
        return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()) if base.exists() else []

"""Binds the uploader contract to the in-memory fake, the local folder, and FTP + FTPS on a real
pyftpdlib server (127.0.0.1, a test-generated self-signed certificate for TLS); plus the FTP
adapter's own behaviour: retries after a dropped connection, certificate and host-name verification
(a test CA issuing certificates for 127.0.0.1 and for another host name), secrets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from proofdesk.adapters.memory import InMemoryUploader
from proofdesk.adapters.uploader.ftp import FtpUploader
from proofdesk.adapters.uploader.local import LocalUploader
from proofdesk.core.ports.publishing import TEMP_PREFIX, ServiceUnavailable, Uploader

from tests.support.ftp_server import PASSWORD, USER, FtpServer, TinyCa

from .contract import Plant, RemoteBytes, UploaderContract


def _folder_side(root: Path) -> tuple[RemoteBytes, Plant]:
    def remote_bytes(path: str) -> bytes | None:
        target = root / path.strip("/")
        return target.read_bytes() if target.is_file() else None

    def plant(path: str, data: bytes) -> None:
        target = root / path.strip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    return remote_bytes, plant


class TestInMemoryUploader(UploaderContract):
    @pytest.fixture
    def uploader(self) -> InMemoryUploader:
        return InMemoryUploader()

    @pytest.fixture
    def remote_bytes(self, uploader: InMemoryUploader) -> RemoteBytes:
        return lambda path: uploader.files.get("/" + path.strip("/"))

    @pytest.fixture
    def plant(self, uploader: InMemoryUploader) -> Plant:
        return lambda path, data: uploader.files.__setitem__("/" + path.strip("/"), data)


class TestLocalUploader(UploaderContract):
    @pytest.fixture
    def uploader(self, tmp_path: Path) -> Uploader:
        return LocalUploader(tmp_path / "published")

    @pytest.fixture
    def remote_bytes(self, tmp_path: Path) -> RemoteBytes:
        return _folder_side(tmp_path / "published")[0]

    @pytest.fixture
    def plant(self, tmp_path: Path) -> Plant:
        return _folder_side(tmp_path / "published")[1]

    def test_a_read_only_target_is_unavailable(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file-not-folder"
        blocker.write_bytes(b"x")
        with pytest.raises(ServiceUnavailable, match="cannot write"):
            LocalUploader(blocker).put("/gallery/x.jpg", b"x")


class _FtpBinding(UploaderContract):
    tls = False

    @pytest.fixture
    def server(self, tmp_path: Path) -> Iterator[FtpServer]:
        with FtpServer(tmp_path / "ftp-root", tls=self.tls) as running:
            yield running

    @pytest.fixture
    def uploader(self, server: FtpServer) -> Iterator[FtpUploader]:
        uploader = FtpUploader("127.0.0.1", server.port, USER, PASSWORD, tls=self.tls,
                               ca_file=str(server.ca_file) if server.ca_file else None, backoff_s=0.01, timeout_s=10)
        yield uploader
        uploader.close()

    @pytest.fixture
    def remote_bytes(self, server: FtpServer) -> RemoteBytes:
        return _folder_side(server.root)[0]

    @pytest.fixture
    def plant(self, server: FtpServer) -> Plant:
        return _folder_side(server.root)[1]

    def test_a_dropped_connection_mid_upload_is_retried_and_leaves_no_temp(
        self, server: FtpServer, uploader: FtpUploader, remote_bytes: RemoteBytes
    ) -> None:
        data = b"z" * 300_000
        server.drop_uploads = 2
        assert uploader.put("/gallery/retried.jpg", data) == len(data)
        assert server.dropped == 2
        assert remote_bytes("/gallery/retried.jpg") == data
        assert server.files("gallery") == ["retried.jpg"]  # the partial temp files were deleted

    def test_a_connection_that_keeps_dropping_is_unavailable(self, server: FtpServer, uploader: FtpUploader) -> None:
        server.drop_uploads = 10
        with pytest.raises(ServiceUnavailable, match="failed after 3 attempt"):
            uploader.put("/gallery/never.jpg", b"q" * 300_000)
        leftovers = [name for name in server.files("gallery") if name.startswith(TEMP_PREFIX)]
        assert len(leftovers) == 1  # the last attempt's partial file; the next connection deletes it
        server.drop_uploads = 0
        uploader.put("/gallery/later.jpg", b"ok")
        assert server.files("gallery") == ["later.jpg"]

    def test_a_wrong_password_is_unavailable_and_no_secret_is_shown(self, server: FtpServer) -> None:
        uploader = FtpUploader("127.0.0.1", server.port, USER, "not-the-password", tls=self.tls,
                               ca_file=str(server.ca_file) if server.ca_file else None, retries=1)
        with pytest.raises(ServiceUnavailable, match="login refused") as caught:
            uploader.put("/gallery/x.jpg", b"x")
        assert "not-the-password" not in str(caught.value) and "not-the-password" not in repr(uploader)

    def test_a_closed_port_is_unavailable(self, tmp_path: Path) -> None:
        import socket

        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        uploader = FtpUploader("127.0.0.1", port, USER, PASSWORD, tls=self.tls, retries=2, backoff_s=0.01)
        with pytest.raises(ServiceUnavailable, match="failed after 2 attempt"):
            uploader.put("/gallery/x.jpg", b"x")


class TestFtpUploader(_FtpBinding):
    tls = False


class TestFtpsUploader(_FtpBinding):
    tls = True

    def test_data_transfers_are_encrypted(self, server: FtpServer, uploader: FtpUploader) -> None:
        uploader.put("/gallery/secret.jpg", b"s" * 1000)
        assert server.secure_data_transfers >= 1

    def test_an_untrusted_certificate_is_refused_by_default(self, server: FtpServer) -> None:
        uploader = FtpUploader("127.0.0.1", server.port, USER, PASSWORD, tls=True, retries=1)  # no ca_file
        with pytest.raises(ServiceUnavailable, match="certificate did not verify"):
            uploader.put("/gallery/x.jpg", b"x")
        assert server.files() == []

    def test_a_certificate_for_another_host_name_signed_by_the_trusted_ca_is_refused(self, tmp_path: Path) -> None:
        """The CA is trusted, the chain verifies; only the name is wrong: refused, and the message says so."""
        ca = TinyCa(tmp_path / "ca")
        stranger_cert = ca.issue(tmp_path / "certs", "other.example")
        with FtpServer(tmp_path / "ftp-other", tls=True, certificate=stranger_cert, ca_file=ca.cert_file) as server:
            uploader = FtpUploader("127.0.0.1", server.port, USER, PASSWORD, tls=True,
                                   ca_file=str(ca.cert_file), retries=1)
            with pytest.raises(ServiceUnavailable, match=r"does not name the host 127\.0\.0\.1") as caught:
                uploader.put("/gallery/x.jpg", b"x")
            assert "publish.ftp.host" in str(caught.value)
            assert "ca_file to the CA" not in str(caught.value)  # the CA is not the problem
            assert server.files() == []

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
    def test_a_certificate_naming_the_host_signed_by_the_trusted_ca_connects(self, tmp_path: Path, host: str) -> None:
        import socket

        if host == "localhost" and socket.gethostbyname("localhost") != "127.0.0.1":
            pytest.skip("localhost does not resolve to 127.0.0.1 here")
        ca = TinyCa(tmp_path / "ca")
        own_cert = ca.issue(tmp_path / "certs", "127.0.0.1", "localhost")
        with FtpServer(tmp_path / "ftp-own", tls=True, certificate=own_cert, ca_file=ca.cert_file) as server:
            uploader = FtpUploader(host, server.port, USER, PASSWORD, tls=True, ca_file=str(ca.cert_file), retries=1)
            assert uploader.put("/gallery/ok.jpg", b"ok") == 2
            uploader.close()
            assert server.files() == ["gallery/ok.jpg"] and server.secure_data_transfers == 1

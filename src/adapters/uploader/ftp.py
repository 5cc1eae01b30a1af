"""The `ftp` uploader on the standard library's ftplib: plain FTP or FTPS (explicit TLS, `FTP_TLS`).

- TLS verifies the server certificate and host name by default (`ssl.create_default_context`);
  `ca_file` adds a CA (or a self-signed certificate) to trust. A certificate from a trusted CA that
  names another host is refused with a message that says so. The data channel is protected too
  (`PROT P`).
- A put goes to a temp name in the target folder (`.proofdesk-part-<token>-<name>`), its size is
  checked with `SIZE`, then it is renamed over the final name (a server that refuses to rename
  over an existing file gets a delete first) and the final size is checked again. Missing folders
  are created one level at a time.
- Connection errors, timeouts and 4xx replies are retried with exponential backoff (tenacity) on a
  fresh connection; a temp file a broken upload left is deleted on the next connection. After the
  last attempt the server counts as unavailable (ServiceUnavailable: publishing stops). 5xx replies
  (permission, bad name) are not retried: that row fails (UploadError).
- The password is held privately and never appears in a message, a log line or `repr`.
"""

from __future__ import annotations

import ftplib
import io
import logging
import posixpath
import socket
import ssl
import threading
from collections.abc import Callable
from typing import TypeVar

from proofdesk.adapters.retry import retrying
from proofdesk.adapters.uploader._temp import temp_name_for
from proofdesk.core.ports.publishing import (
    ServiceUnavailable,
    Uploader,
    UploadError,
    split_remote_path,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# What a broken connection looks like from ftplib: retried on a fresh connection.
_TRANSIENT = (OSError, EOFError, ftplib.error_temp, ftplib.error_reply, ftplib.error_proto)
_NAME_MISMATCH = (62, 64)  # OpenSSL X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


class _Transient(Exception):
    """Internal: an attempt failed in a way a fresh connection may fix."""


class FtpUploader(Uploader):
    def __init__(
        self,
        host: str,
        port: int = 21,
        user: str = "anonymous",
        password: str | None = None,
        password_hint: str = "",
        tls: bool = False,
        ca_file: str | None = None,
        timeout_s: float = 30.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        passive: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.__password = password or ""
        self.password_hint = password_hint  # said when a login without a password is refused
        self.tls = tls
        self.ca_file = ca_file
        self.timeout_s = timeout_s
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self.passive = passive
        self._ftp: ftplib.FTP | None = None
        self._made_dirs: set[str] = set()
        self._orphans: list[str] = []  # temp files of broken uploads, deleted on the next connection
        self._mutex = threading.RLock()

    def __repr__(self) -> str:
        return f"FtpUploader({self.description})"

    @property
    def description(self) -> str:
        scheme = "ftps" if self.tls else "ftp"
        return f"{scheme}://{self.user}@{self.host}:{self.port}"

    # ---- connection

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ServiceUnavailable(
                f"publish.ftp.ca_file: cannot load {self.ca_file}: {getattr(exc, 'strerror', None) or exc}"
            ) from None

    def _connect(self) -> ftplib.FTP:
        ftp: ftplib.FTP = (
            ftplib.FTP_TLS(context=self._context(), timeout=self.timeout_s) if self.tls
            else ftplib.FTP(timeout=self.timeout_s)
        )
        try:
            ftp.connect(self.host, self.port)
            ftp.login(self.user, self.__password)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(self.passive)
            ftp.voidcmd("TYPE I")
        except ftplib.error_perm as exc:
            _close_quietly(ftp)
            missing = ""
            if not self.__password:
                missing = "; no password was given" + (f" ({self.password_hint})" if self.password_hint else "")
            raise ServiceUnavailable(f"{self.description}: login refused: {_reply(exc)}{missing}") from None
        except ssl.SSLCertVerificationError as exc:
            _close_quietly(ftp)
            if exc.verify_code in _NAME_MISMATCH:  # the chain verified; the certificate names another host
                raise ServiceUnavailable(
                    f"{self.description}: the server's TLS certificate does not name the host {self.host} "
                    f"({exc.verify_message}); set publish.ftp.host to a name the certificate lists"
                ) from None
            raise ServiceUnavailable(
                f"{self.description}: the server's TLS certificate did not verify ({exc.verify_message}); "
                "set publish.ftp.ca_file to the CA that signed it"
            ) from None
        except BaseException:
            _close_quietly(ftp)
            raise
        self._made_dirs.clear()
        return ftp

    def _session(self) -> ftplib.FTP:
        if self._ftp is None:
            self._ftp = self._connect()
            for orphan in list(self._orphans):
                try:
                    self._ftp.delete(orphan)
                except ftplib.error_perm:
                    pass  # already gone
                self._orphans.remove(orphan)
        return self._ftp

    def _drop(self) -> None:
        if self._ftp is not None:
            _close_quietly(self._ftp)
            self._ftp = None

    def close(self) -> None:
        with self._mutex:
            if self._ftp is not None:
                try:
                    self._ftp.quit()
                except (*_TRANSIENT,):
                    pass
                self._drop()

    def _run(self, what: str, operation: Callable[[ftplib.FTP], T]) -> T:
        """Run `operation` on a live connection, retrying transient failures on a fresh one."""

        def attempt() -> T:
            try:
                return operation(self._session())
            except ServiceUnavailable:
                raise
            except ftplib.error_perm:
                raise
            except _TRANSIENT as exc:
                self._drop()
                log.debug("ftp %s: %s failed (%s), reconnecting", self.description, what, _reply(exc))
                raise _Transient(_reply(exc)) from exc

        with self._mutex:
            try:
                for retry in retrying(self.retries, self.backoff_s, _Transient):
                    with retry:
                        return attempt()
            except _Transient as exc:
                raise ServiceUnavailable(
                    f"{self.description}: {what} failed after {self.retries} attempt(s): {exc}"
                ) from None
            except ftplib.error_perm as exc:
                raise UploadError(f"{self.description}: {what} refused: {_reply(exc)}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- helpers on a live connection

    def _makedirs(self, ftp: ftplib.FTP, folder: str) -> None:
        path = ""
        for part in split_remote_path(folder) if folder.strip("/") else []:
            path = f"{path}/{part}"
            if path in self._made_dirs:
                continue
            try:
                ftp.mkd(path)
            except ftplib.error_perm:
                try:  # it exists (most servers answer 550 to MKD of an existing folder)
                    ftp.cwd(path)
                    ftp.cwd("/")
                except ftplib.error_perm as exc:
                    raise ftplib.error_perm(f"cannot create folder {path}: {_reply(exc)}") from None
            self._made_dirs.add(path)

    @staticmethod
    def _size(ftp: ftplib.FTP, path: str) -> int | None:
        ftp.voidcmd("TYPE I")  # SIZE is refused in ASCII mode, which listings switch to
        try:
            size = ftp.size(path)
        except ftplib.error_perm:
            return None
        return int(size) if size is not None else None

    # ---- Uploader

    def put(self, remote_path: str, data: bytes) -> int:
        final = "/" + "/".join(split_remote_path(remote_path))
        folder = posixpath.dirname(final)

        def upload(ftp: ftplib.FTP) -> int:
            self._makedirs(ftp, folder)
            temp = temp_name_for(final)
            self._orphans.append(temp)  # until it is renamed or deleted
            ftp.storbinary(f"STOR {temp}", io.BytesIO(data))
            stored = self._size(ftp, temp)
            if stored != len(data):
                ftp.delete(temp)
                self._orphans.remove(temp)
                raise ftplib.error_temp(f"451 size check failed: {stored} of {len(data)} bytes arrived")
            try:
                ftp.rename(temp, final)
            except ftplib.error_perm:
                if self._size(ftp, final) is None:
                    raise
                ftp.delete(final)  # a server that will not rename over an existing file
                ftp.rename(temp, final)
            self._orphans.remove(temp)
            size = self._size(ftp, final)
            if size != len(data):
                raise ftplib.error_temp(f"451 size check after rename: {size} of {len(data)} bytes")
            return size

        return self._run(f"upload of {final}", upload)

    def remove(self, remote_path: str) -> bool:
        path = "/" + "/".join(split_remote_path(remote_path))

        def delete(ftp: ftplib.FTP) -> bool:
            if self._size(ftp, path) is None:
                return False
            ftp.delete(path)
            return True

        return self._run(f"delete of {path}", delete)

    def size(self, remote_path: str) -> int | None:
        path = "/" + "/".join(split_remote_path(remote_path))
        return self._run(f"size of {path}", lambda ftp: self._size(ftp, path))

    def list_dir(self, remote_dir: str) -> list[str]:
        folder = "/" + "/".join(split_remote_path(remote_dir)) if remote_dir.strip("/") else "/"

        def listing(ftp: ftplib.FTP) -> list[str]:
            try:
                return sorted(name for name, facts in ftp.mlsd(folder) if facts.get("type") == "file")
            except ftplib.error_perm as exc:
                if str(exc).startswith("550"):
                    return []  # no such folder
            try:  # a server without MLSD: plain names (folders included)
                return sorted(posixpath.basename(name) for name in ftp.nlst(folder))
            except ftplib.error_perm as exc:
                if str(exc).startswith("550"):
                    return []
                raise

        return self._run(f"listing of {folder}", listing)


def _reply(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = str(exc).strip() or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}" if isinstance(exc, OSError | EOFError) else text


def _close_quietly(ftp: ftplib.FTP) -> None:
    try:
        ftp.close()
    except OSError:
        pass
